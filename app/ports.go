package app

import (
	"context"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// ReportQuery selects reports for a list.
type ReportQuery struct {
	EmployeeID domain.EmployeeID // scope=mine
	PendingFor domain.EmployeeID // scope=to_approve: the current step waits for them
	DecidedBy  domain.EmployeeID // scope=decided: they approved or rejected a step
	Search     string            // prefix of number, title or owner's name
	Statuses   []domain.ReportStatus
	Before     domain.ReportID // keyset cursor: ids sort by creation
	Limit      int
}

// ReportStore is the report repository.
type ReportStore interface {
	ReportReader
	Create(ctx context.Context, year int, build func(number string) (*domain.Report, error)) (*domain.Report, error)
	Update(ctx context.Context, id domain.ReportID, fn func(*domain.Report) error) (*domain.Report, error)
	List(ctx context.Context, q ReportQuery) ([]*domain.Report, error)
	// ClaimSubmit reserves the report at version for one submit until
	// `until`; ReleaseSubmit ends that claim (not one another submit took
	// after it ran out).
	ClaimSubmit(ctx context.Context, id domain.ReportID, version int64, now, until time.Time) error
	ReleaseSubmit(ctx context.Context, id domain.ReportID, until time.Time) error
	// EndSubmit ends the claim a submit took until `until`, in the
	// submit's commit; it refuses (domain.ErrVersionConflict) when that
	// claim ran out before now or another submit holds the report now.
	EndSubmit(ctx context.Context, id domain.ReportID, until, now time.Time) error
}

// InvoiceRepo is the invoice repository the report workflow needs.
type InvoiceRepo interface {
	Get(ctx context.Context, id domain.InvoiceID) (*domain.Invoice, error)
	GetMany(ctx context.Context, ids []domain.InvoiceID) ([]*domain.Invoice, error)
	Update(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error)
	// UpdateFacts writes the facts too: a file invoice joining its card.
	UpdateFacts(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error)
}

// Repos are repositories bound to one transaction.
type Repos struct {
	Reports  ReportStore
	Invoices InvoiceRepo
	Outbox   Outbox
	// Webhooks queues outbound webhook events with the change (may be nil).
	Webhooks WebhookQueue
	// Notices queues notices with the change (may be nil).
	Notices NoticeQueue
	// Staff reads the directory in the transaction, for the notices'
	// recipients (may be nil).
	Staff StaffReader
}

// StaffReader finds the holders of a role.
type StaffReader interface {
	// WithRole lists the active employees holding role.
	WithRole(ctx context.Context, role domain.Role) ([]*domain.Employee, error)
}

// TxRunner runs fn with repositories bound to one transaction: everything
// fn does commits together or not at all.
type TxRunner interface {
	InTx(ctx context.Context, fn func(ctx context.Context, r Repos) error) error
}

// SyncReader tells how far reports' WeChat updates have got: a report
// missing from the answer has nothing pending or failed.
type SyncReader interface {
	SyncOf(ctx context.Context, reports []domain.ReportID) (map[domain.ReportID]SyncSummary, error)
}

// retryReads bounds how often a read of WeChat is retried when WeChat is
// busy: a person is waiting for the answer.
var retryReads = []time.Duration{100 * time.Millisecond, 300 * time.Millisecond}

// withRetry calls fn again after each delay while it fails with a
// retryable WeChat error.
func withRetry(ctx context.Context, fn func() error) error {
	err := fn()
	for _, d := range retryReads {
		if !isTransient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		err = fn()
	}
	return err
}

func isTransient(err error) bool {
	var we *WeChatError
	return asWeChatError(err, &we) && (we.Kind == Retryable || we.Kind == OutcomeUnknown)
}

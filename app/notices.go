package app

import (
	"context"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// NoticeDraft is one notice to one person about one event, as a decision
// queues it (app/notify builds them). Key is unique per (event,
// recipient): a transaction run again, or an event replayed, queues
// nothing twice.
type NoticeDraft struct {
	Key       string
	Event     string
	ReportID  domain.ReportID
	Recipient domain.EmployeeID
	Step      int // the plan step the notice is about, 0 when none
	Title     string
	Body      string
	// Inbox says the recipient sees it in the in-app inbox; card updates
	// of one's own decision are not shown.
	Inbox bool
	At    time.Time
}

// NoticeQueue queues notices in the transaction that made their event
// (Repos.Notices); a duplicate Key is ignored.
type NoticeQueue interface {
	QueueNotices(ctx context.Context, ns []NoticeDraft) error
}

// ReportBefore is what a report was before a change, for the notices
// about the change.
type ReportBefore struct {
	Version int64
	Status  domain.ReportStatus
	Plan    domain.Plan
}

// BeforeOf captures r before it changes.
func BeforeOf(r *domain.Report) ReportBefore {
	return ReportBefore{Version: r.Version(), Status: r.Status(), Plan: r.Plan()}
}

// Notifier turns changes into notices, in the change's transaction
// (app/notify). A notice failure never blocks or undoes a decision
// (DECISIONS 36): queueing is an insert in the same transaction, and
// delivery happens later, apart.
type Notifier interface {
	ReportChanged(ctx context.Context, tx Repos, before ReportBefore, after *domain.Report, now time.Time) error
	InvoiceCancelled(ctx context.Context, tx Repos, inv *domain.Invoice, now time.Time) error
}

// notify runs n on a change when both a notifier and a notice queue are
// there (tests of the bare workflow have neither).
func notify(ctx context.Context, n Notifier, tx Repos, before ReportBefore, after *domain.Report, now time.Time) error {
	if n == nil || tx.Notices == nil {
		return nil
	}
	return n.ReportChanged(ctx, tx, before, after, now)
}

// NotifyWith makes the workflow queue notices about its decisions.
func (s *Reports) NotifyWith(n Notifier) { s.notifier = n }

func notifyCancelled(ctx context.Context, n Notifier, tx Repos, inv *domain.Invoice, now time.Time) error {
	if n == nil || tx.Notices == nil || inv.ReportID() == "" {
		return nil
	}
	return n.InvoiceCancelled(ctx, tx, inv, now)
}

// NotifyWith makes invoice events queue notices (an invoice of an open
// report red-flushed tells its owner and approvers).
func (e *Events) NotifyWith(n Notifier) { e.notifier = n }

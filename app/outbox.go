package app

import (
	"context"
	"errors"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// StatusChange is a decision WeChat still has to hear about: move one
// invoice to Target. Generation is the invoice's status generation when
// the decision was taken; a newer decision supersedes it (DECISIONS 7).
type StatusChange struct {
	InvoiceID  domain.InvoiceID
	ReportID   domain.ReportID
	Channel    domain.Channel
	OpenID     string
	Ref        CardRef
	Target     domain.WeChatStatus
	Generation int64
	// Due is when a worker may send it; zero means at once. A synchronous
	// writer queues its change due later, as the durable record of what
	// must hold if it dies before it is done.
	Due time.Time
}

// OutboxState is where a queued change is.
type OutboxState string

// The states. Superseded rows were overtaken by a newer decision.
const (
	OutboxPending    OutboxState = "pending"
	OutboxDone       OutboxState = "done"
	OutboxFailed     OutboxState = "failed"
	OutboxSuperseded OutboxState = "superseded"
)

// OutboxItem is a queued change with its delivery state.
type OutboxItem struct {
	ID int64
	StatusChange
	State         OutboxState
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Lease         string // the claim token; set on claimed items only
}

// ErrClaimLost is returned when a worker finishes a queued row (an outbox
// change, a webhook delivery) that its claim no longer holds: the lease ran
// out and another worker claimed the row, or a newer decision superseded
// it. Nothing was recorded; the worker logs it and moves on, since the row
// is someone else's now (or needs no delivery).
var ErrClaimLost = errors.New("claim lost: the row is no longer held by this claim")

// OutboxAttempt is the outcome of one delivery attempt: State done, failed
// or superseded ends the row; pending schedules a retry at Next.
type OutboxAttempt struct {
	State   OutboxState
	Next    time.Time
	Errcode int
	Message string
	Latency time.Duration // of the WeChat call; 0 when none was made
}

// Outbox queues status changes in the transaction that decides them and
// hands them to workers by lease.
type Outbox interface {
	// Enqueue adds changes and supersedes pending older ones for the same
	// invoices.
	Enqueue(ctx context.Context, changes []StatusChange, now time.Time) error
	// Supersede marks every pending change of these invoices superseded.
	Supersede(ctx context.Context, invoices []domain.InvoiceID, now time.Time) error
	// Hasten makes the pending changes of these invoices due now.
	Hasten(ctx context.Context, invoices []domain.InvoiceID, now time.Time) error
	// Complete marks the pending changes of these invoices at generation
	// gen done: a synchronous writer delivered them itself.
	Complete(ctx context.Context, invoices []domain.InvoiceID, gen map[domain.InvoiceID]int64, now time.Time) error
}

// SyncSummary is how far a report's WeChat updates have got.
type SyncSummary struct {
	Pending int
	Failed  int
}

package app

import (
	"context"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// OutboxStore is what admins see and do with the outbox.
type OutboxStore interface {
	List(ctx context.Context, state OutboxState, before int64, limit int) ([]OutboxItem, error)
	Requeue(ctx context.Context, id int64, now time.Time) error
}

// OutboxAdmin lets admins watch undelivered changes and retry failed ones.
type OutboxAdmin struct {
	outbox    OutboxStore
	employees EmployeeDirectory
	clock     Clock
	requeued  func()
}

// NewOutboxAdmin returns the admin view of the outbox; requeued (may be
// nil) runs after a retry, e.g. to wake the worker.
func NewOutboxAdmin(outbox OutboxStore, employees EmployeeDirectory, clock Clock, requeued func()) *OutboxAdmin {
	return &OutboxAdmin{outbox: outbox, employees: employees, clock: clock, requeued: requeued}
}

func (a *OutboxAdmin) admin(ctx context.Context, by domain.EmployeeID) error {
	e, err := a.employees.Get(ctx, by)
	if err != nil || !e.Active() {
		return domain.ErrAuthRequired
	}
	if !e.HasRole(domain.RoleAdmin) {
		return domain.ErrForbidden.WithMessage("administrators only")
	}
	return nil
}

// List returns outbox rows in a state ("" for all), newest first.
func (a *OutboxAdmin) List(ctx context.Context, by domain.EmployeeID, state string, before int64, limit int) ([]OutboxItem, error) {
	if err := a.admin(ctx, by); err != nil {
		return nil, err
	}
	switch OutboxState(state) {
	case "", OutboxPending, OutboxFailed, OutboxDone, OutboxSuperseded:
	default:
		return nil, domain.Invalid("state", "must be pending, failed, done or superseded")
	}
	return a.outbox.List(ctx, OutboxState(state), before, limit)
}

// Retry puts a failed row back in the queue.
func (a *OutboxAdmin) Retry(ctx context.Context, by domain.EmployeeID, id int64) error {
	if err := a.admin(ctx, by); err != nil {
		return err
	}
	if err := a.outbox.Requeue(ctx, id, a.clock.Now()); err != nil {
		return err
	}
	if a.requeued != nil {
		a.requeued()
	}
	return nil
}

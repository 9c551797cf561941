package notify

import (
	"context"
	"errors"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Store keeps notices as the inbox and the admins see them.
type Store interface {
	Inbox(ctx context.Context, who domain.EmployeeID, unreadOnly bool, before int64, limit int) ([]Notice, error)
	Unread(ctx context.Context, who domain.EmployeeID) (int, error)
	MarkRead(ctx context.Context, who domain.EmployeeID, ids []int64, all bool, now time.Time) error
	List(ctx context.Context, state string, before int64, limit int) ([]Notice, error)
	// Requeue puts a failed notice back in the queue, due now: not found
	// when there is no such notice, domain.ErrNoticeNotFailed when it is
	// not failed.
	Requeue(ctx context.Context, id int64, now time.Time) error
}

// Inbox is everyone's in-app inbox and the admins' delivery list.
type Inbox struct {
	store    Store
	people   People
	clock    app.Clock
	requeued func()
}

// NewInbox returns the inbox service.
func NewInbox(store Store, people People, clock app.Clock) *Inbox {
	return &Inbox{store: store, people: people, clock: clock}
}

func (b *Inbox) actor(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	e, err := b.people.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return nil, domain.ErrAuthRequired
	}
	return e, err
}

// MaxIDs bounds one mark-read call.
const MaxIDs = 200

// List returns the caller's notices, newest first, and their unread count.
func (b *Inbox) List(ctx context.Context, by domain.EmployeeID, unreadOnly bool, before int64, limit int) ([]Notice, int, error) {
	if _, err := b.actor(ctx, by); err != nil {
		return nil, 0, err
	}
	items, err := b.store.Inbox(ctx, by, unreadOnly, before, limit)
	if err != nil {
		return nil, 0, err
	}
	n, err := b.store.Unread(ctx, by)
	return items, n, err
}

// MarkRead marks the caller's notices read: those of ids, or all. Ids of
// other people's notices change nothing.
func (b *Inbox) MarkRead(ctx context.Context, by domain.EmployeeID, ids []int64, all bool) (int, error) {
	if _, err := b.actor(ctx, by); err != nil {
		return 0, err
	}
	switch {
	case all && len(ids) > 0:
		return 0, domain.Invalid("ids", "give ids or all, not both")
	case !all && len(ids) == 0:
		return 0, domain.Invalid("ids", "give at least one id, or all: true")
	case len(ids) > MaxIDs:
		return 0, domain.Invalid("ids", "at most 200 ids")
	}
	for _, id := range ids {
		if id <= 0 {
			return 0, domain.Invalid("ids", "ids are positive integers")
		}
	}
	if err := b.store.MarkRead(ctx, by, ids, all, b.clock.Now()); err != nil {
		return 0, err
	}
	return b.store.Unread(ctx, by)
}

// OnRequeued sets what runs after an admin requeues a notice (wake the
// worker).
func (b *Inbox) OnRequeued(fn func()) { b.requeued = fn }

func (b *Inbox) admin(ctx context.Context, by domain.EmployeeID) error {
	e, err := b.actor(ctx, by)
	if err != nil {
		return err
	}
	if !e.HasRole(domain.RoleAdmin) {
		return domain.ErrForbidden.WithMessage("administrators only")
	}
	return nil
}

// Retry puts a failed notice back in the queue (an admin's requeue, like
// the outbox's): it is sent again on the recipient's channel as it is
// now, with its attempts counted afresh.
func (b *Inbox) Retry(ctx context.Context, by domain.EmployeeID, id int64) error {
	if err := b.admin(ctx, by); err != nil {
		return err
	}
	if err := b.store.Requeue(ctx, id, b.clock.Now()); err != nil {
		return err
	}
	if b.requeued != nil {
		b.requeued()
	}
	return nil
}

// Deliveries lists notices for admins (DECISIONS 46), in a state ("" for
// all), newest first.
func (b *Inbox) Deliveries(ctx context.Context, by domain.EmployeeID, state string, before int64, limit int) ([]Notice, error) {
	if err := b.admin(ctx, by); err != nil {
		return nil, err
	}
	switch state {
	case "", StatePending, StateDone, StateFailed:
	default:
		return nil, domain.Invalid("state", "must be pending, done or failed")
	}
	return b.store.List(ctx, state, before, limit)
}

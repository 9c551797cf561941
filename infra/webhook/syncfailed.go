package webhook

import (
	"context"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/store"
)

// OutboxQueue is the outbox queue (infra/outbox's Queue) with the
// sync.failed event: a WeChat change that fails for good is marked failed
// and its event queued in one transaction.
type OutboxQueue struct {
	st *store.Store

	mu      sync.Mutex
	claimed map[int64]app.OutboxItem // what the worker holds, by id
}

// NewOutboxQueue wraps st's outbox.
func NewOutboxQueue(st *store.Store) *OutboxQueue {
	return &OutboxQueue{st: st, claimed: map[int64]app.OutboxItem{}}
}

// Claim claims like the outbox and remembers the rows, for their event.
func (q *OutboxQueue) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]app.OutboxItem, error) {
	items, err := q.st.Outbox.Claim(ctx, worker, now, lease, limit)
	q.mu.Lock()
	for _, it := range items {
		q.claimed[it.ID] = it
	}
	q.mu.Unlock()
	return items, err
}

// Renew renews like the outbox and forgets the rows the claim lost: the
// worker will not finish them.
func (q *OutboxQueue) Renew(ctx context.Context, lease string, ids []int64, now time.Time, d time.Duration) ([]int64, error) {
	lost, err := q.st.Outbox.Renew(ctx, lease, ids, now, d)
	q.mu.Lock()
	for _, id := range lost {
		delete(q.claimed, id)
	}
	q.mu.Unlock()
	return lost, err
}

// Finish finishes like the outbox; a failure also queues sync.failed, in
// the same transaction. When the claim was lost the finish returns
// app.ErrClaimLost and rolls the event back with it: the row's new
// holder, or the decision that superseded it, settles what happens.
func (q *OutboxQueue) Finish(ctx context.Context, id int64, lease string, a app.OutboxAttempt, now time.Time) error {
	q.mu.Lock()
	it, ok := q.claimed[id]
	delete(q.claimed, id)
	q.mu.Unlock()
	if a.State != app.OutboxFailed || !ok {
		return q.st.Outbox.Finish(ctx, id, lease, a, now)
	}
	return q.st.InTx(ctx, func(ctx context.Context, tx *store.Store) error {
		if err := tx.Outbox.Finish(ctx, id, lease, a, now); err != nil {
			return err
		}
		return tx.Repos().Webhooks.Publish(ctx, app.SyncFailedEvent(it, a.Errcode, a.Message, now))
	})
}

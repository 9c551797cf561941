package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/infra/store/lease"
)

// The outbox and the webhook deliveries are both queues: rows with an id,
// a state ("pending", "done", "failed", …), attempts and next_attempt_at.
// Their admin views list and requeue them the same way.

// listQueue reads rows of R's table in state ("" for all), newest first,
// with ids below before (0: from the newest), at most limit.
func listQueue[R any](ctx context.Context, db bun.IDB, state string, before int64, limit int) ([]R, error) {
	var rows []R
	q := db.NewSelect().Model(&rows).OrderExpr("id DESC").Limit(int64(limit))
	if state != "" {
		q = q.Where("state = ?", state)
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	return rows, q.Scan(ctx)
}

// requeueFailed puts a failed row of model's table back to pending, due
// now with its attempts reset, and says whether there was one.
func requeueFailed(ctx context.Context, db bun.IDB, model any, id int64, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model(model).
		Set("state = ?", "pending").Set("next_attempt_at = ?", now.UTC()).
		Set("attempts = 0").Set("updated_at = ?", now.UTC()).
		Where("id = ?", id).Where("state = ?", "failed").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// claimRows claims up to limit due rows of q's table for worker until
// now+d and loads them, in id order, with the claim's token. It runs in
// one READ COMMITTED transaction, run again if InnoDB picks it as a
// deadlock victim: a claim that failed would leave rows for later.
func claimRows[R any](ctx context.Context, db bun.IDB, q lease.Queue, worker string, now time.Time, d time.Duration, limit int) ([]R, string, error) {
	var rows []R
	var token string
	err := runInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		rows, token = nil, ""
		c, err := q.Claim(ctx, tx, worker, now, d, limit)
		if err != nil || len(c.IDs) == 0 {
			return err
		}
		token = c.Token
		return tx.NewSelect().Model(&rows).Where("id IN (?)", bun.In(c.IDs)).OrderExpr("id").Scan(ctx)
	})
	return rows, token, err
}

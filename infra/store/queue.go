package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"
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

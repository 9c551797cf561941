package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// nextInSequence returns the next value of a named counter. It must run in
// the caller's transaction: the row stays locked (MySQL) or the database
// write-locked (SQLite) until commit, so no two callers get the same value.
//
// One upsert, not UPDATE-then-INSERT: on InnoDB an UPDATE of a missing row
// takes a gap lock, and two transactions holding it both block each
// other's INSERT — a deadlock each time a new counter (a new year's report
// numbers) is first used by concurrent requests.
func nextInSequence(ctx context.Context, tx bun.IDB, name string) (int64, error) {
	upsert := "INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1"
	if isMySQL(tx) {
		upsert = "INSERT INTO sequences (name, value) VALUES (?, 1) ON DUPLICATE KEY UPDATE value = value + 1"
	}
	if _, err := tx.NewRaw(upsert, name).Exec(ctx); err != nil {
		return 0, fmt.Errorf("advance sequence %s: %w", name, err)
	}
	var v int64
	if err := tx.NewSelect().Table("sequences").Column("value").Where("name = ?", name).Scan(ctx, &v); err != nil {
		return 0, fmt.Errorf("read sequence %s: %w", name, err)
	}
	return v, nil
}

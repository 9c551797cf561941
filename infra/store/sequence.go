package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// nextInSequence returns the next value of a named counter. It must run in
// the caller's transaction: the row stays locked (MySQL) or the database
// write-locked (SQLite) until commit, so no two callers get the same value.
func nextInSequence(ctx context.Context, tx bun.IDB, name string) (int64, error) {
	res, err := tx.NewUpdate().Table("sequences").Set("value = value + 1").Where("name = ?", name).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("advance sequence %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.NewRaw("INSERT INTO sequences (name, value) VALUES (?, 1)", name).Exec(ctx); err != nil {
			if _, dup := uniqueViolation(err); !dup {
				return 0, fmt.Errorf("start sequence %s: %w", name, err)
			}
			// Someone started it between our update and insert; take the next.
			return nextInSequence(ctx, tx, name)
		}
		return 1, nil
	}
	var v int64
	if err := tx.NewSelect().Table("sequences").Column("value").Where("name = ?", name).Scan(ctx, &v); err != nil {
		return 0, fmt.Errorf("read sequence %s: %w", name, err)
	}
	return v, nil
}

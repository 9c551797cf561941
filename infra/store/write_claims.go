package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

// WriteClaims are the per-invoice write claims of the ordered write path
// (DECISIONS 31, docs/status-sync.md): whoever sends an invoice's status
// to WeChat holds its claim while the call is in flight, so two writes of
// one invoice never overlap. A claim lasts until its time runs out; the
// holder renews it while it works.
type WriteClaims struct{ db bun.IDB }

// NewWriteClaims returns the claims on db.
func NewWriteClaims(db bun.IDB) *WriteClaims { return &WriteClaims{db: db} }

// Acquire claims the invoices for owner until now+ttl, taking over claims
// whose time ran out, and answers the ones owner holds now (in the order
// asked). An invoice held by someone else is left out.
func (s *WriteClaims) Acquire(ctx context.Context, ids []domain.InvoiceID, owner string, now time.Time, ttl time.Duration) ([]domain.InvoiceID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var held map[string]bool
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("invoices").
			Set("write_owner = ?", owner).Set("write_until = ?", now.Add(ttl).UTC()).
			Where("id IN (?)", bun.In(invoiceKeys(ids))).
			WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
				return q.Where("write_owner = ''").WhereOr("write_owner = ?", owner).
					WhereOr("write_until IS NULL").WhereOr("write_until < ?", now.UTC())
			}).Exec(ctx)
		if err != nil {
			return err
		}
		held, err = heldBy(ctx, tx, ids, owner, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim invoices for a WeChat write: %w", err)
	}
	return pick(ids, held, true), nil
}

// Renew extends owner's claims to until and answers the invoices whose
// claim owner lost (someone took it over after it ran out).
func (s *WriteClaims) Renew(ctx context.Context, ids []domain.InvoiceID, owner string, until time.Time) ([]domain.InvoiceID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var held map[string]bool
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("invoices").Set("write_until = ?", until.UTC()).
			Where("id IN (?)", bun.In(invoiceKeys(ids))).Where("write_owner = ?", owner).Exec(ctx)
		if err != nil {
			return err
		}
		held, err = heldBy(ctx, tx, ids, owner, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("renew WeChat write claims: %w", err)
	}
	return pick(ids, held, false), nil
}

// Release gives owner's claims back and answers the invoices whose claim
// owner had lost: someone else may have written to WeChat meanwhile.
func (s *WriteClaims) Release(ctx context.Context, ids []domain.InvoiceID, owner string) ([]domain.InvoiceID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var held map[string]bool
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if held, err = heldBy(ctx, tx, ids, owner, true); err != nil || len(held) == 0 {
			return err
		}
		keys := make([]string, 0, len(held))
		for id := range held {
			keys = append(keys, id)
		}
		_, err = tx.NewUpdate().Table("invoices").Set("write_owner = ''").Set("write_until = NULL").
			Where("id IN (?)", bun.In(keys)).Where("write_owner = ?", owner).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("release WeChat write claims: %w", err)
	}
	return pick(ids, held, false), nil
}

// heldBy answers which of ids owner holds; lock takes the rows on MySQL.
func heldBy(ctx context.Context, tx bun.Tx, ids []domain.InvoiceID, owner string, lock bool) (map[string]bool, error) {
	var got []string
	q := tx.NewSelect().Table("invoices").Column("id").
		Where("id IN (?)", bun.In(invoiceKeys(ids))).Where("write_owner = ?", owner).OrderExpr("id")
	if lock && isMySQL(tx) {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx, &got); err != nil {
		return nil, err
	}
	held := make(map[string]bool, len(got))
	for _, id := range got {
		held[id] = true
	}
	return held, nil
}

// pick answers the ids that are (want true) or are not (want false) in set.
func pick(ids []domain.InvoiceID, set map[string]bool, want bool) []domain.InvoiceID {
	var out []domain.InvoiceID
	for _, id := range ids {
		if set[string(id)] == want {
			out = append(out, id)
		}
	}
	return out
}

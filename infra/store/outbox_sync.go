package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// A synchronous writer (submit, an ERP status call) queues its change due
// later, as the record of what must hold if it dies, then sends it itself.
// These settle such rows. Like Supersede, they find the ids first and
// update by primary key, in the lock order of Claim and Finish.

// Hasten makes the pending changes of these invoices due now, for the
// worker to deliver.
func (s *Outbox) Hasten(ctx context.Context, invoices []domain.InvoiceID, now time.Time) error {
	ids, err := s.pendingOf(ctx, invoices, nil)
	if err != nil || len(ids) == 0 {
		return err
	}
	_, err = s.db.NewUpdate().Model((*outboxRow)(nil)).
		Set("next_attempt_at = ?", now.UTC()).Set("updated_at = ?", now.UTC()).
		Where("id IN (?)", bun.In(ids)).Where("state = ?", string(app.OutboxPending)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("hasten outbox rows: %w", err)
	}
	return nil
}

// Complete marks done the pending, unclaimed changes of these invoices at
// the given generations: their writer delivered them.
func (s *Outbox) Complete(ctx context.Context, invoices []domain.InvoiceID, gen map[domain.InvoiceID]int64, now time.Time) error {
	ids, err := s.pendingOf(ctx, invoices, gen)
	if err != nil || len(ids) == 0 {
		return err
	}
	_, err = s.db.NewUpdate().Model((*outboxRow)(nil)).
		Set("state = ?", string(app.OutboxDone)).Set("updated_at = ?", now.UTC()).
		Where("id IN (?)", bun.In(ids)).Where("state = ?", string(app.OutboxPending)).
		Where("lease_until IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("complete outbox rows: %w", err)
	}
	return nil
}

// pendingOf answers the ids of pending rows of invoices, only those at
// the invoice's generation in gen when gen is not nil.
func (s *Outbox) pendingOf(ctx context.Context, invoices []domain.InvoiceID, gen map[domain.InvoiceID]int64) ([]int64, error) {
	if len(invoices) == 0 {
		return nil, nil
	}
	var rows []struct {
		ID         int64
		InvoiceID  string
		Generation int64
	}
	err := s.db.NewSelect().Model((*outboxRow)(nil)).Column("id", "invoice_id", "generation").
		Where("invoice_id IN (?)", bun.In(invoiceKeys(invoices))).
		Where("state = ?", string(app.OutboxPending)).OrderExpr("id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("find pending outbox rows: %w", err)
	}
	var ids []int64
	for _, r := range rows {
		if gen == nil || gen[domain.InvoiceID(r.InvoiceID)] == r.Generation {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

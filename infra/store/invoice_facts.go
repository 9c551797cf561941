package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

// UpdateFacts applies fn and writes the invoice's facts and lines as well as
// its state: for a file invoice completed by its owner, or one that gains
// its wallet card (DECISIONS 40). A completed number or a card that
// another invoice holds is domain.ErrInvoiceDuplicate, naming the holder.
func (s *Invoices) UpdateFacts(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error) {
	var out *domain.Invoice
	var dupErr error
	var attempted *domain.Invoice
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		inv, err := s.lockOne(ctx, tx, id)
		if err != nil {
			return err
		}
		hadCard := inv.InWallet()
		if err := fn(inv); err != nil {
			return err
		}
		attempted = inv
		row, lines := invoiceFromDomain(inv)
		loaded := row.Version
		row.Version++
		res, err := tx.NewUpdate().Model(&row).
			ExcludeColumn("id", "owner_id", "imported_at").
			WherePK().Where("version = ?", loaded).Exec(ctx)
		if err != nil {
			if _, dup := uniqueViolation(err); dup {
				dupErr = err
			}
			return fmt.Errorf("update invoice %s: %w", id, err)
		}
		if err := versionCheck(res, "invoice "+string(id)); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*invoiceLineRow)(nil)).Where("invoice_id = ?", string(id)).Exec(ctx); err != nil {
			return fmt.Errorf("replace lines of invoice %s: %w", id, err)
		}
		if len(lines) > 0 {
			if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
				return fmt.Errorf("replace lines of invoice %s: %w", id, err)
			}
		}
		if !hadCard && inv.InWallet() {
			// The card brings its pdf_url: fetched like any import's.
			if err := queuePDF(ctx, tx, inv); err != nil {
				return err
			}
		}
		out, err = s.loadOne(ctx, tx, string(id), func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("i.id = ?", string(id)) })
		return err
	})
	if dupErr != nil {
		// Named after the transaction, as Add does.
		return nil, s.duplicate(ctx, attempted, dupErr)
	}
	return out, err
}

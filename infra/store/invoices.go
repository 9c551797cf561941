package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

// Invoices stores imported invoices and their lines.
type Invoices struct{ db bun.IDB }

// Add stores a new invoice. The same paper (code + number) or the same
// wallet card (channel, card_id, encrypt_code) already stored is
// domain.ErrInvoiceDuplicate, with the holder's invoice id in details, so
// concurrent imports of one invoice leave exactly one row.
func (s *Invoices) Add(ctx context.Context, inv *domain.Invoice) error {
	row, lines := invoiceFromDomain(inv)
	var dupErr error
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			if _, dup := uniqueViolation(err); dup {
				dupErr = err
			}
			return fmt.Errorf("add invoice %s: %w", row.ID, err)
		}
		if len(lines) > 0 {
			if _, err := tx.NewInsert().Model(&lines).Exec(ctx); err != nil {
				return fmt.Errorf("add lines of invoice %s: %w", row.ID, err)
			}
		}
		// The PDF download is queued with the invoice: a crash after the
		// commit loses neither (DECISIONS 11).
		return queuePDF(ctx, tx, inv)
	})
	if dupErr != nil {
		// Look up the holder only after the transaction has released its
		// connection: under load every pooled connection may be one of the
		// racing transactions.
		return s.duplicate(ctx, inv, dupErr)
	}
	return err
}

// duplicate names the invoice that already holds the identity.
func (s *Invoices) duplicate(ctx context.Context, inv *domain.Invoice, cause error) error {
	f := inv.Facts()
	var holderID, holderOwner string
	err := s.db.NewSelect().Table("invoices").Column("id", "owner_id").
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			// Only the identities the invoice has: a file invoice has no
			// card, and one awaiting review may have no number yet.
			if f.ID.Number != "" {
				q = q.WhereOr("invoice_code = ? AND invoice_number = ?", f.ID.Code, f.ID.Number)
			}
			if f.EncryptCode != "" {
				q = q.WhereOr("channel = ? AND card_id = ? AND encrypt_code = ?", string(f.Channel), f.CardID, f.EncryptCode)
			}
			return q
		}).Where("id <> ?", string(inv.ID())).Limit(1).Scan(ctx, &holderID, &holderOwner)
	details := map[string]any{"invoice_code": f.ID.Code, "invoice_number": f.ID.Number}
	if err == nil {
		details["invoice_id"] = holderID
		details["owner_id"] = holderOwner
	}
	return fmt.Errorf("add invoice: %w: %w", domain.ErrInvoiceDuplicate.With(details), cause)
}

func (s *Invoices) selectInvoices(db bun.IDB, rows *[]invoiceRow) *bun.SelectQuery {
	return db.NewSelect().Model(rows).
		ColumnExpr("i.*").ColumnExpr("COALESCE(ri.report_id, '') AS report_id").
		ModelTableExpr("invoices AS i").
		Join("LEFT JOIN report_invoices AS ri ON ri.invoice_id = i.id")
}

func (s *Invoices) loadMany(ctx context.Context, db bun.IDB, q func(*bun.SelectQuery) *bun.SelectQuery) ([]*domain.Invoice, error) {
	var rows []invoiceRow
	if err := q(s.selectInvoices(db, &rows)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load invoices: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var lines []invoiceLineRow
	if err := db.NewSelect().Model(&lines).Where("invoice_id IN (?)", bun.In(ids)).
		OrderExpr("invoice_id, position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load invoice lines: %w", err)
	}
	byInvoice := map[string][]invoiceLineRow{}
	for _, l := range lines {
		byInvoice[l.InvoiceID] = append(byInvoice[l.InvoiceID], l)
	}
	out := make([]*domain.Invoice, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(byInvoice[r.ID])
	}
	return out, nil
}

func (s *Invoices) loadOne(ctx context.Context, db bun.IDB, what string, q func(*bun.SelectQuery) *bun.SelectQuery) (*domain.Invoice, error) {
	invs, err := s.loadMany(ctx, db, q)
	if err != nil {
		return nil, err
	}
	if len(invs) == 0 {
		return nil, fmt.Errorf("invoice %s: %w", what, domain.ErrNotFound)
	}
	return invs[0], nil
}

// Get loads one invoice with its lines and report.
func (s *Invoices) Get(ctx context.Context, id domain.InvoiceID) (*domain.Invoice, error) {
	return s.loadOne(ctx, s.db, string(id), func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("i.id = ?", string(id))
	})
}

// GetMany loads invoices by id, in the order asked; a missing id is
// domain.ErrNotFound.
func (s *Invoices) GetMany(ctx context.Context, ids []domain.InvoiceID) ([]*domain.Invoice, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = string(id)
	}
	invs, err := s.loadMany(ctx, s.db, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("i.id IN (?)", bun.In(keys))
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[domain.InvoiceID]*domain.Invoice, len(invs))
	for _, inv := range invs {
		byID[inv.ID()] = inv
	}
	out := make([]*domain.Invoice, len(ids))
	for i, id := range ids {
		if out[i] = byID[id]; out[i] == nil {
			return nil, fmt.Errorf("invoice %s: %w", id, domain.ErrNotFound.With(map[string]any{"invoice_id": string(id)}))
		}
	}
	return out, nil
}

// ByBusinessID finds the invoice with this code and number.
func (s *Invoices) ByBusinessID(ctx context.Context, id domain.BusinessID) (*domain.Invoice, error) {
	return s.loadOne(ctx, s.db, id.String(), func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("i.invoice_code = ? AND i.invoice_number = ?", id.Code, id.Number)
	})
}

// ByWalletID finds the invoice with this channel, card_id and encrypt_code
// (compared byte for byte).
func (s *Invoices) ByWalletID(ctx context.Context, ch domain.Channel, cardID, encryptCode string) (*domain.Invoice, error) {
	return s.loadOne(ctx, s.db, "by wallet id", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("i.channel = ? AND i.card_id = ? AND i.encrypt_code = ?", string(ch), cardID, encryptCode)
	})
}

// ByCardAndOwner finds the invoices of one card template in one wallet:
// WeChat's events name the card and the owner, with the plain code that we
// never see otherwise.
func (s *Invoices) ByCardAndOwner(ctx context.Context, ch domain.Channel, cardID, openid string) ([]*domain.Invoice, error) {
	return s.loadMany(ctx, s.db, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("i.channel = ? AND i.card_id = ? AND i.owner_open_id = ?", string(ch), cardID, openid).OrderExpr("i.id")
	})
}

// ListByOwner returns an owner's invoices, newest first, after the cursor
// id (keyset on id, which sorts by creation). filter is "" (all),
// "available" (in no report, not reimbursed or cancelled), "in_report" or
// "reimbursed".
func (s *Invoices) ListByOwner(ctx context.Context, owner domain.EmployeeID, filter string, before domain.InvoiceID, limit int) ([]*domain.Invoice, error) {
	return s.loadMany(ctx, s.db, func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("i.owner_id = ?", string(owner)).OrderExpr("i.id DESC").Limit(int64(limit))
		switch filter {
		case "available":
			q = q.Where("ri.report_id IS NULL").Where("i.wechat_status IN (?)", bun.In([]string{string(domain.StatusInit), string(domain.StatusLock)}))
		case "in_report":
			q = q.Where("ri.report_id IS NOT NULL")
		case "reimbursed":
			q = q.Where("i.wechat_status = ?", string(domain.StatusClosure))
		}
		if before != "" {
			q = q.Where("i.id < ?", string(before))
		}
		return q
	})
}

// Update loads an invoice, lets fn change it and saves its status fields
// if its version is still the one loaded. What WeChat said (the facts) is
// written only by Add.
func (s *Invoices) Update(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error) {
	var out *domain.Invoice
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		inv, err := s.lockOne(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(inv); err != nil {
			return err
		}
		row, _ := invoiceFromDomain(inv)
		loaded := row.Version
		row.Version++
		res, err := tx.NewUpdate().Model(&row).
			Column("wechat_status", "wechat_target", "status_generation", "title_matches_company", "updated_at", "version").
			WherePK().Where("version = ?", loaded).Exec(ctx)
		if err != nil {
			return fmt.Errorf("update invoice %s: %w", id, err)
		}
		if err := versionCheck(res, "invoice "+string(id)); err != nil {
			return err
		}
		out, err = s.loadOne(ctx, tx, string(id), func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("i.id = ?", string(id)) })
		return err
	})
	return out, err
}

// lockOne loads an invoice to change in tx, its row locked on MySQL
// (SQLite's write transaction already excludes other writers).
func (s *Invoices) lockOne(ctx context.Context, tx bun.Tx, id domain.InvoiceID) (*domain.Invoice, error) {
	return s.loadOne(ctx, tx, string(id), func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("i.id = ?", string(id))
		if isMySQL(tx) {
			q = q.For("UPDATE")
		}
		return q
	})
}

// Delete removes an invoice that is in no report.
func (s *Invoices) Delete(ctx context.Context, id domain.InvoiceID) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var inReport int
		if err := tx.NewSelect().Table("report_invoices").ColumnExpr("COUNT(*)").Where("invoice_id = ?", string(id)).Scan(ctx, &inReport); err != nil {
			return err
		}
		if inReport > 0 {
			return fmt.Errorf("delete invoice %s: %w", id, domain.ErrInvoiceInReport)
		}
		res, err := tx.NewDelete().Table("invoices").Where("id = ?", string(id)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete invoice %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("invoice %s: %w", id, domain.ErrNotFound)
		}
		// The blobs stay (content-addressed, maybe shared); only the records go.
		if _, err := tx.NewDelete().Table("invoice_originals").Where("invoice_id = ?", string(id)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("invoice_pdf_fetches").Where("invoice_id = ?", string(id)).Exec(ctx); err != nil {
			return err
		}
		_, err = tx.NewDelete().Table("invoice_lines").Where("invoice_id = ?", string(id)).Exec(ctx)
		return err
	})
}

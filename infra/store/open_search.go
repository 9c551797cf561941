package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// OpenQueries are the open API's reads that no other repository has.
type OpenQueries struct{ db bun.IDB }

// NewOpenQueries returns them on db.
func NewOpenQueries(db bun.IDB) *OpenQueries { return &OpenQueries{db: db} }

// EmployeeByOpenID finds the active employee whose identity on the
// channel's app carries openid (on WeCom: the member's openid, learned at
// sign-in).
func (s *OpenQueries) EmployeeByOpenID(ctx context.Context, ch domain.Channel, appID, openid string) (domain.EmployeeID, error) {
	var id string
	err := s.db.NewSelect().TableExpr("employee_identities AS ei").Column("ei.employee_id").
		Join("JOIN employees AS e ON e.id = ei.employee_id").
		Where("ei.channel = ?", string(ch)).Where("ei.app_id = ?", appID).Where("ei.open_id = ?", openid).
		Where("e.active = ?", true).OrderExpr("ei.employee_id").Limit(1).Scan(ctx, &id)
	if errors.Is(err, errNoRows) || err == nil && id == "" {
		return "", fmt.Errorf("employee by openid: %w", domain.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("employee by openid: %w", err)
	}
	return domain.EmployeeID(id), nil
}

// SearchInvoices implements the Yuanian search: ids of matching invoices,
// most recently changed first, and the total count.
func (s *OpenQueries) SearchInvoices(ctx context.Context, f app.InvoiceSearch, offset, limit int) ([]domain.InvoiceID, int64, error) {
	q := s.db.NewSelect().TableExpr("invoices AS i")
	if f.BizCode != "" {
		q = q.Join("JOIN invoice_biz_codes AS b ON b.invoice_id = i.id").Where("b.biz_code = ?", f.BizCode)
	}
	if f.InvoiceCode != "" {
		q = q.Where("i.invoice_code = ?", f.InvoiceCode)
	}
	if f.InvoiceNumber != "" {
		q = q.Where("i.invoice_number = ?", f.InvoiceNumber)
	}
	if !f.UpdatedFrom.IsZero() {
		q = q.Where("i.updated_at >= ?", f.UpdatedFrom.UTC())
	}
	if !f.UpdatedTo.IsZero() {
		q = q.Where("i.updated_at <= ?", f.UpdatedTo.UTC())
	}
	if len(f.BuyerTaxNumbers) > 0 {
		q = q.Where("i.buyer_tax_number IN (?)", bun.In(f.BuyerTaxNumbers))
	}
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("count invoices: %w", err)
	}
	var ids []string
	if err := q.Column("i.id").OrderExpr("i.updated_at DESC, i.id DESC").
		Offset(int64(offset)).Limit(int64(limit)).Scan(ctx, &ids); err != nil {
		return nil, 0, fmt.Errorf("search invoices: %w", err)
	}
	out := make([]domain.InvoiceID, len(ids))
	for i, id := range ids {
		out[i] = domain.InvoiceID(id)
	}
	return out, int64(total), nil
}

var _ app.ERPStore = (*OpenQueries)(nil)

package store

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

// reportDetailRow are the reports columns of migration 0017: the purpose
// (事由) and, once paid, the payment (copied from payments so a report and
// the finance rows read it without a join).
type reportDetailRow struct {
	Purpose          string
	PaymentID        string
	PaidOn           string
	PaymentMethod    string
	PaymentReference string
}

func detailsToRow(d domain.ReportDetails) reportDetailRow {
	return reportDetailRow{
		Purpose: d.Purpose, PaymentID: string(d.Payment.ID), PaidOn: d.Payment.PaidOn,
		PaymentMethod: string(d.Payment.Method), PaymentReference: d.Payment.Reference,
	}
}

func (r reportDetailRow) toDetails(invoices []reportInvoiceRow) domain.ReportDetails {
	d := domain.ReportDetails{
		Purpose: r.Purpose,
		Payment: domain.ReportPayment{
			ID: domain.PaymentID(r.PaymentID), PaidOn: r.PaidOn,
			Method: domain.PaymentMethod(r.PaymentMethod), Reference: r.PaymentReference,
		},
		ExpenseTypes: map[domain.InvoiceID]string{},
	}
	for _, ri := range invoices {
		if ri.ExpenseType != "" {
			d.ExpenseTypes[domain.InvoiceID(ri.InvoiceID)] = ri.ExpenseType
		}
	}
	return d
}

// syncExpenseTypes writes changed expense types of a report whose
// invoices stayed the same; when they changed, syncInvoices wrote the
// rows afresh with their types.
func syncExpenseTypes(ctx context.Context, tx bun.IDB, r *domain.Report, before []domain.InvoiceID, beforeTypes map[domain.InvoiceID]string) error {
	if !r.Status().HoldsInvoices() || !slices.Equal(r.InvoiceIDs(), before) {
		return nil
	}
	now := r.Details().ExpenseTypes
	if maps.Equal(now, beforeTypes) {
		return nil
	}
	for _, id := range before {
		if now[id] == beforeTypes[id] {
			continue
		}
		if _, err := tx.NewUpdate().Model((*reportInvoiceRow)(nil)).Set("expense_type = ?", now[id]).
			Where("report_id = ?", string(r.ID())).Where("invoice_id = ?", string(id)).Exec(ctx); err != nil {
			return fmt.Errorf("set expense type of invoice %s in report %s: %w", id, r.ID(), err)
		}
	}
	return nil
}

package web

import (
	"context"

	"github.com/baoxiao/baoxiao/domain"
)

// ynExpense is issue 17's expense details on a Yuanian invoice held by a
// report: its expense type, the report's purpose (事由), status and
// payment. All null outside a report.
type ynExpense struct {
	ExpenseTypeCode  *string `json:"expenseTypeCode"`
	ExpenseTypeName  *string `json:"expenseTypeName"`
	Purpose          *string `json:"purpose"`
	ReportStatus     *string `json:"reportStatus"`
	PaidOn           *string `json:"paidOn"`
	PaymentReference *string `json:"paymentReference"`
}

func (h *yuanianHandler) addExpenses(ctx context.Context, invs []*domain.Invoice, out []ynInvoice) error {
	if h.pay == nil {
		return nil
	}
	ids := make([]domain.ReportID, len(invs))
	for i, inv := range invs {
		ids[i] = inv.ReportID()
	}
	reports, names, err := h.pay.ERPDetails(ctx, ids)
	if err != nil {
		return err
	}
	for i, inv := range invs {
		r, ok := reports[inv.ReportID()]
		if !ok {
			continue
		}
		code := r.ExpenseType(inv.ID())
		out[i].ynExpense = ynExpense{
			ExpenseTypeCode: ynOptional(code), ExpenseTypeName: ynOptional(names[code]),
			Purpose: ynOptional(r.Purpose()), ReportStatus: ynOptional(string(r.Status())),
			PaidOn: ynOptional(r.Payment().PaidOn), PaymentReference: ynOptional(r.Payment().Reference),
		}
	}
	return nil
}

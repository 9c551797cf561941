package app

import (
	"context"

	"github.com/baoxiao/baoxiao/domain"
)

// ExpenseTypeReader lists the company's expense types (app/payment keeps
// them).
type ExpenseTypeReader interface {
	ExpenseTypes(ctx context.Context) ([]domain.ExpenseType, error)
}

// UseExpenseTypes lets edits name expense types (issue 17); without it an
// edit that names one is refused.
func (s *Reports) UseExpenseTypes(t ExpenseTypeReader) { s.expenseTypes = t }

// ReportEdit is a PATCH of a report; nil parts are left alone.
type ReportEdit struct {
	Title        *string
	InvoiceIDs   []domain.InvoiceID
	Purpose      *string
	ExpenseTypes map[domain.InvoiceID]string // invoice → code; "" clears
}

// activeExpenseCodes is a test of codes against the active expense types,
// read once per edit.
func (s *Reports) activeExpenseCodes(ctx context.Context, e ReportEdit) (func(string) bool, error) {
	active := map[string]bool{}
	if len(e.ExpenseTypes) > 0 && s.expenseTypes != nil {
		types, err := s.expenseTypes.ExpenseTypes(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range types {
			active[t.Code] = t.Active
		}
	}
	return func(code string) bool { return active[code] }, nil
}

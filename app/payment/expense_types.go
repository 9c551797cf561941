package payment

import (
	"context"
	"errors"
	"slices"

	"github.com/baoxiao/baoxiao/domain"
)

// ExpenseTypes lists the active expense types, for everyone signed in.
func (s *Service) ExpenseTypes(ctx context.Context, by domain.EmployeeID) ([]domain.ExpenseType, error) {
	if _, err := s.actor(ctx, by); err != nil {
		return nil, err
	}
	all, err := s.d.Types.ExpenseTypes(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(t domain.ExpenseType) bool { return !t.Active }), nil
}

// AllExpenseTypes lists every expense type, active or not (admins).
func (s *Service) AllExpenseTypes(ctx context.Context, by domain.EmployeeID) ([]domain.ExpenseType, error) {
	if err := s.require(ctx, by, domain.RoleAdmin); err != nil {
		return nil, err
	}
	return s.d.Types.ExpenseTypes(ctx)
}

// ReplaceExpenseTypes stores an admin's whole list. Codes left out are
// deactivated, not deleted: reports and exports still name them.
func (s *Service) ReplaceExpenseTypes(ctx context.Context, by domain.EmployeeID, list []domain.ExpenseType) ([]domain.ExpenseType, error) {
	if err := s.require(ctx, by, domain.RoleAdmin); err != nil {
		return nil, err
	}
	list, err := domain.CheckExpenseTypes(list)
	if err != nil {
		return nil, err
	}
	if err := s.d.Types.ReplaceExpenseTypes(ctx, list); err != nil {
		return nil, err
	}
	return s.d.Types.ExpenseTypes(ctx)
}

// ERPDetails is what the open API's views add to invoices held by
// reports: each report (its purpose, status and payment) and the expense
// type names. The ERP's signature is its authority; no employee acts.
func (s *Service) ERPDetails(ctx context.Context, ids []domain.ReportID) (map[domain.ReportID]*domain.Report, map[string]string, error) {
	reports := map[domain.ReportID]*domain.Report{}
	for _, id := range ids {
		if _, ok := reports[id]; ok || id == "" {
			continue
		}
		r, err := s.d.Reports.Get(ctx, id)
		if errors.Is(err, domain.ErrNotFound) {
			continue // released meanwhile: shown as in no report
		}
		if err != nil {
			return nil, nil, err
		}
		reports[id] = r
	}
	types, err := s.d.Types.ExpenseTypes(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(types))
	for _, t := range types {
		names[t.Code] = t.Name
	}
	return reports, names, nil
}

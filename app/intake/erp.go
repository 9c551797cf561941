package intake

import (
	"context"
	"errors"

	"github.com/baoxiao/baoxiao/domain"
)

// Employees finds the employee an ERP files invoices for.
type Employees interface {
	Get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error)
}

// ImportForERP files an ERP's files for one of our employees (DECISIONS
// 40: POST /open/v1/invoices/upload, source erp). The employee must exist
// and be active: an ERP cannot file invoices for a stranger.
func (s *Service) ImportForERP(ctx context.Context, employees Employees, owner domain.EmployeeID, files []File) ([]FileResult, error) {
	if owner == "" {
		return nil, domain.Invalid("employee_id", "required")
	}
	e, err := employees.Get(ctx, owner)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.Invalid("employee_id", "no such employee")
	}
	if err != nil {
		return nil, err
	}
	if !e.Active() {
		return nil, domain.Invalid("employee_id", "the employee is deactivated")
	}
	return s.Import(ctx, owner, domain.SourceERP, files)
}

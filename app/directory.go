package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/baoxiao/baoxiao/domain"
)

// EmployeeStore is the employee repository the directory writes to.
type EmployeeStore interface {
	EmployeeDirectory
	Add(ctx context.Context, e *domain.Employee) error
}

// Directory keeps the list of employees: who may sign in, their roles,
// approver and WeChat identities. Sandbox demo users come in through it
// too, so the demo exercises the same path as a real company.
type Directory struct {
	employees EmployeeStore
	clock     Clock
}

// NewDirectory returns the employee directory.
func NewDirectory(employees EmployeeStore, clock Clock) *Directory {
	return &Directory{employees: employees, clock: clock}
}

// Ensure adds the employee, or brings an existing one's name, department,
// roles, manager and identities in line with d. It keeps the active flag.
func (d *Directory) Ensure(ctx context.Context, data domain.EmployeeData) (*domain.Employee, error) {
	e, err := domain.NewEmployee(data, d.clock.Now())
	if err != nil {
		return nil, err
	}
	_, err = d.employees.Get(ctx, data.ID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		if err := d.employees.Add(ctx, e); err != nil {
			return nil, fmt.Errorf("add employee %s: %w", data.ID, err)
		}
		return e, nil
	case err != nil:
		return nil, err
	}
	return d.employees.Update(ctx, data.ID, func(cur *domain.Employee) error {
		want := e.Data()
		want.Active, want.Version, want.CreatedAt = cur.Active(), cur.Version(), cur.CreatedAt()
		want.UpdatedAt = d.clock.Now()
		*cur = *domain.RestoreEmployee(want)
		return nil
	})
}

package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
)

var _ app.EmployeeStore = (*Employees)(nil)

// InEmployeeTx runs fn with employees bound to one transaction, for the
// directory's batch changes (CSV imports). Each Add and Update inside is a
// savepoint, so one refused row does not spoil the transaction.
func (s *Employees) InEmployeeTx(ctx context.Context, fn func(ctx context.Context, employees app.EmployeeStore) error) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, &Employees{db: tx})
	})
}

package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
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

// SearchActive answers at most limit active employees whose name, id or
// department contains q, the one whose id is q first, then by id. LIKE
// with '!' escaping %, _ and ! itself, on both databases. Names and
// departments match without regard to case (SQLite's LIKE folds ASCII,
// MariaDB's follows the columns' _ci collation); ids are lower case by
// shape and binary on MariaDB, so q is lowered for them.
func (s *Employees) SearchActive(ctx context.Context, q string, limit int) ([]app.Person, error) {
	id := strings.ToLower(q)
	var rows []employeeRow
	sel := s.db.NewSelect().Model(&rows).Column("id", "name", "department").Where("active = ?", true)
	if q != "" {
		sel = sel.WhereGroup(" AND ", func(w *bun.SelectQuery) *bun.SelectQuery {
			p := "%" + likeEscape(q) + "%"
			return w.Where("name LIKE ? ESCAPE '!'", p).WhereOr("department LIKE ? ESCAPE '!'", p).
				WhereOr("id LIKE ? ESCAPE '!'", "%"+likeEscape(id)+"%")
		})
	}
	if err := sel.OrderExpr("CASE WHEN id = ? THEN 0 ELSE 1 END, id", id).Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("search employees: %w", err)
	}
	out := make([]app.Person, len(rows))
	for i, r := range rows {
		out[i] = app.Person{ID: domain.EmployeeID(r.ID), Name: r.Name, Department: r.Department}
	}
	return out, nil
}

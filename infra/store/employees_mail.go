package store

import (
	"context"
	"fmt"

	"github.com/baoxiao/baoxiao/domain"
)

// ByIntakeToken finds the employee whose mailbox address carries token
// (DECISIONS 48); not_found when none does.
func (s *Employees) ByIntakeToken(ctx context.Context, token string) (*domain.Employee, error) {
	var id string
	err := s.db.NewSelect().Table("employees").Column("id").Where("intake_token = ?", token).Scan(ctx, &id)
	if err != nil {
		return nil, notFound(err, "employee by intake token")
	}
	return s.Get(ctx, domain.EmployeeID(id))
}

// ActiveByEmail lists the active employees whose email is addr (stored and
// compared in lower case), at most two: the mailbox needs to know only
// whether exactly one matches.
func (s *Employees) ActiveByEmail(ctx context.Context, addr string) ([]*domain.Employee, error) {
	var ids []string
	err := s.db.NewSelect().Table("employees").Column("id").
		Where("email = ?", addr).Where("email <> ''").Where("active = ?", true).
		OrderExpr("id").Limit(2).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("employees by email: %w", err)
	}
	out := make([]*domain.Employee, 0, len(ids))
	for _, id := range ids {
		e, err := s.Get(ctx, domain.EmployeeID(id))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// FillIntakeTokens gives every employee without a mailbox tag one drawn by
// draw, and returns how many it gave. Rows from before migration 0014 have
// none; instances starting together may both run it: each UPDATE applies
// only while the token is still NULL, and the version moves so an edit in
// flight is refused rather than lost.
func (s *Employees) FillIntakeTokens(ctx context.Context, draw func() string) (int, error) {
	var ids []string
	if err := s.db.NewSelect().Table("employees").Column("id").Where("intake_token IS NULL").OrderExpr("id").Scan(ctx, &ids); err != nil {
		return 0, fmt.Errorf("employees without intake token: %w", err)
	}
	n := 0
	for _, id := range ids {
		res, err := s.db.NewUpdate().Table("employees").
			Set("intake_token = ?", draw()).Set("version = version + 1").
			Where("id = ?", id).Where("intake_token IS NULL").Exec(ctx)
		if err != nil {
			return n, fmt.Errorf("give %s an intake token: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
		}
	}
	return n, nil
}

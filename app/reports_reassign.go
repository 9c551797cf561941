package app

import (
	"context"
	"errors"

	"github.com/baoxiao/baoxiao/domain"
)

// Reassign gives a submitted report to another approver (admins only,
// DECISIONS 5); the history records who moved it from whom to whom. The
// target must be active, not the owner, and hold the approver role
// (DECISIONS 44; there are no role steps yet): approve checks only that
// the caller is the report's approver, so a reassign to a plain employee
// would make them one. An admin is no exception: one who means to approve
// grants themselves the role first, which the directory records. The
// approver is otherwise fixed when the report is created: a later change
// of the owner's manager does not move open reports.
func (s *Reports) Reassign(ctx context.Context, by domain.EmployeeID, id domain.ReportID, approver domain.EmployeeID) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	if !actor.HasRole(domain.RoleAdmin) {
		return nil, domain.ErrForbidden.WithMessage("only an administrator may reassign an approver")
	}
	to, err := s.employees.Get(ctx, approver)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !to.Active() {
		return nil, domain.Invalid("approver_id", "must be an active employee")
	}
	if err != nil {
		return nil, err
	}
	if !to.HasRole(domain.RoleApprover) {
		return nil, domain.Invalid("approver_id", "must hold the approver role")
	}
	r, err := s.reports.Update(ctx, id, func(r *domain.Report) error {
		return r.Reassign(domain.ActorOf(actor), approver, s.clock.Now())
	})
	if err != nil {
		return nil, err
	}
	return s.details(ctx, r)
}

package app

import (
	"context"
	"errors"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// Reassign gives a step of a submitted report (0: the current one) to
// another approver, in place of those who have not decided (admins only,
// DECISIONS 5, 44); the history records who moved it from whom to whom.
// The target must be active, not the owner, and hold the step's role on
// a role step, otherwise the approver role: approve checks only that the
// caller is a pending approver of the step, so a reassign to a plain
// employee would make them one. An admin is no exception: one who means to
// approve grants themselves the role first, which the directory records.
func (s *Reports) Reassign(ctx context.Context, by domain.EmployeeID, id domain.ReportID, approver domain.EmployeeID, step int) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	if !actor.HasRole(domain.RoleAdmin) {
		return nil, domain.ErrForbidden.WithMessage("only an administrator may reassign an approver")
	}
	to, err := s.target(ctx, approver)
	if err != nil {
		return nil, err
	}
	r, err := s.updateNotified(ctx, id, func(r *domain.Report, now time.Time) error {
		return r.Reassign(domain.ActorOf(actor), step, to, now)
	})
	if err != nil {
		return nil, err
	}
	return s.details(ctx, r)
}

// Transfer hands the caller's place in a step (0: the current one) to
// another approver (转交, DECISIONS 44), with a history entry.
func (s *Reports) Transfer(ctx context.Context, by domain.EmployeeID, id domain.ReportID, approver domain.EmployeeID, step int, comment string) (*ReportDetails, error) {
	actor, err := s.actor(ctx, by)
	if err != nil {
		return nil, err
	}
	to, err := s.target(ctx, approver)
	if err != nil {
		return nil, err
	}
	r, err := s.updateNotified(ctx, id, func(r *domain.Report, now time.Time) error {
		if err := checkVisible(actor, r); err != nil {
			return err
		}
		return r.Transfer(domain.ActorOf(actor), step, to, comment, now)
	})
	if err != nil {
		return nil, err
	}
	return s.details(ctx, r)
}

func (s *Reports) target(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	to, err := s.employees.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !to.Active() {
		return nil, domain.Invalid("approver_id", "must be an active employee")
	}
	return to, err
}

// BatchFailure is one report a batch approval could not approve.
type BatchFailure struct {
	ID  domain.ReportID
	Err error
}

// MaxBatch bounds a batch approval: each approval may ask WeChat.
const MaxBatch = 50

// ApproveMany approves each report as Approve would, one by one: a report
// that cannot be approved is listed with its error and does not stop the
// others.
func (s *Reports) ApproveMany(ctx context.Context, by domain.EmployeeID, ids []domain.ReportID, comment string) ([]*ReportDetails, []BatchFailure, error) {
	if _, err := s.actor(ctx, by); err != nil {
		return nil, nil, err
	}
	var done []*ReportDetails
	var failed []BatchFailure
	for _, id := range ids {
		d, err := s.Approve(ctx, by, id, comment)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) {
				return nil, nil, err // a fault of ours, not the report's
			}
			failed = append(failed, BatchFailure{ID: id, Err: de})
			continue
		}
		done = append(done, d)
	}
	return done, failed, nil
}

// updateNotified applies fn to the report and queues the notices about
// the change, in one transaction.
func (s *Reports) updateNotified(ctx context.Context, id domain.ReportID, fn func(*domain.Report, time.Time) error) (*domain.Report, error) {
	var out *domain.Report
	err := s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		var err error
		out, err = tx.Reports.Update(ctx, id, func(r *domain.Report) error {
			now := s.clock.Now()
			before := BeforeOf(r)
			if err := fn(r, now); err != nil {
				return err
			}
			return notify(ctx, s.notifier, tx, before, r, now)
		})
		return err
	})
	if err == nil && s.queued != nil {
		s.queued()
	}
	return out, err
}

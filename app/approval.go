package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/baoxiao/baoxiao/domain"
)

// PolicyStore keeps the company's approval policy document.
type PolicyStore interface {
	// Policy answers the stored policy; found is false before the first save.
	Policy(ctx context.Context) (p domain.Policy, found bool, err error)
	// SavePolicy stores p if the stored version is still version (0: none
	// stored yet), answering it with the next version.
	SavePolicy(ctx context.Context, p domain.Policy, version int64) (domain.Policy, error)
}

// ApproverDirectory finds the people a policy step names.
type ApproverDirectory interface {
	Get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error)
	// WithRole lists the active employees holding role.
	WithRole(ctx context.Context, role domain.Role) ([]*domain.Employee, error)
	// InDepartment lists the active employees of a department.
	InDepartment(ctx context.Context, department string) ([]*domain.Employee, error)
}

// Approvals holds the approval policy and resolves it into a report's
// plan at submit (DECISIONS 32, 43, 45).
type Approvals struct {
	policies PolicyStore
	people   ApproverDirectory
	fallback string
	clock    Clock
}

// NewApprovals returns the policy service. fallback is the config's
// approval.fallback: "role:<role>" and/or employee ids, comma-separated;
// empty means none.
func NewApprovals(policies PolicyStore, people ApproverDirectory, fallback string, clock Clock) *Approvals {
	return &Approvals{policies: policies, people: people, fallback: fallback, clock: clock}
}

// Current answers the policy in force: the stored one, else the default.
func (a *Approvals) Current(ctx context.Context) (domain.Policy, error) {
	p, found, err := a.policies.Policy(ctx)
	if err != nil {
		return domain.Policy{}, err
	}
	if !found {
		return domain.DefaultPolicy(), nil
	}
	return p, nil
}

// Policy shows the policy to an administrator.
func (a *Approvals) Policy(ctx context.Context, by domain.EmployeeID) (domain.Policy, error) {
	if err := a.mustBeAdmin(ctx, by); err != nil {
		return domain.Policy{}, err
	}
	return a.Current(ctx)
}

// SavePolicy replaces the policy if the administrator saw its current
// version. Open reports keep the plan they were submitted with.
func (a *Approvals) SavePolicy(ctx context.Context, by domain.EmployeeID, p domain.Policy, version int64) (domain.Policy, error) {
	if err := a.mustBeAdmin(ctx, by); err != nil {
		return domain.Policy{}, err
	}
	if err := p.Validate(); err != nil {
		return domain.Policy{}, err
	}
	p.UpdatedAt, p.UpdatedBy = a.clock.Now(), by
	return a.policies.SavePolicy(ctx, p, version)
}

// Seed stores p unless a policy is stored already (the sandbox's demo
// chain).
func (a *Approvals) Seed(ctx context.Context, p domain.Policy) error {
	if _, found, err := a.policies.Policy(ctx); err != nil || found {
		return err
	}
	p.UpdatedAt = a.clock.Now()
	_, err := a.policies.SavePolicy(ctx, p, 0)
	if errors.Is(err, domain.ErrVersionConflict) {
		return nil // another instance seeded it first
	}
	return err
}

func (a *Approvals) mustBeAdmin(ctx context.Context, by domain.EmployeeID) error {
	e, err := a.people.Get(ctx, by)
	if err != nil {
		return err
	}
	if !e.HasRole(domain.RoleAdmin) {
		return domain.ErrForbidden.WithMessage("only administrators manage the approval policy")
	}
	return nil
}

// Resolve turns the policy in force into the plan for owner's report of
// that total.
func (a *Approvals) Resolve(ctx context.Context, owner *domain.Employee, total domain.Money) (domain.Plan, error) {
	p, err := a.Current(ctx)
	if err != nil {
		return domain.Plan{}, err
	}
	var steps []domain.Candidates
	for _, st := range p.Steps {
		if !st.Applies(owner, total) {
			continue
		}
		people, err := a.candidates(ctx, owner, st)
		if err != nil {
			return domain.Plan{}, fmt.Errorf("resolve step %q: %w", st.Name, err)
		}
		steps = append(steps, domain.Candidates{Step: st, People: people})
	}
	fallback, err := a.fallbackPeople(ctx)
	if err != nil {
		return domain.Plan{}, err
	}
	return domain.BuildPlan(owner, steps, fallback, p.AutoApproveRepeated)
}

func (a *Approvals) candidates(ctx context.Context, owner *domain.Employee, st domain.PolicyStep) ([]*domain.Employee, error) {
	switch st.Kind {
	case domain.ApproversManager:
		e := owner
		for range st.Level {
			if e.ManagerID() == "" {
				return nil, nil
			}
			m, err := a.get(ctx, e.ManagerID())
			if m == nil || err != nil {
				return nil, err
			}
			e = m
		}
		return []*domain.Employee{e}, nil
	case domain.ApproversDeptHead:
		// The directory has no head field: the head is an approver of the
		// department whose own manager is outside it.
		people, err := a.people.InDepartment(ctx, owner.Department())
		if err != nil {
			return nil, err
		}
		var heads []*domain.Employee
		for _, e := range people {
			if !e.HasRole(domain.RoleApprover) || e.ManagerID() != "" && containsID(people, e.ManagerID()) {
				continue
			}
			heads = append(heads, e)
		}
		return heads, nil
	case domain.ApproversRole:
		return a.people.WithRole(ctx, st.Role)
	default:
		var out []*domain.Employee
		for _, id := range st.Users {
			e, err := a.get(ctx, id)
			if err != nil {
				return nil, err
			}
			if e != nil {
				out = append(out, e)
			}
		}
		return out, nil
	}
}

func containsID(people []*domain.Employee, id domain.EmployeeID) bool {
	for _, e := range people {
		if e.ID() == id {
			return true
		}
	}
	return false
}

// get answers nil for someone no longer in the directory.
func (a *Approvals) get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	e, err := a.people.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	return e, err
}

func (a *Approvals) fallbackPeople(ctx context.Context) ([]*domain.Employee, error) {
	var out []*domain.Employee
	for part := range strings.SplitSeq(a.fallback, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case strings.HasPrefix(part, "role:"):
			people, err := a.people.WithRole(ctx, domain.Role(strings.TrimPrefix(part, "role:")))
			if err != nil {
				return nil, err
			}
			out = append(out, people...)
		default:
			e, err := a.get(ctx, domain.EmployeeID(part))
			if err != nil {
				return nil, err
			}
			if e != nil {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

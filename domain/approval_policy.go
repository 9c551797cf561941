package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// ApproverKind says how a policy step finds its approvers.
type ApproverKind string

// The approver kinds of a policy step.
const (
	// ApproversManager is the owner's manager at Level (1 = direct manager).
	ApproversManager ApproverKind = "manager"
	// ApproversDeptHead is the head of the owner's department: an active
	// approver of that department whose own manager is outside it.
	ApproversDeptHead ApproverKind = "dept_head"
	// ApproversRole is every active holder of Role.
	ApproversRole ApproverKind = "role"
	// ApproversUsers is a fixed list of employees.
	ApproversUsers ApproverKind = "users"
)

// StepMode is how many of a step's approvers must approve.
type StepMode string

// The step modes: any one (或签) or all (会签).
const (
	ModeAny StepMode = "any"
	ModeAll StepMode = "all"
)

// IfEmpty is what a step that resolves to nobody does.
type IfEmpty string

// The choices for a step that resolves to nobody.
const (
	EmptySkip   IfEmpty = "skip"
	EmptyRefuse IfEmpty = "refuse"
)

// PolicyStep is one step of the approval policy.
type PolicyStep struct {
	Name  string
	Kind  ApproverKind
	Level int          // manager: 1 = direct manager
	Role  Role         // role
	Users []EmployeeID // users
	Mode  StepMode
	// AmountAbove, when set, makes the step apply only to reports whose
	// total is strictly above it.
	AmountAbove *Money
	// Departments, when set, makes the step apply only to owners of one
	// of these departments.
	Departments []string
	IfEmpty     IfEmpty
}

// Policy is the company's approval policy (审批流程), resolved into a plan
// at each submit (DECISIONS 32).
type Policy struct {
	Version int64
	Steps   []PolicyStep
	// AutoApproveRepeated approves a step for an approver who already
	// approved an earlier step of the same chain.
	AutoApproveRepeated bool
	UpdatedAt           time.Time
	UpdatedBy           EmployeeID
}

// DefaultPolicy is the policy until an administrator saves one: the
// owner's manager, then finance review (the old single-approver rule is
// its first step, DECISIONS 33).
func DefaultPolicy() Policy {
	return Policy{
		AutoApproveRepeated: true,
		Steps: []PolicyStep{
			{Name: "主管审批", Kind: ApproversManager, Level: 1, Mode: ModeAny, IfEmpty: EmptySkip},
			{Name: "财务复核", Kind: ApproversRole, Role: RoleFinance, Mode: ModeAny, IfEmpty: EmptySkip},
		},
	}
}

const maxPolicySteps = 20

// Validate checks a policy an administrator wrote; the field names are the
// API's.
func (p Policy) Validate() error {
	if len(p.Steps) == 0 {
		return Invalid("steps", "at least one step")
	}
	if len(p.Steps) > maxPolicySteps {
		return Invalid("steps", "at most 20 steps")
	}
	for i, s := range p.Steps {
		f := "steps[" + strconv.Itoa(i) + "]."
		if strings.TrimSpace(s.Name) == "" || len([]rune(s.Name)) > 50 {
			return Invalid(f+"name", "required, at most 50 characters")
		}
		switch s.Kind {
		case ApproversManager:
			if s.Level < 1 || s.Level > 10 {
				return Invalid(f+"level", "must be 1..10")
			}
		case ApproversDeptHead:
		case ApproversRole:
			if _, err := ParseRole(string(s.Role)); err != nil || s.Role == RoleEmployee {
				return Invalid(f+"role", "must be approver, finance, cashier or admin")
			}
		case ApproversUsers:
			if len(s.Users) == 0 || len(s.Users) > 50 {
				return Invalid(f+"users", "one to 50 employee ids")
			}
			for _, u := range s.Users {
				if _, err := ParseEmployeeID(string(u)); err != nil {
					return Invalid(f+"users", "not an employee id: "+string(u))
				}
			}
		default:
			return Invalid(f+"approvers", `must be "manager", "dept_head", "role" or "users"`)
		}
		if s.Mode != ModeAny && s.Mode != ModeAll {
			return Invalid(f+"mode", `must be "any" or "all"`)
		}
		if s.IfEmpty != EmptySkip && s.IfEmpty != EmptyRefuse {
			return Invalid(f+"if_empty", `must be "skip" or "refuse"`)
		}
		if s.AmountAbove != nil && s.AmountAbove.Cents() < 0 {
			return Invalid(f+"amount_above", "must not be negative")
		}
	}
	return nil
}

// Applies reports whether the step's condition holds for the owner's
// report of that total.
func (s PolicyStep) Applies(owner *Employee, total Money) bool {
	if s.AmountAbove != nil && total.Cents() <= s.AmountAbove.Cents() {
		return false
	}
	if len(s.Departments) > 0 && !slices.Contains(s.Departments, owner.Department()) {
		return false
	}
	return true
}

// Configure names what an administrator must set up for the step to find
// someone, for report.no_approver's details.
func (s PolicyStep) Configure() string {
	switch s.Kind {
	case ApproversManager:
		return "the owner's manager (level " + strconv.Itoa(s.Level) + ") in the directory"
	case ApproversDeptHead:
		return "an approver heading the owner's department in the directory"
	case ApproversRole:
		return "an active employee with the " + string(s.Role) + " role"
	default:
		return "active employees in the step's list"
	}
}

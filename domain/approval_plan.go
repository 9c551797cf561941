package domain

import (
	"slices"
	"strconv"
	"time"
)

// Decision is one approver's answer in a plan step.
type Decision string

// The decisions (DECISIONS 43).
const (
	DecisionPending  Decision = "pending"
	DecisionApproved Decision = "approved"
	DecisionRejected Decision = "rejected"
	DecisionSkipped  Decision = "skipped"
)

// StepState is where a plan step is.
type StepState string

// The step states (DECISIONS 43).
const (
	StepWaiting  StepState = "waiting"
	StepCurrent  StepState = "current"
	StepApproved StepState = "approved"
	StepSkipped  StepState = "skipped"
	StepRejected StepState = "rejected"
)

// PlanApprover is one person of a plan step and what they did.
type PlanApprover struct {
	ID        EmployeeID
	Name      string
	Decision  Decision
	DecidedAt time.Time
	Reason    string
}

// PlanStep is one step of a report's approval plan.
type PlanStep struct {
	Step      int // 1-based
	Name      string
	Mode      StepMode
	Role      Role // a role step's role: reassign and transfer keep to it (DECISIONS 44)
	Approvers []PlanApprover
	State     StepState
}

// Plan is a report's approval chain, resolved from the policy at submit
// and stored with the report: later policy or directory edits do not
// move it (DECISIONS 32).
type Plan struct {
	Steps []PlanStep
	// AutoApproveRepeated is the policy's switch as it was at submit.
	AutoApproveRepeated bool
}

// Candidates are the people a policy step found, before the submitter is
// removed; app resolves them from the directory.
type Candidates struct {
	Step   PolicyStep
	People []*Employee
}

// Reasons recorded on approvers the chain decided for.
const (
	ReasonNoApprover = "nobody to approve this step"
)

// BuildPlan turns the applicable policy steps into a plan for owner
// (DECISIONS 43, 45): the submitter and inactive people are removed from
// every step; a step left empty is skipped or refuses as the policy says;
// a chain left with nobody falls back to fallback, and with nobody there
// either the submit is refused with report.no_approver.
func BuildPlan(owner *Employee, steps []Candidates, fallback []*Employee, autoApprove bool) (Plan, error) {
	plan := Plan{AutoApproveRepeated: autoApprove}
	anyone := false
	for _, c := range steps {
		ps := PlanStep{Step: len(plan.Steps) + 1, Name: c.Step.Name, Mode: c.Step.Mode, State: StepWaiting}
		if c.Step.Kind == ApproversRole {
			ps.Role = c.Step.Role
		}
		ps.Approvers = approversOf(owner, c.People)
		if len(ps.Approvers) == 0 {
			if c.Step.IfEmpty == EmptyRefuse {
				return Plan{}, ErrNoApprover.With(map[string]any{"step": c.Step.Name, "configure": c.Step.Configure()})
			}
			ps.State = StepSkipped
		} else {
			anyone = true
		}
		plan.Steps = append(plan.Steps, ps)
	}
	if !anyone {
		fb := approversOf(owner, fallback)
		if len(fb) == 0 {
			step := "the whole chain"
			if len(steps) > 0 {
				step = steps[len(steps)-1].Step.Name
			}
			return Plan{}, ErrNoApprover.With(map[string]any{"step": step, "configure": "approval.fallback, or an approver for a step of the approval policy"})
		}
		plan.Steps = append(plan.Steps, PlanStep{Step: len(plan.Steps) + 1, Name: "兜底审批", Mode: ModeAny, Approvers: fb, State: StepWaiting})
	}
	return plan, nil
}

func approversOf(owner *Employee, people []*Employee) []PlanApprover {
	var out []PlanApprover
	for _, e := range people {
		// Nobody approves their own report (DECISIONS 5, 45).
		if e == nil || !e.Active() || e.ID() == owner.ID() || slices.ContainsFunc(out, func(a PlanApprover) bool { return a.ID == e.ID() }) {
			continue
		}
		out = append(out, PlanApprover{ID: e.ID(), Name: e.Name(), Decision: DecisionPending})
	}
	return out
}

// Clone copies the plan deeply.
func (p Plan) Clone() Plan {
	out := Plan{AutoApproveRepeated: p.AutoApproveRepeated, Steps: slices.Clone(p.Steps)}
	for i := range out.Steps {
		out.Steps[i].Approvers = slices.Clone(out.Steps[i].Approvers)
	}
	return out
}

// Current is the index of the current step, or -1.
func (p Plan) Current() int {
	return slices.IndexFunc(p.Steps, func(s PlanStep) bool { return s.State == StepCurrent })
}

// CurrentStep is the current step's number (1-based), 0 when none.
func (p Plan) CurrentStep() int {
	if i := p.Current(); i >= 0 {
		return p.Steps[i].Step
	}
	return 0
}

// Pending lists the current step's approvers who still have to decide.
func (p Plan) Pending() []EmployeeID {
	i := p.Current()
	if i < 0 {
		return nil
	}
	var out []EmployeeID
	for _, a := range p.Steps[i].Approvers {
		if a.Decision == DecisionPending {
			out = append(out, a.ID)
		}
	}
	return out
}

// Includes reports whether id is an approver of any step.
func (p Plan) Includes(id EmployeeID) bool {
	for _, s := range p.Steps {
		for _, a := range s.Approvers {
			if a.ID == id {
				return true
			}
		}
	}
	return false
}

// LastApprover is who approved last, for the approved report's approver
// in exports.
func (p Plan) LastApprover() EmployeeID {
	var id EmployeeID
	var at time.Time
	for _, s := range p.Steps {
		for _, a := range s.Approvers {
			if a.Decision == DecisionApproved && !a.DecidedAt.Before(at) {
				id, at = a.ID, a.DecidedAt
			}
		}
	}
	return id
}

// Preview is the plan as a not-submitted report shows it: every step
// waiting (DECISIONS 43).
func (p Plan) Preview() Plan {
	out := p.Clone()
	for i := range out.Steps {
		if out.Steps[i].State != StepSkipped {
			out.Steps[i].State = StepWaiting
		}
	}
	return out
}

// autoApproved is an auto-approval made while advancing, for history.
type autoApproved struct {
	who  EmployeeID
	step int
	note string
}

// advance makes the first waiting step current, auto-approving approvers
// who approved an earlier step when the switch is on. It answers whether
// the chain is complete.
func (p *Plan) advance(now time.Time) (done bool, autos []autoApproved) {
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.State == StepApproved || s.State == StepSkipped {
			continue
		}
		if s.State == StepRejected {
			return false, autos
		}
		s.State = StepCurrent
		if p.AutoApproveRepeated {
			for j := range s.Approvers {
				a := &s.Approvers[j]
				if a.Decision != DecisionPending {
					continue
				}
				if earlier := p.approvedBefore(a.ID, i); earlier > 0 {
					a.Decision, a.DecidedAt = DecisionApproved, now
					a.Reason = "auto-approved: already approved step " + strconv.Itoa(earlier)
					autos = append(autos, autoApproved{who: a.ID, step: s.Step, note: a.Reason})
				}
			}
		}
		if !s.complete() {
			return false, autos
		}
		s.close()
	}
	return true, autos
}

func (p Plan) approvedBefore(id EmployeeID, before int) int {
	for _, s := range p.Steps[:before] {
		for _, a := range s.Approvers {
			if a.ID == id && a.Decision == DecisionApproved {
				return s.Step
			}
		}
	}
	return 0
}

// complete reports whether the step has the approvals its mode needs.
func (s *PlanStep) complete() bool {
	n := 0
	for _, a := range s.Approvers {
		if a.Decision == DecisionApproved {
			n++
		}
	}
	if s.Mode == ModeAll {
		return n == len(s.Approvers)
	}
	return n > 0
}

// close marks an approved step; approvers of an `any` step who did not
// decide are skipped.
func (s *PlanStep) close() {
	s.State = StepApproved
	for j := range s.Approvers {
		if s.Approvers[j].Decision == DecisionPending {
			s.Approvers[j].Decision = DecisionSkipped
			s.Approvers[j].Reason = "another approver decided the step"
		}
	}
}

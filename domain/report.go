package domain

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReportStatus is where an expense report (报销单) is in its life.
type ReportStatus string

// The report statuses. Deleted reports are kept for the audit trail.
const (
	ReportDraft     ReportStatus = "draft"
	ReportSubmitted ReportStatus = "submitted"
	ReportApproved  ReportStatus = "approved"
	ReportRejected  ReportStatus = "rejected"
	ReportWithdrawn ReportStatus = "withdrawn"
	ReportDeleted   ReportStatus = "deleted"
	// ReportPaid: a cashier recorded its payment (issue 17).
	ReportPaid ReportStatus = "paid"
)

// Action is something done to a report; every one is recorded in history.
type Action string

// The actions.
const (
	ActionCreate   Action = "create"
	ActionEdit     Action = "edit"
	ActionSubmit   Action = "submit"
	ActionApprove  Action = "approve"
	ActionReject   Action = "reject"
	ActionWithdraw Action = "withdraw"
	ActionDelete   Action = "delete"
	ActionReassign Action = "reassign"
	// ActionTransfer is a step's approver handing it to another (转交).
	ActionTransfer Action = "transfer"
	// ActionRemove takes invoices the issuer cancelled out of a submitted
	// report (DECISIONS 49).
	ActionRemove Action = "remove"
	// ActionCancelled notes an invoice found cancelled (红冲) while the
	// report was decided: it was left as it is in WeChat.
	ActionCancelled Action = "cancelled"
	// ActionPay records a payment of an approved report (issue 17).
	ActionPay Action = "pay"
)

// reportMoves lists every legal status change; anything else is
// ErrInvalidTransition. Edit keeps the status: a rejected report stays
// rejected until it is submitted again (DECISIONS 6).
var reportMoves = map[ReportStatus]map[Action]ReportStatus{
	ReportDraft:     {ActionEdit: ReportDraft, ActionSubmit: ReportSubmitted, ActionDelete: ReportDeleted},
	ReportSubmitted: {ActionApprove: ReportApproved, ActionReject: ReportRejected, ActionWithdraw: ReportWithdrawn, ActionReassign: ReportSubmitted, ActionTransfer: ReportSubmitted, ActionRemove: ReportSubmitted},
	ReportRejected:  {ActionEdit: ReportRejected, ActionSubmit: ReportSubmitted, ActionDelete: ReportDeleted},
	ReportWithdrawn: {ActionEdit: ReportWithdrawn, ActionSubmit: ReportSubmitted, ActionDelete: ReportDeleted},
	// Approved is final: CLOSURE cannot be undone in WeChat. Paying it
	// never touches WeChat (DECISIONS 32).
	ReportApproved: {ActionPay: ReportPaid},
}

// Open reports whether the report still holds its invoices for review or
// editing; approved reports hold them for good, deleted ones release them.
func (s ReportStatus) Open() bool { return !s.Approved() && s != ReportDeleted }

// PlanStored reports whether the report went before its chain and the plan
// it carries is the stored one: under review or approved. The others show
// a preview (DECISIONS 43).
func (s ReportStatus) PlanStored() bool {
	return s == ReportSubmitted || s == ReportApproved || s == ReportPaid
}

// HoldsInvoices reports whether the report's invoices are unavailable to
// other reports.
func (s ReportStatus) HoldsInvoices() bool { return s != ReportDeleted }

// Actor is who does something: their id and roles.
type Actor struct {
	ID    EmployeeID
	Roles []Role
}

// ActorOf builds the actor for an employee.
func ActorOf(e *Employee) Actor { return Actor{ID: e.ID(), Roles: e.Roles()} }

func (a Actor) has(r Role) bool { return slices.Contains(a.Roles, r) }

// HistoryEntry is one line of a report's audit trail.
type HistoryEntry struct {
	At      time.Time
	Actor   EmployeeID
	Action  Action
	From    ReportStatus
	To      ReportStatus
	Comment string
}

// Report is an expense report (报销单): an employee's invoices put before
// their approver.
type Report struct {
	id          ReportID
	number      string
	title       string
	status      ReportStatus
	employeeID  EmployeeID
	plan        Plan
	invoiceIDs  []InvoiceID
	total       Money
	version     int64
	createdAt   time.Time
	updatedAt   time.Time
	submittedAt time.Time
	decidedAt   time.Time
	history     []HistoryEntry
	saved       int // history entries already stored
	details     ReportDetails
}

// ReportData is the full state, for repositories.
type ReportData struct {
	ID          ReportID
	Number      string
	Title       string
	Status      ReportStatus
	EmployeeID  EmployeeID
	Plan        Plan // stored from submit on; empty before
	InvoiceIDs  []InvoiceID
	Total       Money
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt time.Time
	DecidedAt   time.Time
	History     []HistoryEntry
	Details     ReportDetails
}

const maxTitleLen = 200

func cleanTitle(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalid("title", "required")
	}
	if utf8.RuneCountInString(s) > maxTitleLen {
		return "", Invalid("title", "at most 200 characters")
	}
	return s, nil
}

// NewReport starts a draft for owner. Anyone may claim: who approves is
// resolved at submit (DECISIONS 33). The invoices must belong to the owner
// and be free.
func NewReport(id ReportID, number, title string, owner *Employee, invoices []*Invoice, now time.Time) (*Report, error) {
	title, err := cleanTitle(title)
	if err != nil {
		return nil, err
	}
	r := &Report{
		id: id, number: number, title: title, status: ReportDraft,
		employeeID: owner.ID(), createdAt: now, updatedAt: now,
	}
	if err := r.setInvoices(invoices); err != nil {
		return nil, err
	}
	r.record(ActorOf(owner).ID, ActionCreate, ReportDraft, ReportDraft, "", now)
	return r, nil
}

// RestoreReport rebuilds a report from storage without validation.
func RestoreReport(d ReportData) *Report {
	return &Report{
		id: d.ID, number: d.Number, title: d.Title, status: d.Status,
		employeeID: d.EmployeeID, plan: d.Plan.Clone(),
		invoiceIDs: slices.Clone(d.InvoiceIDs), total: d.Total, version: d.Version,
		createdAt: d.CreatedAt, updatedAt: d.UpdatedAt, submittedAt: d.SubmittedAt,
		decidedAt: d.DecidedAt, history: slices.Clone(d.History), saved: len(d.History),
		details: d.Details.clone(),
	}
}

// move applies action if the table allows it from the current status.
func (r *Report) move(by EmployeeID, action Action, comment string, now time.Time) error {
	to, ok := reportMoves[r.status][action]
	if !ok {
		return ErrInvalidTransition.With(map[string]any{"from": string(r.status), "action": string(action)})
	}
	from := r.status
	r.status = to
	r.updatedAt = now
	r.record(by, action, from, to, comment, now)
	return nil
}

func (r *Report) record(by EmployeeID, action Action, from, to ReportStatus, comment string, now time.Time) {
	r.history = append(r.history, HistoryEntry{At: now, Actor: by, Action: action, From: from, To: to, Comment: comment})
}

func (r *Report) mustBeOwner(a Actor) error {
	if a.ID != r.employeeID {
		return ErrForbidden.WithMessage("only the report's owner may do this")
	}
	return nil
}

// pendingApprover finds a among the current step's approvers who have
// not decided yet; never the owner (DECISIONS 5). Anything else is
// forbidden, admins included: they reassign instead (DECISIONS 44).
func (r *Report) pendingApprover(a Actor, action Action) (step, who int, err error) {
	if r.status != ReportSubmitted {
		return 0, 0, ErrInvalidTransition.With(map[string]any{"from": string(r.status), "action": string(action)})
	}
	if a.ID == r.employeeID {
		return 0, 0, ErrForbidden.WithMessage("nobody approves their own report")
	}
	step = r.plan.Current()
	if step >= 0 {
		for j, p := range r.plan.Steps[step].Approvers {
			if p.ID == a.ID && p.Decision == DecisionPending {
				return step, j, nil
			}
		}
	}
	return 0, 0, ErrForbidden.WithMessage("only an approver of the report's current step may do this")
}

func (r *Report) setInvoices(invoices []*Invoice) error {
	ids := make([]InvoiceID, 0, len(invoices))
	total := Zero
	for _, inv := range invoices {
		if inv.OwnerID() != r.employeeID {
			return ErrForbidden.WithMessage("a report may only hold its owner's invoices").
				With(map[string]any{"invoice_id": string(inv.ID())})
		}
		if slices.Contains(ids, inv.ID()) {
			return Invalid("invoice_ids", "lists invoice "+string(inv.ID())+" twice")
		}
		if err := inv.CheckClaimable(r.id); err != nil {
			return err
		}
		ids = append(ids, inv.ID())
		total = total.Add(inv.Amount())
	}
	r.invoiceIDs, r.total = ids, total
	r.defaultExpenseTypes(invoices)
	return nil
}

// Edit changes the title and/or the invoices of a draft, rejected or
// withdrawn report. A nil title or nil invoices leaves that part alone.
func (r *Report) Edit(a Actor, title *string, invoices []*Invoice, now time.Time) error {
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	if _, ok := reportMoves[r.status][ActionEdit]; !ok {
		return ErrInvalidTransition.With(map[string]any{"from": string(r.status), "action": string(ActionEdit)})
	}
	if title != nil {
		t, err := cleanTitle(*title)
		if err != nil {
			return err
		}
		r.title = t
	}
	if invoices != nil {
		if err := r.setInvoices(invoices); err != nil {
			return err
		}
	}
	return r.move(a.ID, ActionEdit, "", now)
}

// RemoveCancelled takes invoices their issuer cancelled (红冲) out of a
// submitted report, which stays under review with the rest (DECISIONS 49).
// Only cancelled invoices may leave a submitted report, and not all of
// them: a report left empty is withdrawn instead.
func (r *Report) RemoveCancelled(a Actor, removed []*Invoice, now time.Time) error {
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	if r.status != ReportSubmitted {
		return ErrInvalidTransition.With(map[string]any{"from": string(r.status), "action": string(ActionRemove)})
	}
	keep := slices.Clone(r.invoiceIDs)
	total := r.total
	var numbers []string
	for _, inv := range removed {
		i := slices.Index(keep, inv.ID())
		if i < 0 {
			return Invalid("invoice_ids", "invoice "+string(inv.ID())+" is not in the report")
		}
		if inv.Status() != StatusCancel {
			return ErrInvalidTransition.WithMessage("a submitted report may only lose invoices their issuer cancelled (红冲); withdraw it to change more").
				With(map[string]any{"from": string(r.status), "action": string(ActionEdit), "invoice_id": string(inv.ID())})
		}
		keep = slices.Delete(keep, i, i+1)
		total = total.Sub(inv.Amount())
		numbers = append(numbers, inv.BusinessID().String())
	}
	if len(removed) == 0 {
		return nil
	}
	if len(keep) == 0 {
		return ErrReportEmpty.WithMessage("every invoice of the report was cancelled; withdraw the report instead")
	}
	r.invoiceIDs, r.total = keep, total
	r.updatedAt = now
	r.record(a.ID, ActionRemove, r.status, r.status, "removed cancelled invoices "+strings.Join(numbers, ", "), now)
	return nil
}

// NoteCancelled records that an invoice was found cancelled (红冲) by its
// issuer while the report was decided, and was left as it is in WeChat.
func (r *Report) NoteCancelled(by EmployeeID, inv *Invoice, now time.Time) {
	r.record(by, ActionCancelled, r.status, r.status, "invoice "+inv.BusinessID().String()+" was cancelled by its issuer; left as it is in WeChat", now)
}

// CanSubmit refuses what Submit would refuse before a plan is resolved.
func (r *Report) CanSubmit(a Actor) error {
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	if _, ok := reportMoves[r.status][ActionSubmit]; !ok {
		return ErrInvalidTransition.With(map[string]any{"from": string(r.status), "action": string(ActionSubmit)})
	}
	if len(r.invoiceIDs) == 0 {
		return ErrReportEmpty
	}
	return nil
}

// Submit puts the report before the first step of plan, resolved from the
// policy for this submit; a resubmit restarts the chain (DECISIONS 32).
// It needs at least one invoice.
func (r *Report) Submit(a Actor, plan Plan, now time.Time) error {
	if err := r.CanSubmit(a); err != nil {
		return err
	}
	if len(plan.Steps) == 0 {
		return ErrNoApprover.With(map[string]any{"step": "the whole chain", "configure": "approval.fallback, or an approver for a step of the approval policy"})
	}
	if err := r.move(a.ID, ActionSubmit, "", now); err != nil {
		return err
	}
	r.submittedAt = now
	r.decidedAt = time.Time{}
	r.plan = plan.Clone()
	if done, _ := r.plan.advance(now); done {
		// BuildPlan never yields a chain without an approver.
		return ErrNoApprover.With(map[string]any{"step": "the whole chain", "configure": "approval.fallback"})
	}
	return nil
}

// Withdraw takes a submitted report back; its invoices are unlocked.
func (r *Report) Withdraw(a Actor, now time.Time) error {
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	return r.move(a.ID, ActionWithdraw, "", now)
}

// Approve records a's approval of the current step. When that completes
// the last step the report is approved and its invoices are closed for
// good; before that the chain moves on and nothing changes in WeChat
// (DECISIONS 32).
func (r *Report) Approve(a Actor, comment string, now time.Time) error {
	i, j, err := r.pendingApprover(a, ActionApprove)
	if err != nil {
		return err
	}
	comment = strings.TrimSpace(comment)
	s := &r.plan.Steps[i]
	s.Approvers[j].Decision, s.Approvers[j].DecidedAt, s.Approvers[j].Reason = DecisionApproved, now, comment
	if !s.complete() {
		r.updatedAt = now
		r.record(a.ID, ActionApprove, r.status, r.status, stepNote(s, comment), now)
		return nil
	}
	s.close()
	done, autos := r.plan.advance(now)
	if !done {
		r.updatedAt = now
		r.record(a.ID, ActionApprove, r.status, r.status, stepNote(s, comment), now)
		r.recordAutos(autos, now)
		return nil
	}
	// Later steps auto-approved by this approval are recorded before it;
	// a's approval is what approves the report.
	r.recordAutos(autos, now)
	if err := r.move(a.ID, ActionApprove, stepNote(s, comment), now); err != nil {
		return err
	}
	r.decidedAt = now
	return nil
}

func stepNote(s *PlanStep, comment string) string {
	note := "step " + strconv.Itoa(s.Step) + " " + s.Name
	if comment != "" {
		note += ": " + comment
	}
	return note
}

func (r *Report) recordAutos(autos []autoApproved, now time.Time) {
	for _, x := range autos {
		r.record(x.who, ActionApprove, r.status, r.status, "step "+strconv.Itoa(x.step)+": "+x.note, now)
	}
}

// Final reports whether a's approval now would complete the chain, so
// the caller knows whether WeChat must be asked first (DECISIONS 8).
func (r *Report) Final(a Actor, now time.Time) (bool, error) {
	c := RestoreReport(r.Data())
	if err := c.Approve(a, "", now); err != nil {
		return false, err
	}
	return c.status == ReportApproved, nil
}

// Reject sends a submitted report back with a reason, which is required;
// any step's approver may (DECISIONS 32).
func (r *Report) Reject(a Actor, reason string, now time.Time) error {
	i, j, err := r.pendingApprover(a, ActionReject)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Invalid("reason", "required when rejecting")
	}
	s := &r.plan.Steps[i]
	s.Approvers[j].Decision, s.Approvers[j].DecidedAt, s.Approvers[j].Reason = DecisionRejected, now, reason
	s.State = StepRejected
	if err := r.move(a.ID, ActionReject, reason, now); err != nil {
		return err
	}
	r.decidedAt = now
	return nil
}

// Delete removes a draft, rejected or withdrawn report and releases its
// invoices (DECISIONS 6).
func (r *Report) Delete(a Actor, now time.Time) error {
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	if err := r.move(a.ID, ActionDelete, "", now); err != nil {
		return err
	}
	r.invoiceIDs = nil
	r.total = Zero
	return nil
}

// Reassign gives a step of a submitted report (0: the current one) to
// another approver in place of those who have not decided; admins only
// (DECISIONS 44).
func (r *Report) Reassign(a Actor, step int, to *Employee, now time.Time) error {
	if !a.has(RoleAdmin) {
		return ErrForbidden.WithMessage("only an administrator may reassign an approver")
	}
	s, err := r.openStep(ActionReassign, step, to)
	if err != nil {
		return err
	}
	var old []string
	keep := s.Approvers[:0]
	for _, p := range s.Approvers {
		if p.Decision == DecisionPending {
			old = append(old, string(p.ID))
			continue
		}
		keep = append(keep, p)
	}
	s.Approvers = append(keep, PlanApprover{ID: to.ID(), Name: to.Name(), Decision: DecisionPending})
	return r.move(a.ID, ActionReassign, "step "+strconv.Itoa(s.Step)+": "+strings.Join(old, ", ")+" → "+string(to.ID()), now)
}

// Transfer hands a's place in a step (0: the current one) to another
// approver (转交, DECISIONS 44).
func (r *Report) Transfer(a Actor, step int, to *Employee, comment string, now time.Time) error {
	s, err := r.openStep(ActionTransfer, step, to)
	if err != nil {
		return err
	}
	j := slices.IndexFunc(s.Approvers, func(p PlanApprover) bool { return p.ID == a.ID && p.Decision == DecisionPending })
	if j < 0 {
		return ErrForbidden.WithMessage("only an approver of that step who has not decided may transfer it")
	}
	s.Approvers[j] = PlanApprover{ID: to.ID(), Name: to.Name(), Decision: DecisionPending}
	note := "step " + strconv.Itoa(s.Step) + ": " + string(a.ID) + " → " + string(to.ID())
	if c := strings.TrimSpace(comment); c != "" {
		note += ": " + c
	}
	return r.move(a.ID, ActionTransfer, note, now)
}

// openStep finds a step still to be decided for reassign and transfer and
// checks the target: not the owner, not already in it, and holding the
// step's role on a role step, else the approver role (DECISIONS 44).
func (r *Report) openStep(action Action, step int, to *Employee) (*PlanStep, error) {
	if r.status != ReportSubmitted {
		return nil, ErrInvalidTransition.With(map[string]any{"from": string(r.status), "action": string(action)})
	}
	i := r.plan.Current()
	if step != 0 {
		i = slices.IndexFunc(r.plan.Steps, func(s PlanStep) bool { return s.Step == step })
	}
	if i < 0 || r.plan.Steps[i].State != StepCurrent && r.plan.Steps[i].State != StepWaiting {
		return nil, Invalid("step", "must be a step of the report still to be decided")
	}
	s := &r.plan.Steps[i]
	if to.ID() == r.employeeID {
		return nil, Invalid("approver_id", "must be someone other than the report's owner")
	}
	if !to.Active() {
		return nil, Invalid("approver_id", "must be an active employee")
	}
	want := RoleApprover
	if s.Role != "" {
		want = s.Role
	}
	if !to.HasRole(want) {
		return nil, Invalid("approver_id", "must hold the "+string(want)+" role")
	}
	if slices.ContainsFunc(s.Approvers, func(p PlanApprover) bool { return p.ID == to.ID() && p.Decision == DecisionPending }) {
		return nil, Invalid("approver_id", "is already an approver of that step")
	}
	return s, nil
}

// ID is the report's id.
func (r *Report) ID() ReportID { return r.id }

// Number is the human report number (BX-2026-000123).
func (r *Report) Number() string { return r.number }

// Title is the report's title.
func (r *Report) Title() string { return r.title }

// Status is the current status.
func (r *Report) Status() ReportStatus { return r.status }

// EmployeeID is the owner.
func (r *Report) EmployeeID() EmployeeID { return r.employeeID }

// ApproverID is the current step's first approver still to decide, empty
// when none (DECISIONS 43).
func (r *Report) ApproverID() EmployeeID {
	if p := r.plan.Pending(); len(p) > 0 {
		return p[0]
	}
	return ""
}

// ApproverOfRecord is ApproverID while a step waits, else who approved
// last: the approver exports and webhooks name.
func (r *Report) ApproverOfRecord() EmployeeID {
	if id := r.ApproverID(); id != "" {
		return id
	}
	return r.plan.LastApprover()
}

// Plan is the stored approval plan; empty before the first submit.
func (r *Report) Plan() Plan { return r.plan.Clone() }

// Involves reports whether id is the owner, an approver of any step or in
// the history: who may see the report and its invoices.
func (r *Report) Involves(id EmployeeID) bool {
	if id == r.employeeID || r.plan.Includes(id) {
		return true
	}
	return slices.ContainsFunc(r.history, func(h HistoryEntry) bool { return h.Actor == id })
}

// InvoiceIDs lists the invoices, in the order the owner gave.
func (r *Report) InvoiceIDs() []InvoiceID { return slices.Clone(r.invoiceIDs) }

// Total is the sum of the invoices' gross amounts.
func (r *Report) Total() Money { return r.total }

// Version is the optimistic-lock counter.
func (r *Report) Version() int64 { return r.version }

// CreatedAt is when it was created.
func (r *Report) CreatedAt() time.Time { return r.createdAt }

// UpdatedAt is when it last changed.
func (r *Report) UpdatedAt() time.Time { return r.updatedAt }

// SubmittedAt is the last submission time, zero if never submitted.
func (r *Report) SubmittedAt() time.Time { return r.submittedAt }

// DecidedAt is when it was approved or rejected, zero otherwise.
func (r *Report) DecidedAt() time.Time { return r.decidedAt }

// History is the whole audit trail, oldest first.
func (r *Report) History() []HistoryEntry { return slices.Clone(r.history) }

// NewHistory is the part of the audit trail not yet stored.
func (r *Report) NewHistory() []HistoryEntry { return slices.Clone(r.history[r.saved:]) }

// Data returns the full state, for repositories.
func (r *Report) Data() ReportData {
	return ReportData{
		ID: r.id, Number: r.number, Title: r.title, Status: r.status,
		EmployeeID: r.employeeID, Plan: r.plan.Clone(), InvoiceIDs: r.InvoiceIDs(),
		Total: r.total, Version: r.version, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt,
		SubmittedAt: r.submittedAt, DecidedAt: r.decidedAt, History: r.History(),
		Details: r.Details(),
	}
}

package domain

import (
	"slices"
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
	ReportSubmitted: {ActionApprove: ReportApproved, ActionReject: ReportRejected, ActionWithdraw: ReportWithdrawn, ActionReassign: ReportSubmitted, ActionRemove: ReportSubmitted},
	ReportRejected:  {ActionEdit: ReportRejected, ActionSubmit: ReportSubmitted, ActionDelete: ReportDeleted},
	ReportWithdrawn: {ActionEdit: ReportWithdrawn, ActionSubmit: ReportSubmitted, ActionDelete: ReportDeleted},
	// Approved is final: CLOSURE cannot be undone in WeChat. Paying it
	// never touches WeChat (DECISIONS 32).
	ReportApproved: {ActionPay: ReportPaid},
}

// Open reports whether the report still holds its invoices for review or
// editing; approved reports hold them for good, deleted ones release them.
func (s ReportStatus) Open() bool { return !s.Approved() && s != ReportDeleted }

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
	approverID  EmployeeID
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
	ApproverID  EmployeeID
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

// NewReport starts a draft for owner, to be approved by approver. The
// invoices must belong to the owner and be free.
func NewReport(id ReportID, number, title string, owner *Employee, approver EmployeeID, invoices []*Invoice, now time.Time) (*Report, error) {
	title, err := cleanTitle(title)
	if err != nil {
		return nil, err
	}
	if approver == "" {
		return nil, Invalid("approver", "the employee has no approver; ask an administrator to set one")
	}
	if approver == owner.ID() {
		return nil, Invalid("approver", "nobody approves their own report")
	}
	r := &Report{
		id: id, number: number, title: title, status: ReportDraft,
		employeeID: owner.ID(), approverID: approver, createdAt: now, updatedAt: now,
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
		employeeID: d.EmployeeID, approverID: d.ApproverID,
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

// mustBeApprover allows the report's approver and admins, never the owner
// (DECISIONS 5).
func (r *Report) mustBeApprover(a Actor) error {
	if a.ID == r.employeeID {
		return ErrForbidden.WithMessage("nobody approves their own report")
	}
	if a.ID != r.approverID && !a.has(RoleAdmin) {
		return ErrForbidden.WithMessage("only the report's approver may do this")
	}
	return nil
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

// Submit puts the report before its approver. It needs at least one invoice.
func (r *Report) Submit(a Actor, now time.Time) error {
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	if _, ok := reportMoves[r.status][ActionSubmit]; ok && len(r.invoiceIDs) == 0 {
		return ErrReportEmpty
	}
	if err := r.move(a.ID, ActionSubmit, "", now); err != nil {
		return err
	}
	r.submittedAt = now
	r.decidedAt = time.Time{}
	return nil
}

// Withdraw takes a submitted report back; its invoices are unlocked.
func (r *Report) Withdraw(a Actor, now time.Time) error {
	if err := r.mustBeOwner(a); err != nil {
		return err
	}
	return r.move(a.ID, ActionWithdraw, "", now)
}

// Approve accepts a submitted report; its invoices are closed for good.
func (r *Report) Approve(a Actor, comment string, now time.Time) error {
	if err := r.mustBeApprover(a); err != nil {
		return err
	}
	if err := r.move(a.ID, ActionApprove, strings.TrimSpace(comment), now); err != nil {
		return err
	}
	r.decidedAt = now
	return nil
}

// Reject sends a submitted report back with a reason, which is required.
func (r *Report) Reject(a Actor, reason string, now time.Time) error {
	if err := r.mustBeApprover(a); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Invalid("reason", "required when rejecting")
	}
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

// Reassign gives a submitted report to another approver; admins only.
func (r *Report) Reassign(a Actor, approver EmployeeID, now time.Time) error {
	if !a.has(RoleAdmin) {
		return ErrForbidden.WithMessage("only an administrator may reassign an approver")
	}
	if approver == "" || approver == r.employeeID {
		return Invalid("approver_id", "must be someone other than the report's owner")
	}
	old := r.approverID
	if err := r.move(a.ID, ActionReassign, string(old)+" → "+string(approver), now); err != nil {
		return err
	}
	r.approverID = approver
	return nil
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

// ApproverID is who decides on it.
func (r *Report) ApproverID() EmployeeID { return r.approverID }

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
		EmployeeID: r.employeeID, ApproverID: r.approverID, InvoiceIDs: r.InvoiceIDs(),
		Total: r.total, Version: r.version, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt,
		SubmittedAt: r.submittedAt, DecidedAt: r.decidedAt, History: r.History(),
		Details: r.Details(),
	}
}

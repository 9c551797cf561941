package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

var t0 = time.Date(2026, 10, 9, 8, 0, 0, 0, time.UTC)

var (
	owner    = domain.Actor{ID: "emp-li", Roles: []domain.Role{domain.RoleEmployee}}
	approver = domain.Actor{ID: "mgr-zhao", Roles: []domain.Role{domain.RoleEmployee, domain.RoleApprover}}
	admin    = domain.Actor{ID: "admin", Roles: []domain.Role{domain.RoleEmployee, domain.RoleAdmin}}
	stranger = domain.Actor{ID: "emp-wang", Roles: []domain.Role{domain.RoleEmployee, domain.RoleApprover}}
)

// onePlan is the old single approver: mgr-zhao.
var onePlan = domain.Plan{Steps: []domain.PlanStep{{Step: 1, Name: "主管审批", Mode: domain.ModeAny, State: domain.StepWaiting,
	Approvers: []domain.PlanApprover{{ID: "mgr-zhao", Name: "赵磊", Decision: domain.DecisionPending}}}}}

func mustEmployee(d domain.EmployeeData) *domain.Employee {
	e, err := domain.NewEmployee(d, t0)
	if err != nil {
		panic(err)
	}
	return e
}

var (
	qian = mustEmployee(domain.EmployeeData{ID: "mgr-qian", Name: "钱", Roles: []domain.Role{domain.RoleApprover}})
	li   = mustEmployee(domain.EmployeeData{ID: "emp-li", Name: "李娜", Roles: []domain.Role{domain.RoleApprover}})
)

func employee(t *testing.T, id domain.EmployeeID) *domain.Employee {
	t.Helper()
	e, err := domain.NewEmployee(domain.EmployeeData{ID: id, Name: string(id)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func invoice(t *testing.T, owner domain.EmployeeID, number string, cents int64) *domain.Invoice {
	t.Helper()
	inv, err := domain.NewInvoice(domain.NewInvoiceID(t0), owner, domain.InvoiceFacts{
		Channel: domain.ChannelOA, CardID: "pCard", EncryptCode: "enc/" + number + "+=",
		OwnerOpenID: "o-" + string(owner), ID: domain.BusinessID{Code: "044031900111", Number: number},
		Amount: domain.MoneyFromCents(cents), AmountWithoutTax: domain.MoneyFromCents(cents),
	}, domain.StatusInit, nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// reportIn builds a report with one invoice and drives it to status s.
func reportIn(t *testing.T, s domain.ReportStatus) *domain.Report {
	t.Helper()
	r, err := domain.NewReport(domain.NewReportID(t0), "BX-2026-000001", "差旅", employee(t, "emp-li"),
		[]*domain.Invoice{invoice(t, "emp-li", "00000001", 10600)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[domain.ReportStatus][]func() error{
		domain.ReportDraft:     nil,
		domain.ReportSubmitted: {func() error { return r.Submit(owner, onePlan, t0) }},
		domain.ReportApproved:  {func() error { return r.Submit(owner, onePlan, t0) }, func() error { return r.Approve(approver, "", t0) }},
		domain.ReportRejected:  {func() error { return r.Submit(owner, onePlan, t0) }, func() error { return r.Reject(approver, "缺少行程单", t0) }},
		domain.ReportWithdrawn: {func() error { return r.Submit(owner, onePlan, t0) }, func() error { return r.Withdraw(owner, t0) }},
		domain.ReportDeleted:   {func() error { return r.Delete(owner, t0) }},
	}
	for _, step := range steps[s] {
		if err := step(); err != nil {
			t.Fatalf("reaching %s: %v", s, err)
		}
	}
	if r.Status() != s {
		t.Fatalf("status = %s, want %s", r.Status(), s)
	}
	return r
}

func TestReportTransitions(t *testing.T) {
	title := "改后的标题"
	actions := map[domain.Action]func(r *domain.Report) error{
		domain.ActionEdit:     func(r *domain.Report) error { return r.Edit(owner, &title, nil, t0) },
		domain.ActionSubmit:   func(r *domain.Report) error { return r.Submit(owner, onePlan, t0) },
		domain.ActionApprove:  func(r *domain.Report) error { return r.Approve(approver, "ok", t0) },
		domain.ActionReject:   func(r *domain.Report) error { return r.Reject(approver, "金额不符", t0) },
		domain.ActionWithdraw: func(r *domain.Report) error { return r.Withdraw(owner, t0) },
		domain.ActionDelete:   func(r *domain.Report) error { return r.Delete(owner, t0) },
		domain.ActionReassign: func(r *domain.Report) error { return r.Reassign(admin, 0, qian, t0) },
	}
	// allowed[from][action] = to; every other pair must be refused.
	allowed := map[domain.ReportStatus]map[domain.Action]domain.ReportStatus{
		domain.ReportDraft:     {domain.ActionEdit: domain.ReportDraft, domain.ActionSubmit: domain.ReportSubmitted, domain.ActionDelete: domain.ReportDeleted},
		domain.ReportSubmitted: {domain.ActionApprove: domain.ReportApproved, domain.ActionReject: domain.ReportRejected, domain.ActionWithdraw: domain.ReportWithdrawn, domain.ActionReassign: domain.ReportSubmitted},
		domain.ReportRejected:  {domain.ActionEdit: domain.ReportRejected, domain.ActionSubmit: domain.ReportSubmitted, domain.ActionDelete: domain.ReportDeleted},
		domain.ReportWithdrawn: {domain.ActionEdit: domain.ReportWithdrawn, domain.ActionSubmit: domain.ReportSubmitted, domain.ActionDelete: domain.ReportDeleted},
		domain.ReportApproved:  {},
		domain.ReportDeleted:   {},
	}
	for from, moves := range allowed {
		for action, do := range actions {
			t.Run(string(from)+"/"+string(action), func(t *testing.T) {
				r := reportIn(t, from)
				before := len(r.History())
				err := do(r)
				to, ok := moves[action]
				if !ok {
					if !errors.Is(err, domain.ErrInvalidTransition) {
						t.Fatalf("err = %v, want report.invalid_transition", err)
					}
					var de *domain.Error
					errors.As(err, &de)
					if de.Details["from"] != string(from) || de.Details["action"] != string(action) {
						t.Fatalf("details = %v", de.Details)
					}
					if r.Status() != from || len(r.History()) != before {
						t.Fatal("a refused transition changed the report")
					}
					return
				}
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if r.Status() != to {
					t.Fatalf("status = %s, want %s", r.Status(), to)
				}
				h := r.History()
				if len(h) != before+1 {
					t.Fatalf("history grew by %d", len(h)-before)
				}
				last := h[len(h)-1]
				if last.Action != action || last.From != from || last.To != to || !last.At.Equal(t0) || last.Actor == "" {
					t.Fatalf("history entry = %+v", last)
				}
			})
		}
	}
}

func TestReportWhoMayAct(t *testing.T) {
	for _, tc := range []struct {
		name string
		from domain.ReportStatus
		do   func(r *domain.Report) error
		want error
	}{
		{"stranger submits", domain.ReportDraft, func(r *domain.Report) error { return r.Submit(stranger, onePlan, t0) }, domain.ErrForbidden},
		{"approver withdraws", domain.ReportSubmitted, func(r *domain.Report) error { return r.Withdraw(approver, t0) }, domain.ErrForbidden},
		{"other approver approves", domain.ReportSubmitted, func(r *domain.Report) error { return r.Approve(stranger, "", t0) }, domain.ErrForbidden},
		{"owner approves own", domain.ReportSubmitted, func(r *domain.Report) error {
			return r.Approve(domain.Actor{ID: "emp-li", Roles: []domain.Role{domain.RoleAdmin}}, "", t0)
		}, domain.ErrForbidden},
		// Admins reassign; they approve only a step they are in (DECISIONS 44).
		{"admin outside the chain approves", domain.ReportSubmitted, func(r *domain.Report) error { return r.Approve(admin, "", t0) }, domain.ErrForbidden},
		{"reject without reason", domain.ReportSubmitted, func(r *domain.Report) error { return r.Reject(approver, "  ", t0) }, domain.ErrInvalidInput},
		{"stranger edits", domain.ReportDraft, func(r *domain.Report) error { return r.Edit(stranger, nil, nil, t0) }, domain.ErrForbidden},
		{"stranger deletes", domain.ReportDraft, func(r *domain.Report) error { return r.Delete(stranger, t0) }, domain.ErrForbidden},
		{"approver reassigns", domain.ReportSubmitted, func(r *domain.Report) error { return r.Reassign(approver, 0, qian, t0) }, domain.ErrForbidden},
		{"reassign to owner", domain.ReportSubmitted, func(r *domain.Report) error { return r.Reassign(admin, 0, li, t0) }, domain.ErrInvalidInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := reportIn(t, tc.from)
			err := tc.do(r)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != nil && r.Status() != tc.from {
				t.Fatal("status changed on refusal")
			}
		})
	}
}

func TestReportSubmitNeedsInvoices(t *testing.T) {
	r, err := domain.NewReport(domain.NewReportID(t0), "BX-2026-000002", "空", employee(t, "emp-li"), nil, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Submit(owner, onePlan, t0); !errors.Is(err, domain.ErrReportEmpty) {
		t.Fatalf("err = %v", err)
	}
	if r.Status() != domain.ReportDraft {
		t.Fatal("status changed")
	}
}

func TestReportInvoices(t *testing.T) {
	li := employee(t, "emp-li")
	a, b := invoice(t, "emp-li", "00000001", 10600), invoice(t, "emp-li", "00000002", 5085)
	r, err := domain.NewReport(domain.NewReportID(t0), "BX-2026-000003", "差旅", li, []*domain.Invoice{a, b}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total().String() != "156.85" || len(r.InvoiceIDs()) != 2 {
		t.Fatalf("total %s, ids %v", r.Total(), r.InvoiceIDs())
	}
	for _, tc := range []struct {
		name     string
		invoices []*domain.Invoice
		want     error
	}{
		{"foreign invoice", []*domain.Invoice{invoice(t, "emp-wang", "00000003", 1)}, domain.ErrForbidden},
		{"listed twice", []*domain.Invoice{a, a}, domain.ErrInvalidInput},
		{"in another report", []*domain.Invoice{domain.RestoreInvoice(func() domain.InvoiceData {
			d := a.Data()
			d.ReportID = "rpt_other"
			return d
		}())}, domain.ErrInvoiceInReport},
		{"reimbursed", []*domain.Invoice{withStatus(a, domain.StatusClosure)}, domain.ErrAlreadyReimbursed},
		{"cancelled", []*domain.Invoice{withStatus(a, domain.StatusCancel)}, domain.ErrInvoiceCancelled},
		{"locked outside any report", []*domain.Invoice{withStatus(invoice(t, "emp-li", "00000009", 1), domain.StatusLock)}, domain.ErrLockedElsewhere},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.Edit(owner, nil, tc.invoices, t0); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if r.Total().String() != "156.85" {
				t.Fatal("refused edit changed the report")
			}
		})
	}
	if err := r.Edit(owner, nil, []*domain.Invoice{b}, t0); err != nil || r.Total().String() != "50.85" {
		t.Fatalf("edit: %v, total %s", err, r.Total())
	}
	if err := r.Delete(owner, t0); err != nil || len(r.InvoiceIDs()) != 0 || !r.Total().IsZero() {
		t.Fatalf("delete: %v", err)
	}
}

func withStatus(i *domain.Invoice, s domain.WeChatStatus) *domain.Invoice {
	d := i.Data()
	d.Status = s
	return domain.RestoreInvoice(d)
}

func TestNewReportValidation(t *testing.T) {
	li := employee(t, "emp-li")
	long := make([]rune, 201)
	for i := range long {
		long[i] = '票'
	}
	for _, tc := range []struct{ name, title string }{
		{"empty title", "  "},
		{"long title", string(long)},
	} {
		if _, err := domain.NewReport("rpt_x", "BX", tc.title, li, nil, t0); !errors.Is(err, domain.ErrInvalidInput) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

func TestReportNewHistory(t *testing.T) {
	r := reportIn(t, domain.ReportSubmitted)
	if n := len(r.NewHistory()); n != 2 {
		t.Fatalf("new history = %d", n)
	}
	restored := domain.RestoreReport(r.Data())
	if len(restored.NewHistory()) != 0 {
		t.Fatal("restored report has unsaved history")
	}
	if err := restored.Approve(approver, "", t0); err != nil {
		t.Fatal(err)
	}
	if h := restored.NewHistory(); len(h) != 1 || h[0].Action != domain.ActionApprove {
		t.Fatalf("new history = %+v", h)
	}
	if restored.DecidedAt().IsZero() {
		t.Fatal("approval time not set")
	}
}

package domain_test

import (
	"errors"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
)

func TestPay(t *testing.T) {
	p := domain.ReportPayment{ID: "pay_1", PaidOn: "2026-11-05", Method: domain.PayCash, Reference: "R1"}
	for _, s := range []domain.ReportStatus{domain.ReportDraft, domain.ReportSubmitted, domain.ReportRejected, domain.ReportWithdrawn, domain.ReportDeleted} {
		if err := reportIn(t, s).Pay("fin-chen", p, t0); !errors.Is(err, domain.ErrNotPayable) {
			t.Errorf("pay a %s report: %v", s, err)
		}
	}
	r := reportIn(t, domain.ReportApproved)
	if err := r.Pay("fin-chen", p, t0); err != nil {
		t.Fatal(err)
	}
	if r.Status() != domain.ReportPaid || r.Payment() != p || !r.Status().Approved() || r.Status().Open() {
		t.Fatalf("paid: %s %+v", r.Status(), r.Payment())
	}
	if err := r.Pay("fin-chen", p, t0); !errors.Is(err, domain.ErrNotPayable) {
		t.Fatalf("paid twice: %v", err)
	}
	if err := r.Withdraw(owner, t0); !errors.Is(err, domain.ErrInvalidTransition) {
		t.Fatalf("withdraw a paid report: %v", err)
	}
	if h := r.History(); h[len(h)-1].Action != domain.ActionPay {
		t.Fatalf("history %v", h[len(h)-1])
	}
}

func TestDefaultExpenseType(t *testing.T) {
	for raw, want := range map[string]string{
		"电子发票（铁路电子客票）":      domain.ExpenseTravel,
		"电子发票（航空运输电子客票行程单）": domain.ExpenseTravel,
		"增值税电子普通发票":         "",
	} {
		inv := invoice(t, "emp-li", "00000001", 100)
		f := inv.Facts()
		f.RawType = raw
		got, err := domain.NewInvoice(inv.ID(), "emp-li", f, domain.StatusInit, nil, t0)
		if err != nil {
			t.Fatal(err)
		}
		if d := domain.DefaultExpenseType(got); d != want {
			t.Errorf("%s: %q, want %q", raw, d, want)
		}
	}
	inv := invoice(t, "emp-li", "00000002", 100)
	f := inv.Facts()
	f.Lines = []domain.InvoiceLine{{Name: "*运输服务*客运服务费"}}
	ride, _ := domain.NewInvoice(inv.ID(), "emp-li", f, domain.StatusInit, nil, t0)
	if d := domain.DefaultExpenseType(ride); d != domain.ExpenseTransport {
		t.Errorf("ride: %q", d)
	}
}

func TestBankAccount(t *testing.T) {
	a, err := domain.CheckBankAccount(domain.BankAccount{Bank: " 中国工商银行 ", AccountNumber: "6222 0212-3456 7890 123", AccountName: "李娜"})
	if err != nil {
		t.Fatal(err)
	}
	if a.AccountNumber != "6222021234567890123" || a.Mask() != "6222 **** **** 0123" || a.Bank != "中国工商银行" {
		t.Fatalf("%+v %s", a, a.Mask())
	}
	for _, bad := range []domain.BankAccount{
		{Bank: "x", AccountNumber: "1234567", AccountName: "x"},
		{Bank: "x", AccountNumber: "12345678a", AccountName: "x"},
		{AccountNumber: "12345678", AccountName: "x"},
		{Bank: "x", AccountNumber: "12345678"},
	} {
		if _, err := domain.CheckBankAccount(bad); !errors.Is(err, domain.ErrInvalidInput) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

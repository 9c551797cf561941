package testkit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
)

// Now is the fixed time builders use.
var Now = time.Date(2026, 10, 9, 8, 30, 0, 0, time.UTC)

// Facts returns plausible WeChat facts for invoice number n of an owner's
// wallet: 106.00 = 100.00 + 6.00, two lines, one a discount. The
// encrypt_code carries '+', '/' and '=' as WeChat's do.
func Facts(openid string, n int) domain.InvoiceFacts {
	return domain.InvoiceFacts{
		Channel: domain.ChannelOA, CardID: "pjZ8Yt1XGILfGlQ-Demo", EncryptCode: fmt.Sprintf("O/mPnGTpBu22a1szmK2Og+%05d==", n),
		IssuerAppID: "wxissuer000000001", OwnerOpenID: openid,
		ID:        domain.BusinessID{Code: "044031900111", Number: fmt.Sprintf("%08d", n)},
		BillingNo: fmt.Sprintf("%08d", n), BillingCode: "044031900111",
		Kind: domain.KindVATENormal, RawType: "增值税电子普通发票", CheckCode: "12345678901234567890",
		IssuedAt: Now.Add(-48 * time.Hour),
		Buyer:    domain.Party{Name: "演示科技有限公司", TaxNumber: "91440300MA5DEMO001"},
		Seller:   domain.Party{Name: "深圳某某餐饮有限公司", TaxNumber: "91440300MA5SELL001", AddressPhone: "深圳市南山区 0755-0000000"},
		Amount:   domain.MoneyFromCents(10600), AmountWithoutTax: domain.MoneyFromCents(10000), Tax: domain.MoneyFromCents(600),
		Lines: []domain.InvoiceLine{
			{Name: "*餐饮服务*餐费", Quantity: "1", Unit: "次", UnitPrice: domain.MoneyFromCents(11000), Amount: domain.MoneyFromCents(11000)},
			{Name: "折扣", UnitPrice: domain.MoneyFromCents(-1000), Amount: domain.MoneyFromCents(-1000)},
		},
		PDFURL: "https://example.invalid/invoice.pdf",
		Raw:    []byte(`{"errcode":0}`),
	}
}

// AddEmployee stores an employee with an OA identity (openid "o-"+id).
func AddEmployee(t testing.TB, s *store.Store, id domain.EmployeeID, manager domain.EmployeeID, roles ...domain.Role) *domain.Employee {
	t.Helper()
	e, err := domain.NewEmployee(domain.EmployeeData{
		ID: id, Name: "员工 " + string(id), ManagerID: manager, Roles: roles,
		Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: "wxsandbox", OpenID: "o-" + string(id)}},
	}, Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Employees.Add(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// AddInvoice stores invoice number n for an employee.
func AddInvoice(t testing.TB, s *store.Store, owner *domain.Employee, n int) *domain.Invoice {
	t.Helper()
	inv, err := domain.NewInvoice(domain.NewInvoiceID(Now), owner.ID(), Facts("o-"+string(owner.ID()), n), domain.StatusInit, nil, Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Invoices.Add(context.Background(), inv); err != nil {
		t.Fatal(err)
	}
	return inv
}

// AddReport stores a draft report of owner's with the given invoices.
func AddReport(t testing.TB, s *store.Store, owner *domain.Employee, invoices ...*domain.Invoice) *domain.Report {
	t.Helper()
	r, err := s.Reports.Create(context.Background(), Now.Year(), func(number string) (*domain.Report, error) {
		return domain.NewReport(domain.NewReportID(Now), number, "差旅报销", owner, invoices, Now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Plan is a one-step approval plan naming approver, for tests that submit
// through the repository rather than app.Reports.
func Plan(approver domain.EmployeeID) domain.Plan {
	return domain.Plan{Steps: []domain.PlanStep{{Step: 1, Name: "主管审批", Mode: domain.ModeAny, State: domain.StepWaiting,
		Approvers: []domain.PlanApprover{{ID: approver, Name: string(approver), Decision: domain.DecisionPending}}}}}
}

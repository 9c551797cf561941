package domain_test

import (
	"errors"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
)

func TestNewEmployee(t *testing.T) {
	e, err := domain.NewEmployee(domain.EmployeeData{
		ID: "emp-li", Name: " 李雷 ", ManagerID: "mgr-zhao", Roles: []domain.Role{domain.RoleFinance, domain.RoleFinance},
		Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: "wx1", OpenID: "oLI"}},
	}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "李雷" || !e.Active() || !e.HasRole(domain.RoleEmployee) || !e.HasRole(domain.RoleFinance) || len(e.Roles()) != 2 {
		t.Fatalf("%+v", e.Data())
	}
	if id, ok := e.Identity(domain.ChannelOA, "wx1"); !ok || id.OpenID != "oLI" {
		t.Fatal("identity not found")
	}
	if _, ok := e.Identity(domain.ChannelWork, "wx1"); ok {
		t.Fatal("identity found on the wrong channel")
	}
	if err := e.SetIdentity(domain.Identity{Channel: domain.ChannelOA, AppID: "wx1", OpenID: "oLI2"}, t0); err != nil {
		t.Fatal(err)
	}
	if id, _ := e.Identity(domain.ChannelOA, "wx1"); id.OpenID != "oLI2" || len(e.Identities()) != 1 {
		t.Fatal("identity not replaced")
	}
	e.Deactivate(t0)
	if e.Active() {
		t.Fatal("still active")
	}

	for _, d := range []domain.EmployeeData{
		{ID: "Emp Li", Name: "x"},
		{ID: "", Name: "x"},
		{ID: "emp-li", Name: " "},
		{ID: "emp-li", Name: "x", ManagerID: "emp-li"},
		{ID: "emp-li", Name: "x", Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: "wx1"}}},
		{ID: "emp-li", Name: "x", Identities: []domain.Identity{{Channel: domain.ChannelWork, AppID: "ww1", OpenID: "o"}}},
		{ID: "emp-li", Name: "x", Identities: []domain.Identity{{Channel: "qq", AppID: "a", OpenID: "o"}}},
	} {
		if _, err := domain.NewEmployee(d, t0); !errors.Is(err, domain.ErrInvalidInput) {
			t.Errorf("%+v accepted: %v", d, err)
		}
	}
}

func TestIDs(t *testing.T) {
	a, b := domain.NewInvoiceID(t0), domain.NewInvoiceID(t0.Add(1e6))
	if len(a) != 28 || a[:4] != "inv_" || a == b || a > b {
		t.Fatalf("ids %s %s", a, b)
	}
	if r := domain.NewReportID(t0); r[:4] != "rpt_" {
		t.Fatal(r)
	}
	if domain.ReportNumber(2026, 123) != "BX-2026-000123" {
		t.Fatal(domain.ReportNumber(2026, 123))
	}
}

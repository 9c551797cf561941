package app_test

import (
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

func TestReadEmployeesCSV(t *testing.T) {
	in := "\uFEFFID,Name,roles,manager_id,active,work_userid\n" +
		"emp-a,甲,approver;finance,,是,UserA\n" +
		"\n" + // blank lines are skipped, line numbers still count
		"emp-b,\"乙\n(two lines)\",,emp-a,false,\n" +
		"Bad Id,丙,,,,\n" +
		"emp-d,丁,boss,,,\n" +
		"emp-e,,,,,\n" +
		"emp-f,戊,,,maybe,\n"
	recs, err := app.ReadEmployeesCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("%d records", len(recs))
	}
	a := recs[0]
	if a.Err != nil || a.Line != 2 || a.ID != "emp-a" || *a.Change.Name != "甲" || len(*a.Change.Roles) != 2 ||
		!*a.Change.Active || *a.WorkUserID != "UserA" || a.OAOpenID != nil || a.Change.Department != nil || *a.Change.ManagerID != "" {
		t.Fatalf("row a: %+v", a)
	}
	b := recs[1]
	if b.Err != nil || b.Line != 4 || *b.Change.ManagerID != "emp-a" || *b.Change.Active || len(*b.Change.Roles) != 0 {
		t.Fatalf("row b: %+v", b)
	}
	for i, want := range map[int]struct {
		line  int
		field string
	}{2: {6, "id"}, 3: {7, "roles"}, 4: {8, "name"}, 5: {9, "active"}} {
		r := recs[i]
		if r.Line != want.line || r.Err == nil || !strings.Contains(r.Err.Error(), want.field) {
			t.Errorf("record %d: line %d err %v, want line %d about %s", i, r.Line, r.Err, want.line, want.field)
		}
	}

	for _, bad := range []struct{ in, want string }{
		{"", "empty"},
		{"name\nx\n", `lacks the "id" column`},
		{"id,name,colour\n", `unknown column "colour"`},
		{"id,name,name\n", "twice"},
		{"id,name\n\"emp-a,x\n", "line 2"},
	} {
		if _, err := app.ReadEmployeesCSV(strings.NewReader(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.in, err, bad.want)
		}
	}
	recs, err = app.ReadEmployeesCSV(strings.NewReader("id,name\nemp-x,\xff\xfe\n"))
	if err != nil || recs[0].Err == nil || !strings.Contains(recs[0].Err.Error(), "UTF-8") {
		t.Errorf("GBK bytes: %v %v", err, recs)
	}
}

func TestEmployeeIDFromLogin(t *testing.T) {
	for login, want := range map[string]domain.EmployeeID{
		"ZhangSan":                     "zhangsan",
		"zhang.san@corp":               "zhang.san-corp",
		"_x":                           "u_x",
		"oSBXzYSSB_RINXPW7YH1TX81-o6p": "osbxzyssb_rinxpw7yh1tx81-o6p",
		strings.Repeat("a", 80):        domain.EmployeeID(strings.Repeat("a", 64)),
	} {
		if got := app.EmployeeIDFromLogin(login); got != want {
			t.Errorf("%q → %q, want %q", login, got, want)
		}
	}
	for _, login := range []string{"张三", "--", "@"} {
		id := app.EmployeeIDFromLogin(login)
		if _, err := domain.ParseEmployeeID(string(id)); err != nil {
			t.Errorf("%q → %q: %v", login, id, err)
		}
	}
}

func TestReadEmployeesCSVEmail(t *testing.T) {
	recs, err := app.ReadEmployeesCSV(strings.NewReader("id,name,email\nemp-a,甲, A.Jia@Example.COM \nemp-b,乙,\nemp-c,丙,not-an-address\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := recs[0]; r.Err != nil || *r.Change.Email != "a.jia@example.com" {
		t.Fatalf("row a: %+v", r)
	}
	if r := recs[1]; r.Err != nil || *r.Change.Email != "" {
		t.Fatalf("row b: an empty email clears it: %+v", r)
	}
	if r := recs[2]; r.Err == nil || !strings.Contains(r.Err.Error(), "email") {
		t.Fatalf("row c: %+v", r)
	}
}

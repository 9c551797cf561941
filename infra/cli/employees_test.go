package cli_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/width"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/cli"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// empCLI runs `baoxiao employees …` on db and answers its output and error.
func empCLI(t *testing.T, db testkit.DB, args ...string) (string, error) {
	t.Helper()
	cfg, err := config.Load("", []string{
		"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = cli.Run(context.Background(), "employees", args, cli.Env{
		Cfg: cfg, Log: slog.New(slog.DiscardHandler), Stdout: &out, Stderr: &out,
	})
	return out.String(), err
}

func empFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "employees.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func empIDs(t *testing.T, db testkit.DB) []string {
	t.Helper()
	es, err := store.New(db.DB).Employees.List(context.Background(), "", 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, string(e.ID()))
	}
	return out
}

// demoDirectory gives db the demo company's employees, seeded by the
// service in sandbox mode as `make run` does.
func demoDirectory(t *testing.T, db testkit.DB) {
	t.Helper()
	cfg, err := config.Load("", []string{
		"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(context.Background(), cfg, db.DB, service.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
}

// exportRows is `employees export` keyed by employee id.
func exportRows(t *testing.T, db testkit.DB) map[string][]string {
	t.Helper()
	out, err := empCLI(t, db, "export")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]string{}
	for _, r := range rows[1:] {
		m[r[0]] = r
	}
	return m
}

// The example in testdata is safe to try on the demo data, as the README
// shows it (issue 19: it cleared demo openids and added a deactivated
// employee): it adds people, one a manager after their reports, on both
// channels, with a BOM, and changes no demo employee.
func TestEmployeesImportExportRoundTrip(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		demoDirectory(t, db)
		demo := exportRows(t, db)
		if len(demo) != len(sandbox.DemoUsers) || demo["emp-wang"][8] == "" {
			t.Fatalf("demo directory %v", demo)
		}
		example, err := filepath.Abs("../../testdata/employees.csv")
		if err != nil {
			t.Fatal(err)
		}
		out, err := empCLI(t, db, "import", example, "--dry-run")
		if err != nil || !strings.Contains(out, "5 rows: 5 would be created, 0 would be updated, 0 unchanged, 0 failed") ||
			!strings.Contains(out, "dry run: nothing was changed") {
			t.Fatalf("dry run: %v\n%s", err, out)
		}
		if ids := empIDs(t, db); len(ids) != len(demo) {
			t.Fatalf("a dry run saved %v", ids)
		}

		out, err = empCLI(t, db, "import", example)
		if err != nil || !strings.Contains(out, "5 rows: 5 created, 0 updated, 0 unchanged, 0 failed") {
			t.Fatalf("import: %v\n%s", err, out)
		}
		after := exportRows(t, db)
		for id, row := range demo {
			if strings.Join(after[id], ",") != strings.Join(row, ",") {
				t.Errorf("demo employee %s changed:\n%q\n%q", id, row, after[id])
			}
		}
		for id, row := range after {
			if row[5] != "true" {
				t.Errorf("%s is deactivated", id)
			}
		}
		s := store.New(db.DB)
		zhang, err := s.Employees.Get(context.Background(), "emp-zhang")
		if err != nil {
			t.Fatal(err)
		}
		id, ok := zhang.Identity(domain.ChannelWork, config.SandboxWorkCorpID)
		if zhang.Name() != "张伟" || zhang.ManagerID() != "mgr-qian" || !ok || id.UserID != "ZhangWei" || !zhang.Active() {
			t.Fatalf("emp-zhang %+v", zhang.Data())
		}
		if qian, _ := s.Employees.Get(context.Background(), "mgr-qian"); !qian.HasRole(domain.RoleApprover) || qian.ManagerID() != "mgr-zhao" {
			t.Fatalf("mgr-qian %+v", qian.Data())
		}
		if huang, _ := s.Employees.Get(context.Background(), "emp-huang"); len(huang.Identities()) != 1 || huang.Identities()[0].Channel != domain.ChannelOA {
			t.Fatalf("emp-huang %+v", huang.Data())
		}

		first, err := empCLI(t, db, "export")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(first, "id,name,department,roles,manager_id,active,oa_openid,work_userid,work_openid,email\n") {
			t.Fatalf("export:\n%s", first)
		}
		// The export imports as "unchanged" and exports the same again.
		out, err = empCLI(t, db, "import", empFile(t, first))
		if err != nil || !strings.Contains(out, "12 rows: 0 created, 0 updated, 12 unchanged, 0 failed") {
			t.Fatalf("re-import: %v\n%s", err, out)
		}
		again, _ := empCLI(t, db, "export", "--bom")
		if again != "\uFEFF"+first {
			t.Fatalf("second export differs:\n%s\n---\n%s", first, again)
		}

		list, err := empCLI(t, db, "list")
		if err != nil || !strings.Contains(list, "emp-zhang") || !strings.Contains(list, "work:ZhangWei") {
			t.Fatalf("list: %v\n%s", err, list)
		}
		// Chinese names and departments do not push the columns out of
		// line on a terminal (issue 19).
		lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
		for _, l := range lines[1:] {
			if got, want := columnOf(l, " true "), columnOf(lines[0], " ACTIVE "); got != want {
				t.Errorf("ACTIVE at column %d, true at %d:\n%s\n%s", want, got, lines[0], l)
			}
		}
	})
}

// columnOf is the terminal column at which sub starts in line: East Asian
// wide characters take two.
func columnOf(line, sub string) int {
	i := strings.Index(line, sub)
	if i < 0 {
		return -1
	}
	n := 0
	for _, r := range line[:i] {
		n++
		if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
			n++
		}
	}
	return n
}

func TestEmployeesImportBadRows(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		testkit.AddEmployee(t, s, "mgr-zhao", "", domain.RoleApprover)
		taken, err := domain.NewEmployee(domain.EmployeeData{ID: "emp-taken", Name: "占用", Identities: []domain.Identity{
			{Channel: domain.ChannelOA, AppID: config.SandboxOAAppID, OpenID: "o-taken"},
		}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Employees.Add(context.Background(), taken); err != nil {
			t.Fatal(err)
		}
		file := empFile(t, "id,name,manager_id,oa_openid\n"+
			"emp-a,甲,mgr-zhao,oA\n"+ // good
			"emp-b,乙,nobody,\n"+ // line 3: unknown approver
			"emp-c,丙,mgr-zhao,oA\n"+ // line 4: openid twice in the file
			"emp-d,丁,emp-b,\n"+ // line 5: its approver's row failed
			"emp-e,戊,,o-taken\n"+ // line 6: emp-taken's openid
			"emp-f,,,\n"+ // line 7: no name
			"emp-g,己,emp-a,\n") // good: approver in the same file

		out, err := empCLI(t, db, "import", file)
		if err == nil || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("all-or-nothing: %v\n%s", err, out)
		}
		for _, want := range []string{
			`line 3: emp-b: manager_id: there is no employee "nobody"`,
			"line 4: emp-c: oa_openid: also on line 2",
			"line 5: emp-d: manager_id: the row of emp-b (line 3) failed",
			"line 6: emp-e: identities: this WeChat account already belongs to another employee",
			"line 7: emp-f: name: required",
			"7 rows: 2 would be created, 0 would be updated, 0 unchanged, 5 failed",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if ids := empIDs(t, db); len(ids) != 2 {
			t.Fatalf("all-or-nothing saved %v", ids)
		}

		out, err = empCLI(t, db, "import", "--partial", file)
		if err == nil || !strings.Contains(err.Error(), "the other rows were saved") {
			t.Fatalf("partial: %v\n%s", err, out)
		}
		if ids := strings.Join(empIDs(t, db), " "); ids != "emp-a emp-g emp-taken mgr-zhao" {
			t.Fatalf("partial saved %s", ids)
		}

		// Updates: a deactivation, a cleared approver, a new identity.
		out, err = empCLI(t, db, "import", empFile(t, "id,name,active,manager_id,oa_openid\nemp-a,甲,false,,oA2\nemp-g,己,,emp-a,\n"))
		if err != nil || !strings.Contains(out, "line 2: emp-a updated") || !strings.Contains(out, "line 3: emp-g unchanged") {
			t.Fatalf("update: %v\n%s", err, out)
		}
		a, _ := s.Employees.Get(context.Background(), "emp-a")
		if id, _ := a.Identity(domain.ChannelOA, config.SandboxOAAppID); a.Active() || a.ManagerID() != "" || id.OpenID != "oA2" {
			t.Fatalf("emp-a %+v", a.Data())
		}
	})
}

func TestEmployeesCLIUsage(t *testing.T) {
	db := testkit.SQLite(t)
	for _, args := range [][]string{{}, {"frobnicate"}, {"import"}, {"list", "--partial"}, {"export", "x.csv"}} {
		if _, err := empCLI(t, db, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if _, err := empCLI(t, db, "import", filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Error("a missing file was accepted")
	}
	if _, err := empCLI(t, db, "import", empFile(t, "id,name,colour\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad header: %v", err)
	}
}

// A name or department that a spreadsheet would run as a formula is
// written defused (the finance export's rule, app.DefuseCell), and the
// export still imports back unchanged (issue 15 item 9).
func TestEmployeesExportDefusesFormulas(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		const name = `=HYPERLINK("http://evil","x")`
		file := empFile(t, "id,name,department\n"+
			`emp-evil,"`+strings.ReplaceAll(name, `"`, `""`)+`",+cmd|' /C calc'!A0`+"\n"+
			"emp-at,@SUM(A1),-1\n"+
			"emp-quote,'=already quoted,普通部门\n")
		if out, err := empCLI(t, db, "import", file); err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		evil, err := store.New(db.DB).Employees.Get(context.Background(), "emp-evil")
		if err != nil || evil.Name() != name {
			t.Fatalf("stored name %q (%v)", evil.Name(), err)
		}

		exported, err := empCLI(t, db, "export")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(exported)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, r := range rows[1:] {
			got[r[0]] = r
		}
		for id, want := range map[string][2]string{
			"emp-evil":  {"'" + name, `'+cmd|' /C calc'!A0`},
			"emp-at":    {"'@SUM(A1)", "'-1"},
			"emp-quote": {"'=already quoted", "普通部门"},
		} {
			if r := got[id]; len(r) < 3 || r[1] != want[0] || r[2] != want[1] {
				t.Errorf("%s: name, department = %q, want %q", id, r, want)
			}
		}
		for _, r := range rows[1:] {
			for _, cell := range r {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: cell %q starts a formula", r[0], cell)
				}
			}
		}

		// The defused file is still the import format: nothing changes.
		out, err := empCLI(t, db, "import", empFile(t, exported))
		if err != nil || !strings.Contains(out, "3 rows: 0 created, 0 updated, 3 unchanged, 0 failed") {
			t.Fatalf("re-import: %v\n%s", err, out)
		}
		// A file's '= reads as =, as a spreadsheet shows it.
		q, _ := store.New(db.DB).Employees.Get(context.Background(), "emp-quote")
		if q.Name() != "=already quoted" {
			t.Fatalf("emp-quote name %q", q.Name())
		}
	})
}

// Excel on Chinese Windows saves "CSV" as GB18030: such a file imports
// (issue 19: "the row is not UTF-8"), names intact, four-byte GB18030
// characters too; a file in neither encoding, or UTF-8 with a damaged
// byte, is refused with its line and the fix, never imported as mojibake.
func TestEmployeesImportGB18030(t *testing.T) {
	db := testkit.SQLite(t)
	const content = "id,name,department\nemp-gb,王𠀾芳,市场部\nemp-gb2,李娜,销售部\n" // 𠀾: four bytes in GB18030
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(content)
	if err != nil {
		t.Fatal(err)
	}
	if utf8.ValidString(gb) {
		t.Fatal("the GB18030 file is valid UTF-8: it tests nothing")
	}
	out, err := empCLI(t, db, "import", empFile(t, gb))
	if err != nil || !strings.Contains(out, "read as GB18030") || !strings.Contains(out, "2 rows: 2 created") {
		t.Fatalf("GB18030 import: %v\n%s", err, out)
	}
	s := store.New(db.DB)
	if e, err := s.Employees.Get(context.Background(), "emp-gb"); err != nil || e.Name() != "王𠀾芳" || e.Department() != "市场部" {
		t.Fatalf("emp-gb: %v %+v", err, e)
	}

	// UTF-8 still reads as UTF-8, with no note.
	out, err = empCLI(t, db, "import", empFile(t, "id,name\nemp-u8,赵磊\n"))
	if err != nil || strings.Contains(out, "GB18030") {
		t.Fatalf("UTF-8 import: %v\n%s", err, out)
	}

	for file, want := range map[string]string{
		"id,name\nemp-a,王芳\nemp-b,李娜\nemp-c,陈\xff静\n": "line 4: not UTF-8, though the rest of the file is",
		"id,name\nemp-a,a\nemp-c,\x81\xff\n":          "line 3: the file is neither UTF-8 nor GB18030",
	} {
		out, err := empCLI(t, db, "import", empFile(t, file))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"CSV UTF-8"`) {
			t.Errorf("%q: %v, want %q\n%s", file, err, want, out)
		}
	}
	if ids := empIDs(t, db); len(ids) != 3 {
		t.Fatalf("refused files saved rows: %v", ids)
	}
}

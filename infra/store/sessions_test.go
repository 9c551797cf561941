package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Session rows (issue 15): read by hash, ended one by one or per
// employee, tidied after expiry; and a change of an employee's roles or a
// deactivation ends their sessions in the change's transaction, while
// other changes leave them.
func TestSessionRows(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		st := store.New(db.DB)
		s := store.NewSessions(db.DB)
		testkit.AddEmployee(t, st, "emp-li", "")
		testkit.AddEmployee(t, st, "emp-wang", "")
		add := func(hash string, id domain.EmployeeID, expires time.Time) {
			t.Helper()
			if err := s.Add(ctx, app.SessionRecord{IDHash: hash, EmployeeID: id, CreatedAt: testkit.Now, ExpiresAt: expires}); err != nil {
				t.Fatal(err)
			}
		}
		alive := func(hash string, want bool) {
			t.Helper()
			_, err := s.Get(ctx, hash)
			if got := err == nil; got != want || err != nil && !errors.Is(err, domain.ErrNotFound) {
				t.Fatalf("session %s: %v, want alive=%v", hash, err, want)
			}
		}
		later := testkit.Now.Add(time.Hour)
		add("li-1", "emp-li", later)
		add("li-2", "emp-li", later)
		add("wang-1", "emp-wang", later)
		if r, err := s.Get(ctx, "li-1"); err != nil || r.EmployeeID != "emp-li" || !r.ExpiresAt.Equal(later) {
			t.Fatalf("get: %+v %v", r, err)
		}
		alive("LI-1", false) // hashes compare byte for byte

		if err := s.Delete(ctx, "li-1"); err != nil {
			t.Fatal(err)
		}
		alive("li-1", false)
		alive("li-2", true)

		update := func(id domain.EmployeeID, change func(*domain.EmployeeData)) {
			t.Helper()
			if _, err := st.Employees.Update(ctx, id, func(e *domain.Employee) error {
				d := e.Data()
				change(&d)
				*e = *domain.RestoreEmployee(d)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		update("emp-li", func(d *domain.EmployeeData) { d.Name, d.Department = "李娜", "财务部" })
		alive("li-2", true)
		update("emp-li", func(d *domain.EmployeeData) { d.Roles = append(d.Roles, domain.RoleApprover) })
		alive("li-2", false)
		alive("wang-1", true)

		add("li-3", "emp-li", later)
		update("emp-li", func(d *domain.EmployeeData) { d.Active = false })
		alive("li-3", false)

		add("wang-2", "emp-wang", later)
		if n, err := s.DeleteEmployee(ctx, "emp-wang"); err != nil || n != 2 {
			t.Fatalf("delete emp-wang's: %d %v", n, err)
		}
		alive("wang-1", false)

		add("old", "emp-wang", testkit.Now.Add(-time.Minute))
		add("new", "emp-wang", later)
		if err := s.DeleteBefore(ctx, testkit.Now); err != nil {
			t.Fatal(err)
		}
		alive("old", false)
		alive("new", true)
	})
}

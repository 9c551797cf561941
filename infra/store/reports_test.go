package store_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

var (
	liActor  = domain.Actor{ID: "emp-li", Roles: []domain.Role{domain.RoleEmployee}}
	mgrActor = domain.Actor{ID: "mgr-zhao", Roles: []domain.Role{domain.RoleEmployee, domain.RoleApprover}}
)

func TestReportsLifecycle(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		testkit.AddEmployee(t, s, "mgr-zhao", "", domain.RoleApprover)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")
		a, b := testkit.AddInvoice(t, s, li, 1), testkit.AddInvoice(t, s, li, 2)

		r := testkit.AddReport(t, s, li, a, b)
		if r.Number() != "BX-2026-000001" || r.Total().String() != "212.00" || r.Version() != 0 {
			t.Fatalf("created %s total %s v%d", r.Number(), r.Total(), r.Version())
		}
		if r2 := testkit.AddReport(t, s, li); r2.Number() != "BX-2026-000002" {
			t.Fatalf("second number %s", r2.Number())
		}
		if inv, _ := s.Invoices.Get(ctx, a.ID()); inv.ReportID() != r.ID() {
			t.Fatalf("invoice report = %q", inv.ReportID())
		}

		got, err := s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error { return r.Submit(liActor, testkit.Plan("mgr-zhao"), testkit.Now) })
		if err != nil || got.Status() != domain.ReportSubmitted || got.Version() != 1 || got.SubmittedAt().IsZero() {
			t.Fatalf("submit: %v", err)
		}
		got, err = s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error { return r.Reject(mgrActor, "缺发票抬头", testkit.Now) })
		if err != nil || got.Status() != domain.ReportRejected {
			t.Fatalf("reject: %v", err)
		}
		h := got.History()
		if len(h) != 3 || h[2].Action != domain.ActionReject || h[2].Comment != "缺发票抬头" || h[2].Actor != "mgr-zhao" ||
			h[2].From != domain.ReportSubmitted || h[2].To != domain.ReportRejected || !h[2].At.Equal(testkit.Now) {
			t.Fatalf("history %+v", h)
		}

		// Edit after rejection: drop b; b becomes free again.
		got, err = s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error {
			invs, err := s.Invoices.GetMany(ctx, []domain.InvoiceID{a.ID()})
			if err != nil {
				return err
			}
			return r.Edit(liActor, nil, invs, testkit.Now)
		})
		if err != nil || got.Total().String() != "106.00" || len(got.InvoiceIDs()) != 1 {
			t.Fatalf("edit: %v", err)
		}
		if inv, _ := s.Invoices.Get(ctx, b.ID()); inv.ReportID() != "" {
			t.Fatal("removed invoice still in the report")
		}

		// Deleting releases the invoices but keeps the report and its trail.
		got, err = s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error { return r.Delete(liActor, testkit.Now) })
		if err != nil || got.Status() != domain.ReportDeleted {
			t.Fatalf("delete: %v", err)
		}
		if inv, _ := s.Invoices.Get(ctx, a.ID()); inv.ReportID() != "" {
			t.Fatal("deleted report still holds its invoice")
		}
		if len(got.History()) != 5 {
			t.Fatalf("history lost: %d", len(got.History()))
		}
		if _, err := s.Reports.Get(ctx, "rpt_missing"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatal(err)
		}
	})
}

func TestReportUpdateRollsBack(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")
		other := testkit.AddReport(t, s, li, testkit.AddInvoice(t, s, li, 1))
		r := testkit.AddReport(t, s, li, testkit.AddInvoice(t, s, li, 2))
		taken, _ := s.Invoices.Get(ctx, other.InvoiceIDs()[0])

		// The closure refuses: nothing is saved.
		boom := errors.New("boom")
		if _, err := s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error {
			title := "changed"
			if err := r.Edit(liActor, &title, nil, testkit.Now); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		// The database refuses half-way (invoice already in another report,
		// which the stale in-memory invoice does not show): nothing is saved.
		stale := domain.RestoreInvoice(func() domain.InvoiceData { d := taken.Data(); d.ReportID = ""; return d }())
		if _, err := s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error {
			title := "changed"
			return r.Edit(liActor, &title, []*domain.Invoice{stale}, testkit.Now)
		}); !errors.Is(err, domain.ErrInvoiceInReport) {
			t.Fatalf("err = %v", err)
		}
		got, _ := s.Reports.Get(ctx, r.ID())
		if got.Title() != "差旅报销" || got.Version() != 0 || len(got.History()) != 1 || got.InvoiceIDs()[0] != r.InvoiceIDs()[0] {
			t.Fatalf("a failed update left traces: %+v", got.Data())
		}
	})
}

// Two transactions race to put the same invoice into two reports: exactly
// one wins and the loser's report is unchanged.
func TestInvoiceJoinsOneReportUnderRace(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")
		for round := range 10 {
			inv := testkit.AddInvoice(t, s, li, 100+round)
			reports := []*domain.Report{testkit.AddReport(t, s, li), testkit.AddReport(t, s, li)}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			start := make(chan struct{})
			for i, r := range reports {
				wg.Go(func() {
					<-start
					_, errs[i] = s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error {
						fresh, err := s.Invoices.Get(ctx, inv.ID())
						if err != nil {
							return err
						}
						return r.Edit(liActor, nil, []*domain.Invoice{fresh}, testkit.Now)
					})
				})
			}
			close(start)
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, domain.ErrInvoiceInReport):
					t.Fatalf("round %d: unexpected error %v", round, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d reports got the invoice", round, won)
			}
			holders := 0
			for _, r := range reports {
				got, _ := s.Reports.Get(ctx, r.ID())
				holders += len(got.InvoiceIDs())
				if len(got.InvoiceIDs()) == 0 && (got.Version() != 0 || len(got.History()) != 1) {
					t.Fatalf("round %d: the loser's report changed", round)
				}
			}
			if holders != 1 {
				t.Fatalf("round %d: invoice held by %d reports", round, holders)
			}
		}
	})
}

// Two approvers act on a report loaded at the same version: the second
// save is a version conflict, not a lost update.
func TestReportVersionConflict(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")
		r := testkit.AddReport(t, s, li, testkit.AddInvoice(t, s, li, 1))
		if _, err := s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error { return r.Submit(liActor, testkit.Plan("mgr-zhao"), testkit.Now) }); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error {
					if i%2 == 0 {
						return r.Approve(mgrActor, "", testkit.Now)
					}
					return r.Withdraw(liActor, testkit.Now)
				})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, domain.ErrInvalidTransition) && !errors.Is(err, domain.ErrVersionConflict):
				t.Fatalf("unexpected error %v", err)
			}
		}
		got, _ := s.Reports.Get(ctx, r.ID())
		if ok != 1 || len(got.History()) != 3 || got.Version() != 2 {
			t.Fatalf("%d transitions succeeded; history %d, version %d", ok, len(got.History()), got.Version())
		}
	})
}

// InTx binds every repository to one transaction: a failure undoes all.
func TestInTxIsAllOrNothing(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")
		r := testkit.AddReport(t, s, li)
		boom := errors.New("boom")
		err := s.InTx(ctx, func(ctx context.Context, tx *store.Store) error {
			testkit.AddInvoice(t, tx, li, 1)
			if _, err := tx.Reports.Update(ctx, r.ID(), func(r *domain.Report) error {
				title := "first"
				return r.Edit(liActor, &title, nil, testkit.Now)
			}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		got, _ := s.Reports.Get(ctx, r.ID())
		if got.Title() != "差旅报销" || got.Version() != 0 {
			t.Fatalf("title %q version %d", got.Title(), got.Version())
		}
		if invs, _ := s.Invoices.ListByOwner(ctx, li.ID(), "", "", 10); len(invs) != 0 {
			t.Fatal("invoice added in a rolled-back transaction")
		}
	})
}

// List loads a page of reports in a few queries; each must come out as
// Get loads it alone, invoices in order and history included.
func TestReportListMatchesGet(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		testkit.AddEmployee(t, s, "mgr-zhao", "", domain.RoleApprover)
		li := testkit.AddEmployee(t, s, "emp-li", "mgr-zhao")
		wang := testkit.AddEmployee(t, s, "emp-wang", "mgr-zhao")
		a, b, c := testkit.AddInvoice(t, s, li, 1), testkit.AddInvoice(t, s, li, 2), testkit.AddInvoice(t, s, li, 3)
		r1 := testkit.AddReport(t, s, li, b, a)
		r2 := testkit.AddReport(t, s, li, c)
		testkit.AddReport(t, s, li)
		testkit.AddReport(t, s, wang)
		if _, err := s.Reports.Update(ctx, r2.ID(), func(r *domain.Report) error { return r.Submit(liActor, testkit.Plan("mgr-zhao"), testkit.Now) }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Reports.Update(ctx, r1.ID(), func(r *domain.Report) error {
			title := "改名"
			return r.Edit(liActor, &title, nil, testkit.Now)
		}); err != nil {
			t.Fatal(err)
		}
		list, err := s.Reports.List(ctx, app.ReportQuery{EmployeeID: li.ID(), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Fatalf("%d reports of emp-li, want 3", len(list))
		}
		for _, r := range list {
			one, err := s.Reports.Get(ctx, r.ID())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Data(), one.Data()) {
				t.Fatalf("listed:\n%+v\nalone:\n%+v", r.Data(), one.Data())
			}
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Approvals of different reports enqueue their invoices' CLOSURE at the
// same time. Each transaction supersedes older pending changes of its own
// invoices, then inserts: on InnoDB at REPEATABLE READ the supersede took
// a gap lock on outbox_invoice that the other's insert needed, and
// approvals failed with a deadlock (found by bench/load). None may fail.
func TestConcurrentEnqueues(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		const workers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each+2)
		// Two instances' workers deliver meanwhile: one's claim and the
		// other's result touch the same rows and indexes.
		stop := make(chan struct{})
		delivered := make(chan error, 2)
		for w := range 2 {
			go func() {
				for {
					items, err := s.Outbox.Claim(ctx, fmt.Sprint("w", w), testkit.Now.Add(time.Second), time.Minute, 3)
					for _, it := range items {
						if err == nil {
							err = s.Outbox.Finish(ctx, it.ID, it.Lease, app.OutboxAttempt{State: app.OutboxDone, Latency: time.Millisecond}, testkit.Now)
						}
					}
					select {
					case <-stop:
						delivered <- err
						return
					default:
						if err != nil {
							delivered <- err
							return
						}
					}
				}
			}()
		}
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					// Fresh, increasing invoice ids, as new invoices have.
					inv := domain.InvoiceID(fmt.Sprintf("inv_%02d%04d", i, w))
					errs <- s.InTx(ctx, func(ctx context.Context, tx *store.Store) error {
						return tx.Outbox.Enqueue(ctx, []app.StatusChange{
							{InvoiceID: inv, ReportID: "rpt_x", Channel: domain.ChannelOA, Target: domain.StatusClosure, Generation: 1},
							{InvoiceID: inv + "b", ReportID: "rpt_x", Channel: domain.ChannelOA, Target: domain.StatusClosure, Generation: 1},
						}, testkit.Now)
					})
				}
			})
		}
		wg.Wait()
		close(stop)
		errs <- <-delivered
		errs <- <-delivered
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.DB.NewSelect().Table("outbox").ColumnExpr("COUNT(*)").Where("state IN ('pending', 'done')").Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		if n != workers*each*2 {
			t.Fatalf("%d rows pending or done, want %d", n, workers*each*2)
		}
	})
}

// Two transactions that lock the same two rows in opposite orders
// deadlock on InnoDB, which rolls one back; InTx runs that one again, so
// both succeed.
func TestDeadlockVictimRunsAgain(t *testing.T) {
	db := testkit.MySQL(t)
	s := store.New(db.DB)
	li := testkit.AddEmployee(t, s, "emp-li", "")
	a, b := testkit.AddInvoice(t, s, li, 1).ID(), testkit.AddInvoice(t, s, li, 2).ID()
	var met sync.WaitGroup
	met.Add(2)
	var attempts atomic.Int32
	lockBoth := func(first, second domain.InvoiceID) error {
		return s.InTx(ctx, func(ctx context.Context, tx *store.Store) error {
			keep := func(*domain.Invoice) error { return nil }
			if _, err := tx.Invoices.Update(ctx, first, keep); err != nil {
				return err
			}
			if attempts.Add(1) <= 2 { // the first attempts each hold one row
				met.Done()
				met.Wait()
			}
			_, err := tx.Invoices.Update(ctx, second, keep)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- lockBoth(a, b) }()
	go func() { errs <- lockBoth(b, a) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := attempts.Load(); n != 3 {
		t.Fatalf("%d attempts, want 3: one deadlock victim, run again once", n)
	}
}

// A page of reports reads its sync states in one query; each report gets
// its own counts, and one with nothing outstanding is absent.
func TestSyncOfManyReports(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		change := func(inv, rpt string) app.StatusChange {
			return app.StatusChange{InvoiceID: domain.InvoiceID(inv), ReportID: domain.ReportID(rpt), Channel: domain.ChannelOA, Target: domain.StatusClosure, Generation: 1}
		}
		if err := s.Outbox.Enqueue(ctx, []app.StatusChange{change("inv_a1", "rpt_a"), change("inv_a2", "rpt_a"), change("inv_b1", "rpt_b"), change("inv_c1", "rpt_c")}, testkit.Now); err != nil {
			t.Fatal(err)
		}
		items, err := s.Outbox.Claim(ctx, "w", testkit.Now.Add(time.Second), time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			a := app.OutboxAttempt{State: app.OutboxDone}
			switch it.InvoiceID {
			case "inv_a2":
				a.State = app.OutboxFailed
			case "inv_a1", "inv_b1":
				a = app.OutboxAttempt{State: app.OutboxPending, Next: testkit.Now.Add(time.Hour)}
			}
			if err := s.Outbox.Finish(ctx, it.ID, it.Lease, a, testkit.Now); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Outbox.SyncOf(ctx, []domain.ReportID{"rpt_a", "rpt_b", "rpt_c", "rpt_none"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[domain.ReportID]app.SyncSummary{"rpt_a": {Pending: 1, Failed: 1}, "rpt_b": {Pending: 1}}
		if !maps.Equal(got, want) {
			t.Fatalf("sync %v, want %v", got, want)
		}
	})
}

// An instance named by a 200-character hostname delivers like any other:
// its claim token used to overflow lease_owner (VARCHAR(64)), and on
// MariaDB in strict mode every claim of that instance failed (1406).
func TestOutboxClaimByLongWorkerName(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		if err := s.Outbox.Enqueue(ctx, []app.StatusChange{{InvoiceID: "inv_1", ReportID: "rpt_1", Channel: domain.ChannelOA, Target: domain.StatusLock, Generation: 1}}, testkit.Now); err != nil {
			t.Fatal(err)
		}
		worker := strings.Repeat("build-host-", 18) + "-12345"
		items, err := s.Outbox.Claim(ctx, worker, testkit.Now.Add(time.Second), time.Minute, 10)
		if err != nil || len(items) != 1 {
			t.Fatalf("claim by a long name: %d %v", len(items), err)
		}
		if err := s.Outbox.Finish(ctx, items[0].ID, items[0].Lease, app.OutboxAttempt{State: app.OutboxDone, Latency: time.Millisecond}, testkit.Now); err != nil {
			t.Fatal(err)
		}
	})
}

// A finish whose claim was lost (lease ran out and another worker claimed
// the row, or the row was superseded) records nothing and says so.
func TestOutboxFinishLostClaim(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		change := func(inv string) app.StatusChange {
			return app.StatusChange{InvoiceID: domain.InvoiceID(inv), ReportID: "rpt_1", Channel: domain.ChannelOA, Target: domain.StatusLock, Generation: 1}
		}
		if err := s.Outbox.Enqueue(ctx, []app.StatusChange{change("inv_1"), change("inv_2")}, testkit.Now); err != nil {
			t.Fatal(err)
		}
		now := testkit.Now.Add(time.Second)
		a, err := s.Outbox.Claim(ctx, "a", now, 30*time.Second, 10)
		if err != nil || len(a) != 2 {
			t.Fatalf("a claimed %d %v", len(a), err)
		}
		// Renewed at 20 s, a holds both past its first lease.
		if lost, err := s.Outbox.Renew(ctx, a[0].Lease, []int64{a[0].ID, a[1].ID}, now.Add(20*time.Second), 30*time.Second); err != nil || len(lost) != 0 {
			t.Fatalf("renew: lost %v, %v", lost, err)
		}
		if b, _ := s.Outbox.Claim(ctx, "b", now.Add(40*time.Second), 30*time.Second, 10); len(b) != 0 {
			t.Fatalf("b claimed %d rows under a's renewed lease", len(b))
		}
		// Then a stalls: its lease runs out and b claims the rows.
		b, err := s.Outbox.Claim(ctx, "b", now.Add(time.Minute), 30*time.Second, 10)
		if err != nil || len(b) != 2 {
			t.Fatalf("b claimed %d %v", len(b), err)
		}
		if err := s.Outbox.Supersede(ctx, []domain.InvoiceID{"inv_2"}, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, it := range a {
			err := s.Outbox.Finish(ctx, it.ID, it.Lease, app.OutboxAttempt{State: app.OutboxFailed, Errcode: 72015, Message: "refused", Latency: time.Millisecond}, now.Add(time.Minute))
			if !errors.Is(err, app.ErrClaimLost) {
				t.Fatalf("a finished row %d: %v", it.ID, err)
			}
		}
		var attempts int
		if err := db.DB.NewSelect().Table("outbox_attempts").ColumnExpr("COUNT(*)").Scan(ctx, &attempts); err != nil {
			t.Fatal(err)
		}
		if attempts != 0 {
			t.Fatalf("%d attempts recorded by a lost claim", attempts)
		}
		pending, _ := s.Outbox.List(ctx, app.OutboxPending, 0, 10)
		if len(pending) != 1 || pending[0].InvoiceID != "inv_1" || pending[0].Attempts != 0 {
			t.Fatalf("pending after a's finish: %+v", pending)
		}
		if err := s.Outbox.Finish(ctx, b[0].ID, b[0].Lease, app.OutboxAttempt{State: app.OutboxDone, Latency: time.Millisecond}, now.Add(time.Minute)); err != nil {
			t.Fatalf("b's finish: %v", err)
		}
	})
}

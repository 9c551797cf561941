package store_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The write claims of the ordered write path: one owner at a time per
// invoice, taken over only once run out, and a lost claim reported to its
// old owner on renewal and release.
func TestWriteClaims(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		wc := store.NewWriteClaims(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "")
		a, b := testkit.AddInvoice(t, s, li, 1).ID(), testkit.AddInvoice(t, s, li, 2).ID()
		ids := []domain.InvoiceID{a, b}
		now, ttl := testkit.Now, 30*time.Second

		got, err := wc.Acquire(ctx, ids, "one", now, ttl)
		if err != nil || !slices.Equal(got, ids) {
			t.Fatalf("first acquire: %v %v", got, err)
		}
		if got, _ := wc.Acquire(ctx, ids, "two", now.Add(ttl-time.Second), ttl); len(got) != 0 {
			t.Fatalf("a held claim was taken: %v", got)
		}
		// Owner one renews a; b runs out and two takes it over.
		if lost, err := wc.Renew(ctx, []domain.InvoiceID{a}, "one", now.Add(2*ttl)); err != nil || len(lost) != 0 {
			t.Fatalf("renew: %v %v", lost, err)
		}
		got, err = wc.Acquire(ctx, ids, "two", now.Add(ttl+time.Second), ttl)
		if err != nil || !slices.Equal(got, []domain.InvoiceID{b}) {
			t.Fatalf("takeover: %v %v", got, err)
		}
		if lost, _ := wc.Renew(ctx, ids, "one", now.Add(3*ttl)); !slices.Equal(lost, []domain.InvoiceID{b}) {
			t.Fatalf("renew reports lost %v", lost)
		}
		if lost, _ := wc.Release(ctx, ids, "one"); !slices.Equal(lost, []domain.InvoiceID{b}) {
			t.Fatalf("release reports lost %v", lost)
		}
		// One's release left two's claim alone, and freed a.
		if got, _ := wc.Acquire(ctx, ids, "three", now.Add(ttl+2*time.Second), ttl); !slices.Equal(got, []domain.InvoiceID{a}) {
			t.Fatalf("after release: %v", got)
		}
		if lost, _ := wc.Release(ctx, []domain.InvoiceID{b}, "two"); len(lost) != 0 {
			t.Fatalf("two lost %v", lost)
		}
		// The claim is not part of the invoice: updates keep it, and it
		// does not bump the version.
		before, _ := s.Invoices.Get(ctx, a)
		if _, err := s.Invoices.Update(ctx, a, func(inv *domain.Invoice) error {
			_, err := inv.RequestStatus(domain.StatusLock, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if lost, _ := wc.Release(ctx, []domain.InvoiceID{a}, "three"); len(lost) != 0 {
			t.Fatalf("an update dropped the claim: lost %v", lost)
		}
		after, _ := s.Invoices.Get(ctx, a)
		if after.Version() != before.Version()+1 || after.Target() != domain.StatusLock {
			t.Fatalf("version %d→%d, target %s", before.Version(), after.Version(), after.Target())
		}
	})
}

// Ten writers race for the same invoices: each invoice goes to exactly one.
func TestWriteClaimsRace(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		wc := store.NewWriteClaims(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "")
		var ids []domain.InvoiceID
		for i := range 5 {
			ids = append(ids, testkit.AddInvoice(t, s, li, i+1).ID())
		}
		var mu sync.Mutex
		owners := map[domain.InvoiceID]int{}
		var wg sync.WaitGroup
		for w := range 10 {
			wg.Go(func() {
				got, err := wc.Acquire(ctx, ids, "writer-"+string(rune('a'+w)), testkit.Now, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, id := range got {
					owners[id]++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		for _, id := range ids {
			if owners[id] != 1 {
				t.Errorf("invoice %s claimed %d times", id, owners[id])
			}
		}
	})
}

package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Decisions on different reports enqueue at the same time, each in its
// own transaction with the report change. On InnoDB, superseding by an
// index search gap-locked and the inserts then deadlocked (found by the
// fault bench with concurrent withdrawals).
func TestConcurrentEnqueuesDoNotDeadlock(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		ctx := context.Background()
		for round := range 5 {
			const n = 12
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					inv := domain.InvoiceID(fmt.Sprintf("inv_r%di%02d", round, i))
					errs[i] = s.InTx(ctx, func(ctx context.Context, tx *store.Store) error {
						return tx.Outbox.Enqueue(ctx, []app.StatusChange{{
							InvoiceID: inv, ReportID: "rpt_1", Channel: domain.ChannelOA, OpenID: "o1",
							Ref: app.CardRef{CardID: "card", EncryptCode: string(inv)}, Target: domain.StatusInit, Generation: 1,
						}}, testkit.Now)
					})
				})
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
		}
		pending, err := db.DB.NewSelect().Table("outbox").Where("state = ?", "pending").Count(ctx)
		if err != nil || pending != 60 {
			t.Fatalf("pending %d, %v", pending, err)
		}
	})
}

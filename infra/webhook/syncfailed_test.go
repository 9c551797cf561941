package webhook_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/infra/webhook"
)

// A worker that fails a change for good after its claim was lost must not
// announce sync.failed: the row's new holder may well deliver it. The
// finish and the event are one transaction; the lost claim rolls both back.
func TestSyncFailedNotPublishedWhenClaimLost(t *testing.T) {
	ctx := context.Background()
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		st := store.New(db.DB)
		hooks := store.NewWebhooks(db.DB)
		now := testkit.Now
		if err := hooks.AddEndpoint(ctx, app.WebhookEndpoint{ID: "whk_sync", URL: "https://erp.example/hook", Events: []string{app.EventSyncFailed}, Active: true, SealedSecret: "x", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		changes := []app.StatusChange{
			{InvoiceID: "inv_1", ReportID: "rpt_1", Channel: domain.ChannelOA, Target: domain.StatusLock, Generation: 1},
			{InvoiceID: "inv_2", ReportID: "rpt_1", Channel: domain.ChannelOA, Target: domain.StatusLock, Generation: 1},
		}
		if err := st.Outbox.Enqueue(ctx, changes, now); err != nil {
			t.Fatal(err)
		}
		a := webhook.NewOutboxQueue(st)
		items, err := a.Claim(ctx, "a", now.Add(time.Second), 30*time.Second, 10)
		if err != nil || len(items) != 2 {
			t.Fatalf("a claimed %d %v", len(items), err)
		}
		// inv_1: a's lease runs out and b claims it. inv_2: superseded.
		if _, err := webhook.NewOutboxQueue(st).Claim(ctx, "b", now.Add(time.Minute), 30*time.Second, 1); err != nil {
			t.Fatal(err)
		}
		if err := st.Outbox.Supersede(ctx, []domain.InvoiceID{"inv_2"}, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			err := a.Finish(ctx, it.ID, it.Lease, app.OutboxAttempt{State: app.OutboxFailed, Errcode: 72015, Message: "refused", Latency: time.Millisecond}, now.Add(time.Minute))
			if !errors.Is(err, app.ErrClaimLost) {
				t.Fatalf("finish %s: %v, want ErrClaimLost", it.InvoiceID, err)
			}
		}
		ds, err := hooks.Deliveries(ctx, "", 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 0 {
			t.Fatalf("%d sync.failed deliveries queued by lost claims", len(ds))
		}

		// The holder's own failure still announces it.
		if err := st.Outbox.Enqueue(ctx, changes[:1], now); err != nil { // supersedes b's row of inv_1
			t.Fatal(err)
		}
		c := webhook.NewOutboxQueue(st)
		items, err = c.Claim(ctx, "c", now.Add(2*time.Minute), 30*time.Second, 10)
		if err != nil || len(items) != 1 {
			t.Fatalf("c claimed %d %v", len(items), err)
		}
		if err := c.Finish(ctx, items[0].ID, items[0].Lease, app.OutboxAttempt{State: app.OutboxFailed, Errcode: 72015, Message: "refused", Latency: time.Millisecond}, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if ds, _ := hooks.Deliveries(ctx, "", 0, 10); len(ds) != 1 || ds[0].EventType != app.EventSyncFailed {
			t.Fatalf("deliveries after the holder's failure: %+v", ds)
		}
	})
}

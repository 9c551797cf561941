package store_test

import (
	"context"
	"errors"
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

func TestSecretBox(t *testing.T) {
	box, err := store.NewSecretBox("data-key-1")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal("bxs_secret", "open_apps:app_1")
	if err != nil {
		t.Fatal(err)
	}
	if sealed == "bxs_secret" || len(sealed) < 20 {
		t.Fatalf("sealed %q", sealed)
	}
	if got, err := box.Open(sealed, "open_apps:app_1"); err != nil || got != "bxs_secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := box.Open(sealed, "open_apps:app_2"); err == nil {
		t.Fatal("opened with another row's aad")
	}
	other, _ := store.NewSecretBox("data-key-2")
	if _, err := other.Open(sealed, "open_apps:app_1"); err == nil {
		t.Fatal("opened with another data key")
	}
	if _, err := store.NewSecretBox(""); err == nil {
		t.Fatal("an empty data key was accepted")
	}
}

func TestAppsAndNonces(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		apps := store.NewApps(db.DB)
		now := testkit.Now
		rec := app.AppRecord{OpenApp: app.OpenApp{ID: "app_Ab", Name: "金蝶 ERP", CreatedAt: now}, SealedSecret: "v1:xyz"}
		if err := apps.AddApp(ctx, rec); err != nil {
			t.Fatal(err)
		}
		// App ids are case-sensitive (DECISIONS 17).
		if _, err := apps.App(ctx, "app_ab"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("app_ab: %v", err)
		}
		got, err := apps.App(ctx, "app_Ab")
		if err != nil || got.Name != "金蝶 ERP" || got.SealedSecret != "v1:xyz" || !got.Active() {
			t.Fatalf("app %+v %v", got, err)
		}
		if err := apps.RevokeApp(ctx, "app_Ab", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := apps.App(ctx, "app_Ab"); got.Active() || !got.RevokedAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("revoked %+v", got)
		}
		if err := apps.RevokeApp(ctx, "app_none", now); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}

		nonces := store.NewNonces(db.DB)
		if err := nonces.Remember(ctx, "app_Ab", "n:abc", now, now.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := nonces.Remember(ctx, "app_Ab", "n:abc", now.Add(time.Minute), now.Add(11*time.Minute)); !errors.Is(err, domain.ErrSignatureReplayed) {
			t.Fatalf("replay: %v", err)
		}
		// Nonces are per app and case-sensitive.
		for _, k := range [][2]string{{"app_other", "n:abc"}, {"app_Ab", "n:ABC"}} {
			if err := nonces.Remember(ctx, k[0], k[1], now, now.Add(10*time.Minute)); err != nil {
				t.Fatalf("%v: %v", k, err)
			}
		}
		// After its window a nonce may come again.
		if err := nonces.Remember(ctx, "app_Ab", "n:abc", now.Add(11*time.Minute), now.Add(21*time.Minute)); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		if err := nonces.DeleteExpired(ctx, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}

		// Of racing requests with one nonce, exactly one wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := nonces.Remember(ctx, "app_Ab", "n:race", now, now.Add(10*time.Minute))
				if err == nil {
					wins.Add(1)
				} else if !errors.Is(err, domain.ErrSignatureReplayed) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d winners", wins.Load())
		}
	})
}

func TestIdempotencyStore(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		idem := store.NewIdempotency(db.DB)
		now := testkit.Now
		stale := now.Add(-2 * time.Minute)
		if ans, err := idem.Reserve(ctx, "app_1", "k1", "POST /x", "h1", now, stale); ans != nil || err != nil {
			t.Fatalf("first: %v %v", ans, err)
		}
		// Running: the same key waits; another body conflicts.
		if _, err := idem.Reserve(ctx, "app_1", "k1", "POST /x", "h1", now, stale); !errors.Is(err, app.ErrIdempotencyConflict) {
			t.Fatalf("in progress: %v", err)
		}
		if _, err := idem.Reserve(ctx, "app_1", "k1", "POST /x", "h2", now, stale); !errors.Is(err, app.ErrIdempotencyConflict) {
			t.Fatalf("other body: %v", err)
		}
		if err := idem.Complete(ctx, "app_1", "k1", app.IdempotentAnswer{Status: 200, Body: []byte(`{"ok":"是"}`)}, now); err != nil {
			t.Fatal(err)
		}
		ans, err := idem.Reserve(ctx, "app_1", "k1", "POST /x", "h1", now, stale)
		if err != nil || ans == nil || ans.Status != 200 || string(ans.Body) != `{"ok":"是"}` {
			t.Fatalf("replay: %+v %v", ans, err)
		}
		if _, err := idem.Reserve(ctx, "app_1", "k1", "POST /y", "h1", now, stale); !errors.Is(err, app.ErrIdempotencyConflict) {
			t.Fatalf("other endpoint: %v", err)
		}
		// Keys are per app.
		if ans, err := idem.Reserve(ctx, "app_2", "k1", "POST /x", "h1", now, stale); ans != nil || err != nil {
			t.Fatalf("other app: %v %v", ans, err)
		}
		// A released key runs again; a stale reservation is taken over once.
		if err := idem.Release(ctx, "app_2", "k1"); err != nil {
			t.Fatal(err)
		}
		if ans, err := idem.Reserve(ctx, "app_2", "k1", "POST /x", "h1", now, stale); ans != nil || err != nil {
			t.Fatalf("after release: %v %v", ans, err)
		}
		later := now.Add(3 * time.Minute)
		if ans, err := idem.Reserve(ctx, "app_2", "k1", "POST /x", "h1", later, later.Add(-2*time.Minute)); ans != nil || err != nil {
			t.Fatalf("take over: %v %v", ans, err)
		}
		if _, err := idem.Reserve(ctx, "app_2", "k1", "POST /x", "h1", later, later.Add(-2*time.Minute)); !errors.Is(err, app.ErrIdempotencyConflict) {
			t.Fatalf("second take over: %v", err)
		}
		if err := idem.DeleteBefore(ctx, later.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWebhookQueue(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		hooks := store.NewWebhooks(db.DB)
		now := testkit.Now
		for _, e := range []app.WebhookEndpoint{
			{ID: "whk_all", URL: "http://erp.example/all", Active: true, CreatedAt: now, UpdatedAt: now, SealedSecret: "v1:a"},
			{ID: "whk_approved", URL: "http://erp.example/approved", Events: []string{app.EventReportApproved}, Active: true, CreatedAt: now, UpdatedAt: now, SealedSecret: "v1:b"},
		} {
			if err := hooks.AddEndpoint(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		// Published in a transaction that rolls back: nothing is queued.
		st := store.New(db.DB)
		errRollback := errors.New("rollback")
		err := st.InTx(ctx, func(ctx2 context.Context, tx *store.Store) error {
			if err := tx.Repos().Webhooks.Publish(ctx2, app.WebhookEvent{ID: "evt_0", Type: app.EventReportApproved, At: now}); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if err := hooks.Publish(ctx, app.WebhookEvent{ID: "evt_1", Type: app.EventReportSubmitted, At: now, Data: map[string]any{"x": 1}}); err != nil {
			t.Fatal(err)
		}
		if err := hooks.Publish(ctx, app.WebhookEvent{ID: "evt_2", Type: app.EventReportApproved, At: now}); err != nil {
			t.Fatal(err)
		}
		ds, err := hooks.Deliveries(ctx, "", 0, 50)
		if err != nil || len(ds) != 3 {
			t.Fatalf("deliveries %d %v", len(ds), err)
		}
		claimed, err := hooks.Claim(ctx, "w1", now, time.Minute, 10)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claimed %d %v", len(claimed), err)
		}
		if again, _ := hooks.Claim(ctx, "w2", now, time.Minute, 10); len(again) != 0 {
			t.Fatalf("claimed twice: %d", len(again))
		}
		d := claimed[0]
		if d.EventID != "evt_1" || d.EndpointID != "whk_all" || !jsonHas(string(d.Payload), `"type":"report.submitted"`, `"created_at":"2026-10-09T16:30:00+08:00"`, `"data":{"x":1}`) {
			t.Fatalf("delivery %+v %s", d, d.Payload)
		}
		// A stale lease cannot finish; the holder can.
		if err := hooks.Finish(ctx, d.ID, "w9/other", app.WebhookAttempt{State: app.WebhookDone}, now); !errors.Is(err, app.ErrClaimLost) {
			t.Fatalf("finish with a stale lease: %v", err)
		}
		if err := hooks.Finish(ctx, d.ID, d.Lease, app.WebhookAttempt{State: app.WebhookFailed, Status: 500, Error: "HTTP 500"}, now); err != nil {
			t.Fatal(err)
		}
		failed, _ := hooks.Deliveries(ctx, app.WebhookFailed, 0, 10)
		if len(failed) != 1 || failed[0].Attempts != 1 || failed[0].LastStatus != 500 {
			t.Fatalf("failed %+v", failed)
		}
		if err := hooks.RequeueDelivery(ctx, d.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := hooks.RequeueDelivery(ctx, d.ID, now); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("requeue a pending one: %v", err)
		}
		if err := hooks.DisableEndpoint(ctx, "whk_all", now); err != nil {
			t.Fatal(err)
		}
		if e, _ := hooks.Endpoint(ctx, "whk_all"); e.Active {
			t.Fatal("still active")
		}
	})
}

func TestQRSessions(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		qr := store.NewQRImports(db.DB)
		now := testkit.Now
		s := app.QRSession{Token: "tok-Ab", BizCode: "QR1", CreatedBy: "fin-chen", AnyEmployee: true, State: app.QRPending, CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
		if err := qr.AddSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := qr.Session(ctx, "tok-ab"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("tokens are case-sensitive: %v", err)
		}
		// Two phones race to claim: one wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for _, who := range []domain.EmployeeID{"emp-li", "emp-wang", "emp-zhou"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := qr.Move(ctx, "tok-Ab", []app.QRState{app.QRPending}, app.QRClaimed, who, domain.ChannelOA, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d phones claimed", wins.Load())
		}
		got, _ := qr.Session(ctx, "tok-Ab")
		if got.State != app.QRClaimed || got.EmployeeID == "" || got.ClaimedAt.IsZero() {
			t.Fatalf("claimed %+v", got)
		}
		// Only the bound phone starts the import, and only before expiry.
		if ok, _ := qr.Move(ctx, "tok-Ab", []app.QRState{app.QRClaimed}, app.QRImporting, "nobody", "", now); ok {
			t.Fatal("another employee started the import")
		}
		if ok, _ := qr.Move(ctx, "tok-Ab", []app.QRState{app.QRClaimed}, app.QRImporting, got.EmployeeID, "", now.Add(6*time.Minute)); ok {
			t.Fatal("started after expiry")
		}
		if ok, _ := qr.Move(ctx, "tok-Ab", []app.QRState{app.QRClaimed}, app.QRImporting, got.EmployeeID, "", now); !ok {
			t.Fatal("the bound phone could not start")
		}
		if ok, _ := qr.Move(ctx, "tok-Ab", []app.QRState{app.QRImporting}, app.QRDone, "", "", now.Add(6*time.Minute)); !ok {
			t.Fatal("an import begun in time could not finish")
		}
		if c, err := qr.CreatedSession(ctx, "QR1", "fin-chen"); err != nil || c.State != app.QRDone || c.DoneAt.IsZero() {
			t.Fatalf("created session %+v %v", c, err)
		}
		if _, err := qr.CreatedSession(ctx, "QR1", "emp-li"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("another's session: %v", err)
		}

		// bizCode links skip deleted invoices and keep the first link.
		st := store.New(db.DB)
		owner := testkit.AddEmployee(t, st, "emp-li", "")
		a, b := testkit.AddInvoice(t, st, owner, 1), testkit.AddInvoice(t, st, owner, 2)
		if err := qr.LinkBizCode(ctx, "QR1", "", []domain.InvoiceID{a.ID(), b.ID(), a.ID()}, now); err != nil {
			t.Fatal(err)
		}
		if err := qr.LinkBizCode(ctx, "BX-ERP-7", "app_1", []domain.InvoiceID{b.ID()}, now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := st.Invoices.Delete(ctx, a.ID()); err != nil {
			t.Fatal(err)
		}
		ids, err := qr.InvoicesOfBizCode(ctx, "QR1")
		if err != nil || len(ids) != 1 || ids[0] != b.ID() {
			t.Fatalf("invoices of QR1: %v %v", ids, err)
		}
		codes, err := qr.BizCodes(ctx, []domain.InvoiceID{b.ID()})
		if err != nil || codes[b.ID()] != "BX-ERP-7" {
			t.Fatalf("codes %v %v", codes, err)
		}
		if err := qr.DeleteSessionsBefore(ctx, now.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
}

func jsonHas(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

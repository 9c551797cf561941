package service_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// These tests force one interleaving each (issue 14): the Gate holds a
// WeChat call of one writer at a chosen point while another writer runs,
// then lets it go. Each failed on the code before the ordered write path.

const (
	statusBatch = "updatestatusbatch"
	lockWire    = "INVOICE_REIMBURSE_LOCK"
	initWire    = "INVOICE_REIMBURSE_INIT"
)

// world is an app driven by hand: no background worker, a gate on its
// WeChat calls and a clock the test moves.
type world struct {
	*testkit.AppServer
	gate  *testkit.Gate
	clock *testkit.Clock
	li    *testkit.Client
	mgr   *testkit.Client
	// busy hears each time a writer finds another's claims and waits.
	busy chan struct{}
}

func newWorld(t *testing.T, db testkit.DB) *world {
	gate, clock := testkit.NewGate(), testkit.NewClock()
	a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithService(func(o *service.Options) {
		o.WeChatHTTP, o.Clock = gate.Client(), clock
	}))
	w := &world{AppServer: a, gate: gate, clock: clock, li: a.Login(t, "emp-li"), mgr: a.Login(t, "mgr-zhao"), busy: make(chan struct{}, 64)}
	a.Svc.Fence.OnBusy(func() {
		select {
		case w.busy <- struct{}{}:
		default:
		}
	})
	return w
}

// async runs fn in its own goroutine; the channel gets its error, or is
// closed without one if the goroutine was killed at a gate.
func async(fn func() error) chan error {
	out := make(chan error, 1)
	go func() {
		finished := false
		defer func() {
			if !finished {
				close(out)
			}
		}()
		err := fn()
		finished = true
		out <- err
	}()
	return out
}

func waitFor(t *testing.T, s *testkit.Stop) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !s.Wait(ctx) {
		t.Fatal("the call never reached the gate")
	}
}

// waiting reports whether the writer behind ch waits for another's
// claims: it returns once the fence says the writer found them held (it
// cannot finish before they are released), or false if the writer
// finished first, without waiting. A result taken off ch is put back for
// the test's own receive.
func (w *world) waiting(t *testing.T, ch chan error) bool {
	t.Helper()
	select {
	case <-w.busy:
		return true
	case err, ok := <-ch:
		if ok {
			ch <- err
		}
		return false
	case <-time.After(10 * time.Second):
		t.Fatal("the writer neither waited for the claims nor finished")
		return false
	}
}

func recorded(t *testing.T, a *testkit.AppServer, inv map[string]any) *domain.Invoice {
	t.Helper()
	got, err := a.Svc.Store.Invoices.Get(context.Background(), domain.InvoiceID(inv["id"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// settled runs the worker to quiescence and checks every invoice is where
// want says in WeChat and in our record.
func (w *world) settled(t *testing.T, invs []map[string]any, want string) {
	t.Helper()
	w.clock.Advance(10 * time.Minute) // every lease and backoff is over
	w.RunOutbox(t)
	wantStatuses(t, w.AppServer, invs, want)
	for _, inv := range invs {
		if got := recorded(t, w.AppServer, inv).Status(); string(got) != want {
			t.Fatalf("invoice %s: our record says %s, WeChat %s", inv["id"], got, want)
		}
	}
}

func reportID(r map[string]any) domain.ReportID { return domain.ReportID(r["id"].(string)) }

// withdrawn files n invoices in a report, submits and withdraws it: its
// unlock is queued, not yet sent.
func (w *world) withdrawn(t *testing.T, n int) ([]map[string]any, map[string]any) {
	t.Helper()
	invs := importN(t, w.AppServer, w.li, n)
	r := createReport(t, w.li, invs)
	act(t, w.li, r, "submit", nil, http.StatusOK)
	act(t, w.li, r, "withdraw", nil, http.StatusOK)
	return invs, r
}

// workerRound runs one worker round in its own goroutine.
func (w *world) workerRound() chan error {
	return async(func() error { _, err := w.Svc.Worker.RunOnce(context.Background()); return err })
}

// submit submits r for its owner in its own goroutine.
func (w *world) submit(r map[string]any) chan error {
	return async(func() error {
		_, err := w.Svc.Reports.Submit(context.Background(), "emp-li", reportID(r))
		return err
	})
}

// 1. Withdraw queues INIT; a worker takes the row and is held before it
// sends; the employee resubmits. The resubmit's lock must land after the
// stale unlock, not before it.
func TestStaleUnlockHeldBeforeSendCannotOvertakeResubmit(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs, r := w.withdrawn(t, 2)

		stop := w.gate.StopAt(testkit.Before, statusBatch, initWire)
		worker := w.workerRound()
		waitFor(t, stop)
		submit := w.submit(r)
		if !w.waiting(t, submit) {
			t.Error("the resubmit did not wait for the unlock in flight")
		}
		stop.Release()
		if err := <-worker; err != nil {
			t.Fatal(err)
		}
		if err := <-submit; err != nil {
			t.Fatal(err)
		}
		w.settled(t, invs, "LOCK")
	})
}

// 1b. The same with the unlock applied in WeChat and its answer held: the
// worker has sent but not finished when the resubmit comes. (The unlock
// lands first here, so this one held before too; it guards the record.)
func TestStaleUnlockHeldAfterSendCannotOvertakeResubmit(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs, r := w.withdrawn(t, 2)

		stop := w.gate.StopAt(testkit.After, statusBatch, initWire)
		worker := w.workerRound()
		waitFor(t, stop)
		submit := w.submit(r)
		stop.Release()
		if err := <-worker; err != nil {
			t.Fatal(err)
		}
		if err := <-submit; err != nil {
			t.Fatal(err)
		}
		w.settled(t, invs, "LOCK")
	})
}

// 2. A resubmit is held between its lock (applied in WeChat) and its
// commit while a worker picks up the withdraw's unlock: the unlock must
// not be sent over the lock.
func TestSubmitHeldBetweenLockAndCommit(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs, r := w.withdrawn(t, 2)

		// The withdraw's unlock has not gone out yet: WeChat says LOCK.
		stop := w.gate.StopAt(testkit.After, statusBatch, lockWire)
		submit := w.submit(r)
		waitFor(t, stop)
		if _, err := w.Svc.Worker.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		stop.Release()
		if err := <-submit; err != nil {
			t.Fatal(err)
		}
		w.settled(t, invs, "LOCK")
	})
}

// 2b. A submit dies between its lock and its commit. The unlock it queued
// before locking falls due when its claim runs out, and a worker sends it:
// nothing stays locked for a report that was never submitted.
func TestSubmitKilledBetweenLockAndCommit(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs := importN(t, w.AppServer, w.li, 2)
		r := createReport(t, w.li, invs)

		stop := w.gate.StopAt(testkit.After, statusBatch, lockWire)
		submit := w.submit(r)
		waitFor(t, stop)
		wantStatuses(t, w.AppServer, invs, "LOCK")
		stop.Kill()
		if _, ok := <-submit; ok {
			t.Fatal("the submit was not killed")
		}
		w.settled(t, invs, "INIT")
		got := w.li.Do(http.MethodGet, "/api/v1/reports/"+string(reportID(r)), nil)
		if got.JSON["status"] != "draft" {
			t.Fatalf("report %v", got.JSON["status"])
		}
		// Once the dead submit's claim has run out, the employee submits.
		act(t, w.li, r, "submit", nil, http.StatusOK)
		w.settled(t, invs, "LOCK")
	})
}

// 3. Approve re-reads WeChat and is held there; the owner withdraws and
// the unlock goes out. The approval is then refused and nothing closes.
// (This one held before the write path too: decide re-checks the report
// in its transaction. It stays as a guard.)
func TestApproveRacingWithdraw(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs := importN(t, w.AppServer, w.li, 2)
		r := createReport(t, w.li, invs)
		act(t, w.li, r, "submit", nil, http.StatusOK)

		stop := w.gate.StopAt(testkit.After, "getinvoicebatch")
		approve := async(func() error {
			_, err := w.Svc.Reports.Approve(context.Background(), "mgr-zhao", reportID(r), "")
			return err
		})
		waitFor(t, stop)
		act(t, w.li, r, "withdraw", nil, http.StatusOK)
		w.RunOutbox(t)
		stop.Release()
		if err := <-approve; !domain.ErrInvalidTransition.Is(asDomain(err)) {
			t.Fatalf("approve after withdraw: %v", err)
		}
		w.settled(t, invs, "INIT")
	})
}

func asDomain(err error) error {
	var de *domain.Error
	if err != nil && errors.As(err, &de) {
		return de
	}
	return err
}

// 4. Two ERP status calls on a free invoice: the first (INIT) is held
// before WeChat sees it, the second (LOCK) comes meanwhile. WeChat must
// end at the second's target, the newest decision.
func TestERPStatusCallsAreOrdered(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs := importN(t, w.AppServer, w.li, 1)
		id := []domain.InvoiceID{domain.InvoiceID(invs[0]["id"].(string))}
		ctx := context.Background()
		if _, err := w.Svc.ERP.SetStatus(ctx, id, domain.StatusLock); err != nil {
			t.Fatal(err)
		}

		stop := w.gate.StopAt(testkit.Before, statusBatch, initWire)
		first := async(func() error { _, err := w.Svc.ERP.SetStatus(ctx, id, domain.StatusInit); return err })
		waitFor(t, stop)
		second := async(func() error { _, err := w.Svc.ERP.SetStatus(ctx, id, domain.StatusLock); return err })
		if !w.waiting(t, second) {
			t.Error("the second ERP call did not wait for the first")
		}
		stop.Release()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatal(err)
		}
		w.settled(t, invs, "LOCK")
	})
}

// 4b. An ERP call dies after WeChat applied it, before it recorded
// anything: its queued change is delivered by a worker once due.
func TestERPStatusCallKilledAfterSend(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs := importN(t, w.AppServer, w.li, 1)
		id := []domain.InvoiceID{domain.InvoiceID(invs[0]["id"].(string))}
		stop := w.gate.StopAt(testkit.After, statusBatch, lockWire)
		call := async(func() error { _, err := w.Svc.ERP.SetStatus(context.Background(), id, domain.StatusLock); return err })
		waitFor(t, stop)
		stop.Kill()
		if _, ok := <-call; ok {
			t.Fatal("not killed")
		}
		w.settled(t, invs, "LOCK")
	})
}

// 5. An event's re-read of WeChat is held after it read INIT (the report
// was withdrawn, and our record had not caught up); the employee
// resubmits. The old read must not overwrite the record of the newer lock.
func TestEventReadRacingResubmit(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs, r := w.withdrawn(t, 1)
		// The unlock reaches WeChat, and its worker dies before recording
		// it: our record says LOCK, WeChat INIT.
		sent := w.gate.StopAt(testkit.After, statusBatch, initWire)
		worker := w.workerRound()
		waitFor(t, sent)
		sent.Kill()
		<-worker

		inv := recorded(t, w.AppServer, invs[0])
		f := inv.Facts()
		stop := w.gate.StopAt(testkit.After, "getinvoiceinfo")
		event := async(func() error {
			return w.Svc.Events.InvoiceStatusChanged(context.Background(), app.InvoiceEvent{
				Channel: f.Channel, OpenID: f.OwnerOpenID, CreateTime: time.Now().Unix(), CardID: f.CardID, Code: "plain", Status: initWire,
			})
		})
		waitFor(t, stop)
		submit := w.submit(r)
		w.waiting(t, submit)
		stop.Release()
		if err := <-event; err != nil {
			t.Fatal(err)
		}
		if err := <-submit; err != nil {
			t.Fatal(err)
		}
		w.settled(t, invs, "LOCK")
	})
}

// 6. A worker's claim runs out while its call is held (a stall longer than
// the claim); another writer takes the invoice over and writes; then the
// stalled call lands. The stalled writer finds its claim lost when it
// releases and queues the newest target again.
func TestLostClaimIsFollowedByTheNewestTarget(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs, r := w.withdrawn(t, 1)

		stop := w.gate.StopAt(testkit.Before, statusBatch, initWire)
		worker := w.workerRound()
		waitFor(t, stop)
		// The stall outlasts the claim: the resubmit takes it over.
		w.clock.Advance(time.Hour)
		if _, err := w.Svc.Reports.Submit(context.Background(), "emp-li", reportID(r)); err != nil {
			t.Fatal(err)
		}
		stop.Release() // the stale unlock lands after the lock
		if err := <-worker; err != nil {
			t.Fatal(err)
		}
		w.settled(t, invs, "LOCK")
	})
}

// 7. A report holding an invoice its issuer cancelled: reject and withdraw
// go through and skip it; removing it from the submitted report works and
// the rest can be approved; approving with it stays refused.
func TestCancelledInvoiceInASubmittedReport(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs := importN(t, w.AppServer, w.li, 3)
		r := createReport(t, w.li, invs)
		act(t, w.li, r, "submit", nil, http.StatusOK)
		cancel := func(inv map[string]any) {
			if res := w.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
				"card_id": inv["card_id"], "encrypt_code": inv["encrypt_code"], "reimburse_status": "INVOICE_REIMBURSE_CANCEL",
			}); res.Status != http.StatusOK {
				t.Fatalf("cancel: %d %s", res.Status, res.Body)
			}
		}
		cancel(invs[0])
		// Approval re-reads WeChat, finds the CANCEL and records it.
		if res := act(t, w.mgr, r, "approve", nil, http.StatusConflict); res.ErrorCode() != "invoice.cancelled" {
			t.Fatalf("approve: %s", res.Body)
		}
		calls := len(w.Sandbox(t, http.MethodGet, "/_control/calls?path="+statusBatch, nil).JSON["items"].([]any))
		act(t, w.li, r, "withdraw", nil, http.StatusOK)
		w.settled(t, invs[1:], "INIT")
		if got := recorded(t, w.AppServer, invs[0]).Status(); got != domain.StatusCancel {
			t.Fatalf("cancelled invoice recorded %s", got)
		}
		for _, c := range w.Sandbox(t, http.MethodGet, "/_control/calls?path="+statusBatch, nil).JSON["items"].([]any)[calls:] {
			if body, _ := c.(map[string]any)["body"].(string); body != "" && strings.Contains(body, invs[0]["encrypt_code"].(string)) {
				t.Fatalf("an unlock was sent for the cancelled invoice: %s", body)
			}
		}
		hist := w.li.Do(http.MethodGet, "/api/v1/reports/"+string(reportID(r)), nil).JSON["history"].([]any)
		if last := hist[len(hist)-1].(map[string]any); last["action"] != "cancelled" {
			t.Fatalf("history %v", last)
		}

		// The owner takes it out and resubmits the rest; then the issuer
		// cancels a second one while the report is under review.
		cur := w.li.Do(http.MethodGet, "/api/v1/reports/"+string(reportID(r)), nil).JSON
		if res := w.li.Do(http.MethodPatch, "/api/v1/reports/"+string(reportID(r)), map[string]any{
			"version": cur["version"], "invoice_ids": ids(invs[1:]),
		}); res.Status != http.StatusOK {
			t.Fatalf("edit the withdrawn report: %d %s", res.Status, res.Body)
		}
		r2 := r
		act(t, w.li, r2, "submit", nil, http.StatusOK)
		cancel(invs[1])
		if res := act(t, w.mgr, r2, "approve", nil, http.StatusConflict); res.ErrorCode() != "invoice.cancelled" {
			t.Fatalf("approve: %s", res.Body)
		}
		// needs_attention says to remove it: a submitted report may lose it.
		cur = w.li.Do(http.MethodGet, "/api/v1/reports/"+string(reportID(r2)), nil).JSON
		res := w.li.Do(http.MethodPatch, "/api/v1/reports/"+string(reportID(r2)), map[string]any{
			"version": cur["version"], "invoice_ids": []string{invs[2]["id"].(string)},
		})
		if res.Status != http.StatusOK || res.JSON["status"] != "submitted" {
			t.Fatalf("remove the cancelled invoice: %d %s", res.Status, res.Body)
		}
		// Removing an invoice that is not cancelled stays refused.
		res = w.li.Do(http.MethodPatch, "/api/v1/reports/"+string(reportID(r2)), map[string]any{
			"version": res.JSON["version"], "invoice_ids": []string{},
		})
		if res.Status != http.StatusConflict && res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("remove a locked invoice from a submitted report: %d %s", res.Status, res.Body)
		}
		act(t, w.mgr, r2, "approve", nil, http.StatusOK)
		w.settled(t, invs[2:], "CLOSURE")
	})
}

// 8. Approval needs WeChat to confirm every invoice: one it cannot read
// refuses the approval and changes nothing.
func TestApproveRefusesAnInvoiceWeChatCannotConfirm(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs := importN(t, w.AppServer, w.li, 2)
		r := createReport(t, w.li, invs)
		act(t, w.li, r, "submit", nil, http.StatusOK)
		// WeChat no longer knows the card we hold for the first invoice.
		if _, err := db.DB.NewUpdate().Table("invoices").Set("encrypt_code = ?", "no-longer-in-any-wallet").
			Where("id = ?", invs[0]["id"]).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := act(t, w.mgr, r, "approve", nil, http.StatusServiceUnavailable)
		if res.ErrorCode() != "wechat.unavailable" {
			t.Fatalf("approve: %s", res.Body)
		}
		if got := w.li.Do(http.MethodGet, "/api/v1/reports/"+string(reportID(r)), nil).JSON["status"]; got != "submitted" {
			t.Fatalf("status %v", got)
		}
		if n := w.Pending(t); n != 0 {
			t.Fatalf("%d changes queued", n)
		}
	})
}

// A 200-character host name (the instance name in leases and write
// claims) still submits, delivers and claims: on MariaDB, whose strict
// mode refuses a value longer than its column, every claim of such an
// instance used to fail.
func TestLongInstanceName(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		long := strings.Repeat("报销-instance-", 20)[:200] + "-4242"
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithService(func(o *service.Options) {
			o.Worker.ID, o.WorkerID = long, long
		}))
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 2)
		r := createReport(t, li, invs)
		act(t, li, r, "submit", nil, http.StatusOK)
		act(t, mgr, r, "approve", nil, http.StatusOK)
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "CLOSURE")
	})
}

// 2c. A submit is held after its lock until its claim on the report has
// run out; a second submit of the same report claims it and waits for the
// invoices. The first must not commit over the second (it is refused and
// undoes its lock); the second then submits, and nothing it decided is
// undone by the first.
func TestSubmitThatOutlivedItsClaim(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		w.Svc.Fence.TTL = time.Hour // the invoices' claims outlast the report's
		invs, r := w.withdrawn(t, 2)
		w.RunOutbox(t)

		stop := w.gate.StopAt(testkit.After, statusBatch, lockWire)
		first := w.submit(r)
		waitFor(t, stop)
		w.clock.Advance(3 * time.Minute) // the first submit's claim on the report ran out
		second := w.submit(r)
		if !w.waiting(t, second) {
			t.Fatalf("the second submit did not wait for the invoices: %v", <-second)
		}
		stop.Release()
		if err := <-first; !domain.ErrVersionConflict.Is(asDomain(err)) {
			t.Fatalf("the submit that outlived its claim: %v", err)
		}
		if err := <-second; err != nil {
			t.Fatalf("second submit: %v", err)
		}
		w.settled(t, invs, "LOCK")
		if got := w.li.Do(http.MethodGet, "/api/v1/reports/"+string(reportID(r)), nil).JSON["status"]; got != "submitted" {
			t.Fatalf("report %v", got)
		}
	})
}

// A submit outlives its claims while its lock is held; a second submit
// takes them over and locks. The first one's commit is refused and it
// unlocks — behind the second one's lock — and re-asserts before the
// second commits. The second must not record its lock as what WeChat
// holds: it queues it again, and LOCK is what WeChat ends with.
func TestStaleSubmitUnlocksBehindAnotherSubmitsLock(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		w := newWorld(t, db)
		invs, r := w.withdrawn(t, 2)
		w.RunOutbox(t)

		first := w.gate.StopAt(testkit.After, statusBatch, lockWire)
		firstDone := w.submit(r)
		waitFor(t, first)
		w.clock.Advance(3 * time.Minute) // the report's and the invoices' claims ran out
		second := w.gate.StopAt(testkit.After, statusBatch, lockWire)
		secondDone := w.submit(r)
		waitFor(t, second) // WeChat holds the second submit's lock

		first.Release()
		if err := <-firstDone; !domain.ErrVersionConflict.Is(asDomain(err)) {
			t.Fatalf("the submit that outlived its claim: %v", err)
		}
		wantStatuses(t, w.AppServer, invs, "INIT") // the stale unlock landed behind the lock
		second.Release()
		if err := <-secondDone; err != nil {
			t.Fatalf("second submit: %v", err)
		}
		w.settled(t, invs, "LOCK")
	})
}

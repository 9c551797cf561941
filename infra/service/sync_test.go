package service_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// One invoice locked by another company: the submit fails with the
// culprit named, and nothing stays locked.
func TestSubmitRefusedLeavesNothingLocked(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		invs := importN(t, a, li, 3)
		report := createReport(t, li, invs)
		taken := invs[1]
		if res := a.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
			"card_id": taken["card_id"], "encrypt_code": taken["encrypt_code"],
			"reimburse_status": "INVOICE_REIMBURSE_LOCK", "locked_by_appid": "wxothercompany00001",
		}); res.Status != http.StatusOK {
			t.Fatalf("lock elsewhere: %d %s", res.Status, res.Body)
		}
		res := act(t, li, report, "submit", nil, http.StatusConflict)
		if res.ErrorCode() != "report.submit_refused" {
			t.Fatalf("code %s", res.ErrorCode())
		}
		refused := res.JSON["error"].(map[string]any)["details"].(map[string]any)["invoices"].([]any)
		if len(refused) != 1 {
			t.Fatalf("refused %v", refused)
		}
		r := refused[0].(map[string]any)
		if r["invoice_id"] != taken["id"] || r["errcode"] != float64(72023) || r["code"] != "invoice.locked_elsewhere" || r["invoice_number"] != taken["invoice_number"] {
			t.Fatalf("refusal %v", r)
		}
		wantStatuses(t, a, []map[string]any{invs[0], invs[2]}, "INIT")
		if got := li.Do(http.MethodGet, "/api/v1/reports/"+report["id"].(string), nil).JSON; got["status"] != "draft" {
			t.Fatalf("status %v", got["status"])
		}
		// The claim was released: once the blocker is gone, submit works.
		a.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
			"card_id": taken["card_id"], "encrypt_code": taken["encrypt_code"], "reimburse_status": "INVOICE_REIMBURSE_INIT", "locked_by_appid": "",
		})
		act(t, li, report, "submit", nil, http.StatusOK)
		wantStatuses(t, a, invs, "LOCK")
	})
}

// With 30 % of WeChat's answers failing, every decision still reaches
// WeChat: approved → CLOSURE, rejected and withdrawn → INIT.
func TestFaultsEventuallyDelivered(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 6)
		var reports []map[string]any
		for i := 0; i < 6; i += 2 {
			r := createReport(t, li, invs[i:i+2])
			act(t, li, r, "submit", nil, http.StatusOK)
			reports = append(reports, r)
		}
		if res := a.Sandbox(t, http.MethodPost, "/_control/faults", map[string]any{
			"rate": 0.3, "errcodes": []int{-1, 72036}, "paths": []string{"reimburse"},
		}); res.Status != http.StatusOK {
			t.Fatalf("faults: %d %s", res.Status, res.Body)
		}
		// Approve re-reads WeChat; when WeChat stays busy it answers 503 and
		// changes nothing, so the approver tries again.
		for attempt := 0; ; attempt++ {
			res := mgr.Do(http.MethodPost, "/api/v1/reports/"+reports[0]["id"].(string)+"/approve", nil)
			if res.Status == http.StatusOK {
				break
			}
			if res.ErrorCode() != "wechat.unavailable" || attempt > 20 {
				t.Fatalf("approve: %d %s", res.Status, res.Body)
			}
		}
		act(t, mgr, reports[1], "reject", map[string]any{"reason": "重复报销"}, http.StatusOK)
		act(t, li, reports[2], "withdraw", nil, http.StatusOK)
		a.RunOutbox(t)
		a.Sandbox(t, http.MethodDelete, "/_control/faults", nil)

		wantStatuses(t, a, invs[0:2], "CLOSURE")
		wantStatuses(t, a, invs[2:6], "INIT")
		failed := a.Sandbox(t, http.MethodGet, "/_control/calls?path=updatestatusbatch", nil)
		if items, _ := failed.JSON["items"].([]any); len(items) < 3 {
			t.Fatalf("expected at least 3 batch calls, saw %d", len(items))
		}
	})
}

// A worker sends, then dies before it marks the row done. When its lease
// runs out another worker takes the row, finds WeChat already there and
// marks it done: nothing lost, nothing sent to a wrong state.
func TestCrashBetweenSendAndMark(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		// The worker's clock moves on when the test says, past the doomed
		// worker's lease, instead of the test sleeping through it.
		var ahead atomic.Int64
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithService(func(o *service.Options) {
			o.Worker.Now = func() time.Time { return time.Now().UTC().Add(time.Duration(ahead.Load())) }
		}))
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 2)
		report := createReport(t, li, invs)
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, mgr, report, "approve", nil, http.StatusOK)

		ctx := context.Background()
		claimed, err := a.Svc.Store.Outbox.Claim(ctx, "doomed", time.Now().UTC(), time.Second, 100)
		if err != nil || len(claimed) != 2 {
			t.Fatalf("claim: %d %v", len(claimed), err)
		}
		refs := []app.CardRef{claimed[0].Ref, claimed[1].Ref}
		if err := a.Svc.Channels[domain.ChannelOA].SetStatusBatch(ctx, claimed[0].OpenID, domain.StatusClosure, refs); err != nil {
			t.Fatal(err)
		}
		// The doomed worker never finishes. Its lease still holds:
		if n, _ := a.Svc.Worker.RunOnce(ctx); n != 0 {
			t.Fatalf("a leased row was claimed again (%d)", n)
		}
		ahead.Store(int64(2 * time.Second)) // the doomed lease (1 s) has run out
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "CLOSURE")
		rows, err := a.Svc.Store.Outbox.List(ctx, app.OutboxDone, 0, 10)
		if err != nil || len(rows) != 2 {
			t.Fatalf("done rows: %d %v", len(rows), err)
		}
		if got := li.Do(http.MethodGet, "/api/v1/reports/"+report["id"].(string), nil).JSON["sync"].(map[string]any)["state"]; got != "synced" {
			t.Fatalf("sync %v", got)
		}
	})
}

// Two workers on one database never send the same row twice.
func TestTwoWorkersNoDoubleSends(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		other := testkit.App(t, db, testkit.WithoutWorker()) // a second instance on the same database
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 6)
		for i := 0; i < 6; i += 2 {
			r := createReport(t, li, invs[i:i+2])
			act(t, li, r, "submit", nil, http.StatusOK)
			act(t, mgr, r, "approve", nil, http.StatusOK)
		}
		a.Sandbox(t, http.MethodDelete, "/_control/calls", nil)
		other.Sandbox(t, http.MethodDelete, "/_control/calls", nil)
		var wg sync.WaitGroup
		for _, inst := range []*testkit.AppServer{a, other} {
			wg.Go(func() {
				for range 20 {
					_, _ = inst.Svc.Worker.RunOnce(context.Background())
				}
			})
		}
		wg.Wait()
		wantStatuses(t, a, invs, "CLOSURE")
		// Each instance has its own embedded sandbox (on the shared
		// database); their call logs together are everything WeChat got.
		sent := 0
		for _, inst := range []*testkit.AppServer{a, other} {
			calls := inst.Sandbox(t, http.MethodGet, "/_control/calls?path=reimburse/update", nil)
			for _, c := range calls.JSON["items"].([]any) {
				sent += int(c.(map[string]any)["invoices"].(float64))
			}
		}
		if sent != len(invs) {
			t.Fatalf("%d invoice updates sent for %d invoices", sent, len(invs))
		}
	})
}

// The issuer red-flushes an invoice of a submitted report: WeChat pushes
// update_invoice_status, we record CANCEL, and approval is refused.
// emp-wang's invoices come through WeCom, whose pushes are encrypted.
func TestCancelEventBlocksApproval(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		for _, user := range []string{"emp-li", "emp-wang"} {
			t.Run(user, func(t *testing.T) { cancelEventBlocksApproval(t, db, user) })
		}
	})
}

func cancelEventBlocksApproval(t *testing.T, db testkit.DB, user string) {
	a := testkit.App(t, db, testkit.WithoutWorker())
	li, mgr := a.Login(t, user), a.Login(t, "mgr-zhao")
	invs := importN(t, a, li, 2)
	report := createReport(t, li, invs)
	act(t, li, report, "submit", nil, http.StatusOK)

	victim := invs[0]
	state := a.Sandbox(t, http.MethodGet, "/_control/invoice?card_id="+testkit.Query(victim["card_id"].(string))+
		"&encrypt_code="+testkit.Query(victim["encrypt_code"].(string)), nil)
	tok := a.Sandbox(t, http.MethodGet, "/cgi-bin/token?grant_type=client_credential&appid="+a.Cfg.WeChat.OA.AppID+
		"&secret="+a.Cfg.WeChat.OA.AppSecret.Reveal(), nil)
	res := a.Sandbox(t, http.MethodPost, "/card/invoice/platform/updatestatus?access_token="+tok.JSON["access_token"].(string), map[string]any{
		"card_id": victim["card_id"], "code": state.JSON["code"], "reimburse_status": "INVOICE_REIMBURSE_CANCEL",
	})
	if res.JSON["errcode"] != float64(0) {
		t.Fatalf("red-flush: %s", res.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := li.Do(http.MethodGet, "/api/v1/invoices/"+victim["id"].(string), nil).JSON
		if got["wechat_status"] == "CANCEL" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the CANCEL event was not applied; invoice says %v; pushes: %s", got["wechat_status"],
				a.Sandbox(t, http.MethodGet, "/_control/events", nil).Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if res := act(t, mgr, report, "approve", nil, http.StatusConflict); res.ErrorCode() != "invoice.cancelled" {
		t.Fatalf("approve: %s", res.Body)
	}
	got := li.Do(http.MethodGet, "/api/v1/reports/"+report["id"].(string), nil).JSON
	if attention, _ := got["needs_attention"].([]any); len(attention) != 1 {
		t.Fatalf("needs_attention %v", got["needs_attention"])
	}
	wantStatuses(t, a, invs[1:], "LOCK")
}

// Batching: a 100-invoice import takes 2 batch reads with chunk 50; its
// approval takes 2 batch updates.
func TestBatchingCounts(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		openid := me(t, li)["openid"].(string)
		var items []map[string]any
		for i := range 100 {
			res := a.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
				"owner_openid": openid, "channel": "oa", "type": "增值税电子普通发票", "payee": "批量测试商户",
				"fee": 1000 + i, "fee_without_tax": 1000 + i, "tax": 0, "title": "演示科技有限公司",
				"billing_time": 1760000000, "billing_no": fmt.Sprintf("9%07d", i), "billing_code": "044039990001",
			})
			if res.Status != http.StatusOK {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			items = append(items, map[string]any{"card_id": res.JSON["card_id"], "encrypt_code": res.JSON["encrypt_code"]})
		}
		a.Sandbox(t, http.MethodDelete, "/_control/calls", nil)
		res := li.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": items})
		imported, _ := res.JSON["imported"].([]any)
		if len(imported) != 100 {
			t.Fatalf("imported %d: %s", len(imported), res.Body)
		}
		reads := a.Sandbox(t, http.MethodGet, "/_control/calls?path=getinvoicebatch", nil).JSON["items"].([]any)
		if len(reads) != 2 {
			t.Fatalf("import made %d batch reads, want 2", len(reads))
		}
		var invs []map[string]any
		for _, v := range imported {
			invs = append(invs, v.(map[string]any))
		}
		report := createReport(t, li, invs)
		if report["total"] != "1049.50" { // 10.00 … 10.99, exact to the cent
			t.Fatalf("total %v", report["total"])
		}
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, mgr, report, "approve", nil, http.StatusOK)
		a.Sandbox(t, http.MethodDelete, "/_control/calls", nil)
		a.RunOutbox(t)
		updates := a.Sandbox(t, http.MethodGet, "/_control/calls?path=reimburse/update", nil).JSON["items"].([]any)
		if len(updates) != 2 {
			t.Fatalf("approval made %d update calls, want 2", len(updates))
		}
		t.Logf("100-invoice import: %d batch reads; 100-invoice approval: %d batch updates", len(reads), len(updates))
	})
}

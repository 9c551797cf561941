package service_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// wallet lists the INIT invoices in a demo user's wallet (sandbox control).
func wallet(t testing.TB, a *testkit.AppServer, openid string) []map[string]any {
	t.Helper()
	res := a.Sandbox(t, http.MethodGet, "/_control/wallets/"+openid, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("wallet %s: %d %s", openid, res.Status, res.Body)
	}
	var out []map[string]any
	items, _ := res.JSON["items"].([]any)
	for _, it := range items {
		m := it.(map[string]any)
		if m["reimburse_status"] == "INVOICE_REIMBURSE_INIT" {
			out = append(out, m)
		}
	}
	return out
}

// sandboxStatus is WeChat's status of one invoice, short form.
func sandboxStatus(t testing.TB, a *testkit.AppServer, inv map[string]any) string {
	t.Helper()
	res := a.Sandbox(t, http.MethodGet, fmt.Sprintf("/_control/invoice?card_id=%s&encrypt_code=%s",
		testkit.Query(inv["card_id"].(string)), testkit.Query(inv["encrypt_code"].(string))), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("sandbox invoice: %d %s", res.Status, res.Body)
	}
	s, _ := res.JSON["reimburse_status"].(string)
	return s[len("INVOICE_REIMBURSE_"):]
}

func me(t testing.TB, c *testkit.Client) map[string]any {
	t.Helper()
	res := c.Do(http.MethodGet, "/api/v1/me", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("me: %d %s", res.Status, res.Body)
	}
	return res.JSON
}

// importN imports the first n INIT invoices of the signed-in user's wallet.
func importN(t testing.TB, a *testkit.AppServer, c *testkit.Client, n int) []map[string]any {
	t.Helper()
	w := wallet(t, a, me(t, c)["openid"].(string))
	if len(w) < n {
		t.Fatalf("wallet has %d INIT invoices, want %d", len(w), n)
	}
	var items []map[string]any
	for _, inv := range w[:n] {
		items = append(items, map[string]any{"card_id": inv["card_id"], "encrypt_code": inv["encrypt_code"]})
	}
	res := c.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": items})
	if res.Status != http.StatusOK {
		t.Fatalf("import: %d %s", res.Status, res.Body)
	}
	imported, _ := res.JSON["imported"].([]any)
	if len(imported) != n {
		t.Fatalf("imported %d of %d: %s", len(imported), n, res.Body)
	}
	out := make([]map[string]any, n)
	for i, v := range imported {
		out[i] = v.(map[string]any)
	}
	return out
}

func ids(invs []map[string]any) []string {
	out := make([]string, len(invs))
	for i, inv := range invs {
		out[i] = inv["id"].(string)
	}
	return out
}

func createReport(t testing.TB, c *testkit.Client, invs []map[string]any) map[string]any {
	t.Helper()
	res := c.Do(http.MethodPost, "/api/v1/reports", map[string]any{"title": "十月差旅", "invoice_ids": ids(invs)})
	if res.Status != http.StatusCreated {
		t.Fatalf("create report: %d %s", res.Status, res.Body)
	}
	return res.JSON
}

func act(t testing.TB, c *testkit.Client, report map[string]any, action string, body any, want int) testkit.Response {
	t.Helper()
	res := c.Do(http.MethodPost, "/api/v1/reports/"+report["id"].(string)+"/"+action, body)
	if res.Status != want {
		t.Fatalf("%s: %d %s", action, res.Status, res.Body)
	}
	return res
}

func wantStatuses(t testing.TB, a *testkit.AppServer, invs []map[string]any, want string) {
	t.Helper()
	for _, inv := range invs {
		if got := sandboxStatus(t, a, inv); got != want {
			t.Fatalf("invoice %s is %s in WeChat, want %s", inv["id"], got, want)
		}
	}
}

func TestImportSubmitApprove(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		invs := importN(t, a, li, 3)
		for _, inv := range invs {
			if _, ok := inv["amount"].(string); !ok {
				t.Fatalf("amount is not a string: %v", inv["amount"])
			}
		}
		report := createReport(t, li, invs)
		if report["status"] != "draft" || report["number"] == "" {
			t.Fatalf("report %v", report)
		}
		act(t, li, report, "submit", nil, http.StatusOK)
		wantStatuses(t, a, invs, "LOCK")

		mgr := a.Login(t, "mgr-zhao")
		approved := act(t, mgr, report, "approve", map[string]any{"comment": "同意"}, http.StatusOK).JSON
		if approved["status"] != "approved" || approved["sync"].(map[string]any)["state"] != "pending" {
			t.Fatalf("approved %v", approved["sync"])
		}
		wantStatuses(t, a, invs, "LOCK") // not yet: the outbox delivers
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "CLOSURE")
		got := li.Do(http.MethodGet, "/api/v1/reports/"+report["id"].(string), nil).JSON
		if got["sync"].(map[string]any)["state"] != "synced" {
			t.Fatalf("sync %v", got["sync"])
		}
		for _, inv := range got["invoices"].([]any) {
			if inv.(map[string]any)["wechat_status"] != "CLOSURE" {
				t.Fatalf("our record says %v", inv.(map[string]any)["wechat_status"])
			}
		}
		// Approval is final.
		act(t, li, report, "withdraw", nil, http.StatusConflict)
	})
}

func TestRejectWithdrawResubmit(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 2)
		report := createReport(t, li, invs)

		act(t, li, report, "submit", nil, http.StatusOK)
		if res := act(t, mgr, report, "reject", map[string]any{"reason": " "}, http.StatusBadRequest); res.ErrorCode() != "request.invalid" {
			t.Fatal(res.ErrorCode())
		}
		act(t, mgr, report, "reject", map[string]any{"reason": "缺少行程单"}, http.StatusOK)
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "INIT")

		// Edit after rejection and submit again.
		r := li.Do(http.MethodGet, "/api/v1/reports/"+report["id"].(string), nil).JSON
		res := li.Do(http.MethodPatch, "/api/v1/reports/"+report["id"].(string), map[string]any{"version": r["version"], "title": "十月差旅（补行程单）"})
		if res.Status != http.StatusOK {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		stale := li.Do(http.MethodPatch, "/api/v1/reports/"+report["id"].(string), map[string]any{"version": r["version"], "title": "x"})
		if stale.Status != http.StatusConflict || stale.ErrorCode() != "conflict.version" {
			t.Fatalf("stale edit: %d %s", stale.Status, stale.Body)
		}
		act(t, li, report, "submit", nil, http.StatusOK)
		wantStatuses(t, a, invs, "LOCK")

		act(t, li, report, "withdraw", nil, http.StatusOK)
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "INIT")
		final := li.Do(http.MethodGet, "/api/v1/reports/"+report["id"].(string), nil).JSON
		if final["status"] != "withdrawn" || len(final["history"].([]any)) != 6 {
			t.Fatalf("final %v, history %d", final["status"], len(final["history"].([]any)))
		}
	})
}

// A stale unlock queued by a withdraw must not undo the lock of the
// resubmit that follows it (DECISIONS 7).
func TestResubmitSupersedesQueuedUnlock(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		invs := importN(t, a, li, 2)
		report := createReport(t, li, invs)
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, li, report, "withdraw", nil, http.StatusOK) // queues INIT
		act(t, li, report, "submit", nil, http.StatusOK)   // before the worker ran
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "LOCK")
	})
}

func TestDuplicateImportAcrossEmployeesAndChannels(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, wang := a.Login(t, "emp-li"), a.Login(t, "emp-wang")
		first := importN(t, a, li, 1)[0]

		// The same paper shows up in emp-wang's WeCom wallet.
		wangMe := me(t, wang)
		res := a.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
			"owner_openid": wangMe["openid"], "channel": "work",
			"card_id": "pDupCard", "type": "增值税电子普通发票", "payee": "重复测试商户",
			"user_info": map[string]any{
				"fee": 10600, "fee_without_tax": 10000, "tax": 600, "title": "演示科技有限公司",
				"billing_time": 1760000000, "billing_no": first["invoice_number"], "billing_code": first["invoice_code"],
			},
		})
		if res.Status != http.StatusOK {
			t.Fatalf("create duplicate: %d %s", res.Status, res.Body)
		}
		imp := wang.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": []map[string]any{
			{"card_id": res.JSON["card_id"], "encrypt_code": res.JSON["encrypt_code"]},
		}})
		failed, _ := imp.JSON["failed"].([]any)
		if imp.Status != http.StatusOK || len(failed) != 1 {
			t.Fatalf("import: %d %s", imp.Status, imp.Body)
		}
		e := failed[0].(map[string]any)["error"].(map[string]any)
		details, _ := e["details"].(map[string]any)
		if e["code"] != "invoice.duplicate" || details["imported_by"] == nil || details["owner_id"] != nil {
			t.Fatalf("duplicate error %v", e)
		}

		// Re-importing one's own invoice is idempotent.
		again := li.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": []map[string]any{
			{"card_id": first["card_id"], "encrypt_code": first["encrypt_code"]},
		}})
		imported, _ := again.JSON["imported"].([]any)
		if len(imported) != 1 || imported[0].(map[string]any)["id"] != first["id"] {
			t.Fatalf("re-import: %s", again.Body)
		}
	})
}

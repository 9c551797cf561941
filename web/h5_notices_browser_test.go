package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// submitted files and submits a report of one of user's wallet invoices
// through the API and answers its id.
func submitted(t *testing.T, app *testkit.AppServer, user, title string) string {
	t.Helper()
	c := app.Login(t, user)
	openid, _ := c.Do(http.MethodGet, "/api/v1/me", nil).JSON["openid"].(string)
	var item map[string]any
	for _, it := range app.Sandbox(t, http.MethodGet, "/_control/wallets/"+openid, nil).JSON["items"].([]any) {
		if m := it.(map[string]any); m["reimburse_status"] == initStatus {
			item = m
			break
		}
	}
	if item == nil {
		t.Fatalf("no INIT invoice in %s's wallet", user)
	}
	imp := c.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": []any{
		map[string]any{"card_id": item["card_id"], "encrypt_code": item["encrypt_code"]},
	}})
	imported, _ := imp.JSON["imported"].([]any)
	if imp.Status != http.StatusOK || len(imported) != 1 {
		t.Fatalf("import: %d %s", imp.Status, imp.Body)
	}
	rep := c.Do(http.MethodPost, "/api/v1/reports", map[string]any{"title": title, "invoice_ids": []any{imported[0].(map[string]any)["id"]}})
	if rep.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", rep.Status, rep.Body)
	}
	id := rep.JSON["id"].(string)
	if res := c.Do(http.MethodPost, "/api/v1/reports/"+id+"/submit", nil); res.Status != http.StatusOK {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}
	return id
}

// waitFor polls ok (the app's workers run apart) for up to 15 s.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestBrowserAdminRequeueNotice: a notice WeChat refused (40037) is in
// the admin page's failed list; its 重新投递 button queues it again and it
// reaches the owner.
func TestBrowserAdminRequeueNotice(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	if res := app.Sandbox(t, http.MethodPost, "/_control/faults", map[string]any{
		"rate": 1, "errcodes": []int{40037}, "paths": []string{"/message/template/send"},
	}); res.Status/100 != 2 {
		t.Fatalf("faults: %d %s", res.Status, res.Body)
	}
	id := submitted(t, app, "emp-li", "客户拜访")
	if res := app.Login(t, "mgr-zhao").Do(http.MethodPost, "/api/v1/reports/"+id+"/reject", map[string]any{"reason": "重填"}); res.Status != http.StatusOK {
		t.Fatalf("reject: %d %s", res.Status, res.Body)
	}
	admin := app.Login(t, "admin")
	waitFor(t, "the failed notice", func() bool {
		items, _ := admin.Do(http.MethodGet, "/api/v1/admin/notices?state=failed", nil).JSON["items"].([]any)
		return len(items) == 1
	})
	if res := app.Sandbox(t, http.MethodDelete, "/_control/faults", nil); res.Status/100 != 2 {
		t.Fatalf("clear faults: %d", res.Status)
	}

	b := startBrowser(t, app)
	tb := b.newTab("admin")
	tb.login("admin", "/h5/admin")
	row := `#notices-grid tr[data-event="rejected"]`
	tb.until("the failed notice", `!!document.querySelector('`+row+` button.requeue') && document.querySelector('`+row+`').textContent.includes('40037')`, nil)
	tb.screenshot("admin-failed-notices")
	tb.click(row + ` button.requeue`)
	tb.until("the list emptied", `!!document.getElementById('notices-empty')`, nil)
	waitFor(t, "the owner's template message", func() bool {
		items, _ := app.Sandbox(t, http.MethodGet, "/_control/messages?to="+testkit.Query("oSBXzYSSB_RINXPW7YH1TX81-o6p"), nil).JSON["items"].([]any)
		return len(items) == 1
	})
}

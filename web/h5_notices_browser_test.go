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

// TestBrowserInboxBell: the top bar's bell counts a new notice while the
// page is open (it looks again when the person comes back to the page),
// opening it lists the notice, marked new, and reads it: the count goes
// down, and the list shows it read the next time.
func TestBrowserInboxBell(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	id := submitted(t, app, "emp-li", "客户拜访")

	b := startBrowser(t, app)
	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	li.until("the bell, nothing unread", `!!document.getElementById('notices-bell') && document.getElementById('notices-unread').hidden`, nil)

	if res := app.Login(t, "mgr-zhao").Do(http.MethodPost, "/api/v1/reports/"+id+"/reject", map[string]any{"reason": "缺少行程单"}); res.Status != http.StatusOK {
		t.Fatalf("reject: %d %s", res.Status, res.Body)
	}
	li.eval(`window.dispatchEvent(new Event('focus')), true`, nil)
	badge := `document.getElementById('notices-unread')`
	li.until("the badge counting the notice", `!`+badge+`.hidden && `+badge+`.textContent === '1'`, nil)
	li.screenshot("inbox-badge")

	li.click("#notices-bell")
	item := `document.querySelector('#notices-list:not([hidden]) li.unread')`
	li.until("the notice listed", item+` && `+item+`.textContent.includes('报销单被驳回') && `+item+`.textContent.includes('缺少行程单')`, nil)
	li.until("the badge gone down", badge+`.hidden && `+badge+`.textContent === '0' && !document.getElementById('notices-read-all')`, nil)
	li.screenshot("inbox-open")
	res := app.Login(t, "emp-li").Do(http.MethodGet, "/api/v1/notifications?unread=true", nil)
	if res.Status != http.StatusOK || res.JSON["unread"].(float64) != 0 {
		t.Fatalf("unread after opening the inbox: %d %s", res.Status, res.Body)
	}

	li.click("#notices-bell")
	li.until("the list closed", `document.getElementById('notices-list').hidden`, nil)
	li.click("#notices-bell")
	li.until("the notice shown read", `!!document.querySelector('#notices-list:not([hidden]) li.read') && !document.querySelector('#notices-list li.unread')`, nil)
}

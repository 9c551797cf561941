package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBrowserSandboxPhone: the sandbox's demo phone shows mgr-zhao the
// card of emp-li's report; clicking 同意 on it approves the step through
// the WeCom callback, and the card then says 已同意. Picking emp-li by
// name shows her the OA template message that it was approved.
func TestBrowserSandboxPhone(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	li := app.Login(t, "emp-li")
	id := submitted(t, app, "emp-li", "客户拜访")

	b := startBrowser(t, app)
	phone := b.newTab("phone")
	phone.open("/sandbox/_phone?user=mgr-zhao")
	card := `document.querySelector('#phone-messages article[data-msgtype="template_card"]')`
	phone.until("mgr-zhao's card", card+` && document.getElementById('phone-user').value === 'mgr-zhao' && `+card+`.textContent.includes('客户拜访')`, nil)
	phone.screenshot("phone-card")
	var openURL string
	phone.eval(card+`.querySelector('.btns a').href`, &openURL)
	if openURL != app.URL+"/h5/approve?report="+id {
		t.Fatalf("the card's 打开 link = %q", openURL)
	}
	phone.click(`#phone-messages article[data-msgtype="template_card"] button[data-key="approve"]`)
	phone.until("the card decided", card+` && `+card+`.querySelector('.decided') && `+card+`.querySelector('.decided').textContent === '已同意' && !`+card+`.querySelector('button')`, nil)
	phone.screenshot("phone-decided")

	got := li.Do(http.MethodGet, "/api/v1/reports/"+id, nil).JSON
	plan, _ := got["plan"].([]any)
	if got["status"] != "approved" || len(plan) != 1 {
		t.Fatalf("after the click: %v %v", got["status"], got["plan"])
	}
	step := plan[0].(map[string]any)
	a := step["approvers"].([]any)[0].(map[string]any)
	if step["state"] != "approved" || a["id"] != "mgr-zhao" || a["decision"] != "approved" {
		t.Fatalf("step after the click: %v", step)
	}

	// The card's 打开 link shows the report on the approver's page.
	mgr := b.newTab("mgr-zhao")
	mgr.login("mgr-zhao", "/h5/approve")
	mgr.open(strings.TrimPrefix(openURL, app.URL))
	mgr.until("the linked report", `!document.getElementById('report-view').hidden && document.getElementById('report-view').dataset.reportId === `+jsString(id), nil)

	// The owner, an OA follower, picked by name.
	phone.eval(`(() => { const s = document.getElementById('phone-user'); s.value = Array.from(s.options).find(o => o.textContent.startsWith('李娜')).value; s.dispatchEvent(new Event('change')); return s.value; })()`, nil)
	phone.until("emp-li's template message", `location.search === '?user=emp-li' && !!document.querySelector('#phone-messages article[data-channel="oa"][data-msgtype="template"]') && document.querySelector('#phone-messages article').textContent.includes('审批通过')`, nil)
}

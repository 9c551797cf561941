package web_test

// Approval chains (issue 17) through the pages: the demo's 3-step chain
// (manager → director above 500.00 → finance review) walked by three
// approvers in their own browser contexts.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

const (
	lockStatus    = "INVOICE_REIMBURSE_LOCK"
	closureStatus = "INVOICE_REIMBURSE_CLOSURE"
	initStatus    = "INVOICE_REIMBURSE_INIT"
)

// TestBrowserApprovalChain: emp-li submits three reports above the demo
// threshold, so each plan has three steps, shown on her page. mgr-zhao
// approves the first from the report page and the other two at once
// from the list; WeChat stays LOCK. His 我已审批 lists them and its search
// finds one by number. dir-sun approves the first and rejects the second
// at step 2 (INIT, shown to emp-li with the reason) and hands the third to
// mgr-zhao; fin-zhou approves the first last: CLOSURE once the outbox runs.
func TestBrowserApprovalChain(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t), testkit.WithPolicy(service.DemoPolicy()))
	b := startBrowser(t, app)

	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	// The home page is settled once both lists have loaded.
	settled := func(n int) string {
		return `!document.getElementById('home').hidden && !!document.querySelector('#invoices') && !document.querySelector('#reports li.state:not(.empty), #invoices li.state:not(.empty)') && ` +
			`document.querySelectorAll('#reports [data-report-id]').length === ` + itoa(n)
	}
	li.until("the invoice list", settled(0), nil)
	reports := make([]string, 3)
	cards := make([]card, 3)
	for i := range reports {
		// Above the demo threshold (500.00): the director's step applies.
		code := giveInvoice(t, app, "emp-li", fmt.Sprintf("7710%04d", i), 60000+i*100)
		cards[i] = li.importFromWallet(1, code)[0]
		imported := li.ids("#import-summary li.imported")
		if len(imported) != 1 {
			t.Fatalf("imported %v, want 1\n%s", imported, li.state())
		}
		li.until("invoice "+imported[0], `!!document.querySelector('#invoices input.pick[data-invoice-id="`+imported[0]+`"]')`, nil)
		li.click(`#invoices input.pick[data-invoice-id="` + imported[0] + `"]`)
		li.click("#new-report")
		li.run("title", chromedp.SetValue("#report-title", fmt.Sprintf("差旅 %d", i+1), chromedp.ByQuery))
		li.click("#create-report")
		li.until("the draft report", `document.getElementById('report-view').dataset.status === 'draft'`, nil)
		li.eval(`document.getElementById('report-view').dataset.reportId`, &reports[i])
		if i == 0 {
			// Before submitting: the preview of who will approve.
			li.until("the preview plan", planIs([]string{"waiting", "waiting", "waiting"})+` && document.querySelector('.plan h3').textContent.includes('预览')`, nil)
			li.screenshot("chain-preview")
		}
		li.click("#act-submit")
		li.until("the submitted report and its plan", `document.getElementById('report-view').dataset.status === 'submitted' && `+
			planIs([]string{"current", "waiting", "waiting"})+` && !document.querySelector('.plan h3 .muted')`, nil)
		var who []string
		li.eval(`Array.from(document.querySelectorAll('#plan li.plan-step')).map(s => Array.from(s.querySelectorAll('[data-approver]')).map(a => a.dataset.approver).join(','))`, &who)
		if !slices.Equal(who, []string{"mgr-zhao", "dir-sun", "fin-chen,fin-zhou"}) {
			t.Fatalf("plan approvers %v", who)
		}
		li.open("/h5/")
		li.until("the home page", settled(i+1), nil)
	}
	li.screenshot("chain-submitted")
	waitWeChat(t, app, cards, lockStatus)

	zhao := b.newTab("mgr-zhao")
	zhao.login("mgr-zhao", "/h5/approve")
	for _, id := range reports {
		zhao.until("report "+id+" to approve", `!!document.querySelector('#to-approve a.card.report[data-report-id="`+id+`"]')`, nil)
	}
	zhao.click(`#to-approve a.card.report[data-report-id="` + reports[0] + `"]`)
	zhao.until("the decision buttons and the plan", `!!document.getElementById('approve') && `+planIs([]string{"current", "waiting", "waiting"}), nil)
	zhao.screenshot("chain-step1")
	zhao.run("comment", chromedp.SetValue("#comment", "同意", chromedp.ByQuery))
	zhao.click("#approve")
	zhao.until("the list without it", `!document.getElementById('list-view').hidden && !document.querySelector('#to-approve a.card.report[data-report-id="`+reports[0]+`"]') && document.querySelectorAll('#to-approve a.card.report').length === 2`, nil)
	// An intermediate approval leaves WeChat alone (DECISIONS 32).
	app.RunOutbox(t)
	if s := wechatStatus(t, app, cards[0]); s != lockStatus {
		t.Fatalf("after step 1 the invoice is %s, want LOCK", s)
	}

	// Batch approve the other two from the list.
	for _, id := range reports[1:] {
		zhao.click(`#to-approve input.pick[data-report-id="` + id + `"]`)
	}
	zhao.until("the batch button", `!document.getElementById('batch-approve').hidden && document.getElementById('batch-approve').textContent.includes('2')`, nil)
	zhao.click("#batch-approve")
	zhao.until("the emptied list", `!!document.querySelector('#to-approve .state.empty') && document.getElementById('batch-approve').hidden && document.getElementById('batch-result').childElementCount === 0`, nil)
	app.RunOutbox(t)
	for _, c := range cards {
		if s := wechatStatus(t, app, c); s != lockStatus {
			t.Fatalf("after step 1 %s is %s, want LOCK", c.EncryptCode, s)
		}
	}

	// 我已审批 lists all three; its search finds one by its number.
	zhao.click("#tab-decided")
	zhao.until("the decided list", `!document.getElementById('search').hidden && document.querySelectorAll('#to-approve a.card.report').length === 3 && !document.querySelector('#to-approve input.pick')`, nil)
	number := reportNumber(t, app, reports[0])
	zhao.run("search", chromedp.SetValue("#search", number, chromedp.ByQuery))
	zhao.eval(`document.getElementById('search').dispatchEvent(new Event('input')), 0`, nil)
	zhao.until("the one found", `(() => { const c = document.querySelectorAll('#to-approve a.card.report'); return c.length === 1 && c[0].dataset.reportId === '`+reports[0]+`'; })()`, nil)
	zhao.run("search nothing", chromedp.SetValue("#search", "RZZZ", chromedp.ByQuery))
	zhao.eval(`document.getElementById('search').dispatchEvent(new Event('input')), 0`, nil)
	zhao.until("nothing found", `!!document.querySelector('#to-approve .state.empty')`, nil)
	zhao.screenshot("chain-decided")

	// Step 2: the director approves the first and rejects the second.
	sun := b.newTab("dir-sun")
	sun.login("dir-sun", "/h5/approve")
	sun.until("three reports to approve", `document.querySelectorAll('#to-approve a.card.report').length === 3`, nil)
	sun.click(`#to-approve a.card.report[data-report-id="` + reports[0] + `"]`)
	sun.until("step 2 is current", `!!document.getElementById('approve') && `+planIs([]string{"approved", "current", "waiting"}), nil)
	sun.click("#approve")
	sun.until("the list", `!document.getElementById('list-view').hidden && document.querySelectorAll('#to-approve a.card.report').length === 2`, nil)
	sun.click(`#to-approve a.card.report[data-report-id="` + reports[1] + `"]`)
	sun.until("the reject button", `!!document.getElementById('reject')`, nil)
	sun.run("reason", chromedp.SetValue("#reason", "超出差旅标准", chromedp.ByQuery))
	sun.click("#reject")
	sun.until("the list", `!document.getElementById('list-view').hidden && document.querySelectorAll('#to-approve a.card.report').length === 1`, nil)
	// The director hands the third to mgr-zhao, an approver (DECISIONS 44),
	// picked by his name (issue 19: the field took a typed employee id).
	// Neither the director nor the report's owner is offered.
	sun.click(`#to-approve a.card.report[data-report-id="` + reports[2] + `"]`)
	sun.until("the transfer picker", `!!document.getElementById('transfer-search')`, nil)
	sun.click("#transfer")
	sun.until("asked to choose first", `document.getElementById('decide-error').textContent.includes('选择')`, nil)
	// matches waits for the picker's answer to the whole text typed.
	matches := func(typed string) []string {
		t.Helper()
		var ids []string
		sun.until("the matches for "+typed, `(() => { const r = document.getElementById('transfer-results'); return r.dataset.q === `+jsString(typed)+` ? Array.from(r.querySelectorAll('.pick-option')).map(b => b.dataset.id) : null; })()`, &ids)
		return ids
	}
	sun.run("search by name", chromedp.SendKeys("#transfer-search", "赵", chromedp.ByQuery))
	offered := matches("赵")
	if !slices.Equal(offered, []string{"mgr-zhao"}) {
		t.Errorf("searching 赵 offers %q, want mgr-zhao", offered)
	}
	sun.eval(`(() => { const s = document.getElementById('transfer-search'); s.value = ''; s.dispatchEvent(new Event('input')); return 0; })()`, nil)
	sun.run("search the owner and oneself", chromedp.SendKeys("#transfer-search", "i", chromedp.ByQuery))
	if offered = matches("i"); len(offered) == 0 || slices.Contains(offered, "emp-li") || slices.Contains(offered, "dir-sun") {
		t.Errorf("the transfer offers %q: neither the owner emp-li nor the director himself may take the step", offered)
	}
	sun.eval(`(() => { const s = document.getElementById('transfer-search'); s.value = ''; s.dispatchEvent(new Event('input')); return 0; })()`, nil)
	sun.run("search by name", chromedp.SendKeys("#transfer-search", "赵磊", chromedp.ByQuery))
	if offered = matches("赵磊"); !slices.Equal(offered, []string{"mgr-zhao"}) {
		t.Errorf("searching 赵磊 offers %q, want mgr-zhao", offered)
	}
	sun.click(`#transfer-results .pick-option[data-id="mgr-zhao"]`)
	var picked string
	sun.until("the pick", `document.getElementById('transfer-picker').dataset.value === 'mgr-zhao' && document.getElementById('transfer-picked').textContent`, &picked)
	if !strings.Contains(picked, "赵磊") || !strings.Contains(picked, "mgr-zhao") {
		t.Errorf("the chosen approver shows %q, want his name and id", picked)
	}
	sun.eval(`document.getElementById('transfer-picker').scrollIntoView({ block: 'center' }), 0`, nil)
	sun.screenshot("chain-transfer")
	sun.click("#transfer")
	sun.until("the emptied list", `!document.getElementById('list-view').hidden && !!document.querySelector('#to-approve .state.empty')`, nil)
	zhao.click("#tab-to-approve")
	zhao.until("the transferred report", `(() => { const c = document.querySelectorAll('#to-approve a.card.report'); return c.length === 1 && c[0].dataset.reportId === '`+reports[2]+`'; })()`, nil)
	zhao.click(`#to-approve a.card.report[data-report-id="` + reports[2] + `"]`)
	zhao.until("step 2, now his", `!!document.getElementById('approve') && `+planIs([]string{"approved", "current", "waiting"})+
		` && document.querySelector('#plan li.plan-step[data-step="2"] [data-approver]').dataset.approver === 'mgr-zhao'`, nil)
	zhao.open("/h5/approve")

	app.RunOutbox(t)
	if s := wechatStatus(t, app, cards[0]); s != lockStatus {
		t.Fatalf("after step 2 the invoice is %s, want LOCK", s)
	}
	waitWeChat(t, app, cards[1:2], initStatus)

	// Step 3: finance review, the last: CLOSURE.
	zhou := b.newTab("fin-zhou")
	zhou.login("fin-zhou", "/h5/approve")
	var nav bool
	zhou.eval(`!!document.querySelector('#top nav a[href="/h5/approve"]')`, &nav)
	if !nav {
		t.Error("finance has no 审批 link, though finance review is a step")
	}
	// Only the first has reached finance: the third waits for the director.
	zhou.until("the report at finance review", `document.querySelectorAll('#to-approve a.card.report').length === 1`, nil)
	zhou.click(`#to-approve a.card.report[data-report-id="` + reports[0] + `"]`)
	zhou.until("step 3 is current", `!!document.getElementById('approve') && `+planIs([]string{"approved", "approved", "current"}), nil)
	zhou.click("#approve")
	zhou.until("the emptied list", `!document.getElementById('list-view').hidden && !!document.querySelector('#to-approve .state.empty')`, nil)
	waitWeChat(t, app, cards[:1], closureStatus)
	if s := wechatStatus(t, app, cards[2]); s != lockStatus {
		t.Fatalf("the third report's invoice is %s, want LOCK", s)
	}

	// The employee sees the whole approved chain, and the rejection at
	// step 2 with its reason.
	li.open("/h5/#report/" + reports[0])
	li.until("the approved, synced report", `document.getElementById('report-view').dataset.status === 'approved' && document.getElementById('report-sync').dataset.state === 'synced' && `+
		planIs([]string{"approved", "approved", "approved"}), nil)
	var decided []string
	li.eval(`Array.from(document.querySelectorAll('#plan [data-decision="approved"]')).map(a => a.dataset.approver)`, &decided)
	if !slices.Equal(decided, []string{"mgr-zhao", "dir-sun", "fin-zhou"}) {
		t.Errorf("approved by %v", decided)
	}
	li.screenshot("chain-approved")
	li.open("/h5/#report/" + reports[1])
	li.until("the rejection by the director, with its reason", `document.getElementById('report-view').dataset.status === 'rejected' && (() => {
		const h = Array.from(document.querySelectorAll('.history li')).pop();
		return h && h.textContent.includes('孙伟') && h.textContent.includes('超出差旅标准'); })() && !!document.getElementById('act-resubmit')`, nil)
	li.screenshot("chain-rejected")
}

// planIs is a page expression: the plan shows these step states.
func planIs(states []string) string {
	return `JSON.stringify(Array.from(document.querySelectorAll('#plan li.plan-step')).map(s => s.dataset.state)) === ` + jsString(mustJSON(states))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// giveInvoice puts a fresh invoice of fee cents in user's OA wallet
// (sandbox control) and answers its encrypt code.
func giveInvoice(t *testing.T, app *testkit.AppServer, user, number string, fee int) string {
	t.Helper()
	me := app.Login(t, user).Do(http.MethodGet, "/api/v1/me", nil)
	res := app.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
		"owner_openid": me.JSON["openid"], "channel": "oa", "type": "增值税电子普通发票", "payee": "某某航空服务有限公司",
		"fee": fee, "fee_without_tax": fee, "tax": 0, "billing_time": 1760000000,
		"billing_no": number, "billing_code": "044035550001",
	})
	code, _ := res.JSON["encrypt_code"].(string)
	if res.Status != http.StatusOK || code == "" {
		t.Fatalf("give an invoice: %d %s", res.Status, res.Body)
	}
	return code
}

func reportNumber(t *testing.T, app *testkit.AppServer, id string) string {
	t.Helper()
	res := app.Login(t, "emp-li").Do(http.MethodGet, "/api/v1/reports/"+id, nil)
	n, _ := res.JSON["number"].(string)
	if res.Status != http.StatusOK || n == "" {
		t.Fatalf("report %s: %d %s", id, res.Status, res.Body)
	}
	return n
}

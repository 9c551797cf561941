package web_test

// The flows in a real browser: import through the sandbox wallet
// picker, report, submit, approve or reject, withdraw, duplicates. The
// harness is in h5_browser_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBrowserImportSubmitApprove is the main path: emp-li imports
// three invoices through the picker, makes a report and submits it;
// mgr-zhao approves it; WeChat (the sandbox) ends at CLOSURE; fin-chen
// sees the invoices.
func TestBrowserImportSubmitApprove(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	b := startBrowser(t, app)

	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	li.until("the empty invoice list", `!!document.querySelector('#invoices .state.empty')`, nil)
	li.screenshot("employee-empty")

	picked := li.importFromWallet(3, "")
	imported := li.ids("#import-summary li.imported")
	if len(imported) != 3 {
		t.Fatalf("imported %v, want 3 invoices\n%s", imported, li.state())
	}
	if failed := li.ids("#import-summary li.failed"); len(failed) != 0 {
		t.Fatalf("failed imports: %s", li.state())
	}
	for _, id := range imported {
		li.until("invoice "+id+" in the list", `!!document.querySelector('#invoices input.pick[data-invoice-id="`+id+`"]')`, nil)
		li.click(`#invoices input.pick[data-invoice-id="` + id + `"]`)
	}
	li.until("the selection bar", `!document.getElementById('selbar').hidden`, nil)
	var amounts []string
	li.eval(`Array.from(document.querySelectorAll('#invoices li.inv .amount')).map(n => n.textContent)`, &amounts)
	for _, a := range amounts {
		if !strings.HasPrefix(a, "¥") || len(a) < 5 || a[len(a)-3] != '.' {
			t.Errorf("amount %q is not ¥ with two decimals", a)
		}
	}
	li.screenshot("employee-invoices")
	li.docsScreenshot("h5-employee")

	li.click("#new-report")
	li.run("title", chromedp.SetValue("#report-title", "十月差旅报销", chromedp.ByQuery))
	li.click("#create-report")
	li.until("the draft report", `document.getElementById('report-view').dataset.status === 'draft'`, nil)
	var reportID string
	li.eval(`document.getElementById('report-view').dataset.reportId`, &reportID)
	if got := li.ids("#report-invoices li.inv"); len(got) != 3 {
		t.Fatalf("report shows %d invoices, want 3", len(got))
	}
	li.click("#act-submit")
	li.until("the submitted report", `document.getElementById('report-view').dataset.status === 'submitted'`, nil)
	li.screenshot("report-submitted")
	for _, c := range picked {
		if s := wechatStatus(t, app, c); s != "INVOICE_REIMBURSE_LOCK" {
			t.Errorf("after submit %s is %s, want LOCK", c.EncryptCode, s)
		}
	}

	waitOriginals(t, app, imported)
	zhao := b.newTab("mgr-zhao")
	zhao.login("mgr-zhao", "/h5/approve")
	card := `a.card.report[data-report-id="` + reportID + `"]`
	zhao.until("the report to approve", `!!document.querySelector('`+card+`')`, nil)
	zhao.screenshot("approve-list")
	zhao.click(card)
	zhao.until("the report's invoices", `document.querySelectorAll('#report-invoices li.inv').length === 3 && !!document.getElementById('approve')`, nil)
	zhao.screenshot("approve-report")
	// Each invoice opens its original (the wallet PDF) in a new tab.
	checkOriginalLinks(t, zhao, "#report-invoices", imported)
	zhao.docsScreenshot("h5-approve")
	zhao.run("comment", chromedp.SetValue("#comment", "同意", chromedp.ByQuery))
	zhao.click("#approve")
	zhao.until("the emptied list", `!document.getElementById('list-view').hidden && !!document.querySelector('#to-approve .state.empty')`, nil)

	waitWeChat(t, app, picked, "INVOICE_REIMBURSE_CLOSURE")

	li.open("/h5/#report/" + reportID)
	li.until("the approved, synced report", `document.getElementById('report-view').dataset.status === 'approved' && document.getElementById('report-sync').dataset.state === 'synced'`, nil)
	li.screenshot("report-approved")

	chen := b.newTab("fin-chen")
	chen.login("fin-chen", "/h5/finance")
	chen.until("three rows", `document.querySelectorAll('#finance-table tbody tr').length === 3`, nil)
	checkFinanceTotals(t, app, chen, 3)
	checkOriginalLinks(t, chen, "#finance-table", imported)
	var exportDisabled bool
	chen.eval(`document.getElementById('export-csv').getAttribute('aria-disabled') === 'true' && !document.getElementById('export-csv').hasAttribute('href')`, &exportDisabled)
	if !exportDisabled {
		t.Error("export is offered without an approval date range")
	}
	// An approval-date range around today (Asia/Shanghai) offers the export.
	today := time.Now().In(shanghai)
	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	chen.run("dates", chromedp.SetValue("#f-from", from, chromedp.ByQuery), chromedp.SetValue("#f-to", to, chromedp.ByQuery))
	chen.eval(`document.getElementById('filters').dispatchEvent(new Event('input')), 0`, nil)
	var href string
	chen.until("the export link", `document.getElementById('export-csv').getAttribute('href')`, &href)
	u, err := url.Parse(href)
	if err != nil || u.Path != "/api/v1/finance/export" {
		t.Fatalf("export link %q", href)
	}
	for k, v := range map[string]string{"format": "csv", "from": from, "to": to, "date_field": "approved_on", "report_status": "approved"} {
		if got := u.Query().Get(k); got != v {
			t.Errorf("export link %s = %q, want %q (%s)", k, got, v, href)
		}
	}
	chen.until("three rows in the range", `document.querySelectorAll('#finance-table tbody tr').length === 3 && document.getElementById('summary').dataset.count === '3'`, nil)
	var file struct {
		Status      int    `json:"status"`
		Type        string `json:"type"`
		Disposition string `json:"disposition"`
		Text        string `json:"text"`
	}
	chen.run("download the CSV", chromedp.Evaluate(`fetch(document.getElementById('export-csv').href).then(async r => ({
		status: r.status, type: r.headers.get('Content-Type'), disposition: r.headers.get('Content-Disposition'),
		text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(await r.arrayBuffer()) }))`, &file, awaitPromise))
	if file.Status != http.StatusOK || !strings.HasPrefix(file.Type, "text/csv") || !strings.Contains(file.Disposition, "attachment") {
		t.Fatalf("CSV download: %d %q %q", file.Status, file.Type, file.Disposition)
	}
	if lines := strings.Split(strings.TrimRight(file.Text, "\r\n"), "\r\n"); !strings.HasPrefix(file.Text, "\ufeff") || len(lines) != 5 {
		t.Errorf("CSV: want a BOM, a header, 3 rows and a totals row; got %d lines:\n%s", len(lines), file.Text)
	}
	// The archive of the range's originals downloads as a ZIP.
	var archive struct {
		Status      int    `json:"status"`
		Type        string `json:"type"`
		Disposition string `json:"disposition"`
		Size        int    `json:"size"`
	}
	chen.run("download the archive", chromedp.Evaluate(`fetch(document.getElementById('archive-zip').href).then(async r => ({
		status: r.status, type: r.headers.get('Content-Type'), disposition: r.headers.get('Content-Disposition'),
		size: (await r.arrayBuffer()).byteLength }))`, &archive, awaitPromise))
	if archive.Status != http.StatusOK || archive.Type != "application/zip" || !strings.Contains(archive.Disposition, "attachment") || archive.Size < 100 {
		t.Errorf("archive download: %+v", archive)
	}
	var xlsx string
	chen.eval(`document.getElementById('export-xlsx').getAttribute('href')`, &xlsx)
	if !strings.Contains(xlsx, "format=xlsx") || !strings.Contains(xlsx, "from="+from) {
		t.Errorf("XLSX link %q", xlsx)
	}
	chen.run("search", chromedp.SetValue("#f-q", "no such invoice", chromedp.ByQuery))
	chen.eval(`document.getElementById('filters').dispatchEvent(new Event('input')), 0`, nil)
	chen.until("no rows", `!!document.querySelector('#table-wrap .state.empty') && document.getElementById('summary').dataset.count === '0'`, nil)
	chen.click(`#filters button[type=reset]`)
	chen.until("three rows again", `document.querySelectorAll('#finance-table tbody tr').length === 3 && document.getElementById('summary').dataset.count === '3'`, nil)
	chen.screenshot("finance")
}

// TestBrowserWeComWithdraw: emp-wang signs in through WeCom, imports with
// ww.chooseInvoice, submits, withdraws, and the invoices are INIT again.
// Until WeChat has the withdrawal the invoices say so ("解锁中…", issue
// 19), not "报销中": no worker runs, so the outbox waits for the test.
func TestBrowserWeComWithdraw(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	b := startBrowser(t, app)

	wang := b.newTab("emp-wang")
	wang.login("emp-wang", "/h5/")
	var channel string
	wang.run("me", chromedp.Evaluate(`fetch('/api/v1/me').then(r => r.json()).then(me => me.channel)`, &channel, awaitPromise))
	if channel != "work" {
		t.Fatalf("emp-wang signed in on channel %q, want work", channel)
	}
	wang.until("the empty invoice list", `!!document.querySelector('#invoices .state.empty')`, nil)
	picked := wang.importFromWallet(2, "")
	imported := wang.ids("#import-summary li.imported")
	if len(imported) != 2 {
		t.Fatalf("imported %v, want 2\n%s", imported, wang.state())
	}
	for _, id := range imported {
		wang.until("invoice "+id, `!!document.querySelector('#invoices input.pick[data-invoice-id="`+id+`"]')`, nil)
		wang.click(`#invoices input.pick[data-invoice-id="` + id + `"]`)
	}
	wang.click("#new-report")
	wang.click("#create-report") // the default title
	wang.until("the draft report", `document.getElementById('report-view').dataset.status === 'draft'`, nil)
	var reportID string
	wang.eval(`document.getElementById('report-view').dataset.reportId`, &reportID)
	wang.click("#act-submit")
	wang.until("the submitted report", `document.getElementById('report-view').dataset.status === 'submitted'`, nil)
	for _, c := range picked {
		if s := wechatStatus(t, app, c); s != "INVOICE_REIMBURSE_LOCK" {
			t.Errorf("after submit %s is %s, want LOCK", c.EncryptCode, s)
		}
	}
	wang.click("#act-withdraw")
	wang.until("the withdrawn report", `document.getElementById('report-view').dataset.status === 'withdrawn' && !!document.getElementById('act-resubmit')`, nil)
	pending := `document.getElementById('report-sync').dataset.state === 'pending' && document.querySelectorAll('#report-invoices .badge.syncing[data-syncing="INIT"]').length === 2`
	wang.until("the invoices unlocking", pending, nil)
	var shown []string
	wang.eval(`Array.from(document.querySelectorAll('#report-invoices .badges')).map(b => b.textContent)`, &shown)
	for _, text := range shown {
		if text != "解锁中…" {
			t.Errorf("a withdrawn invoice's badges say %q, want 解锁中…", text)
		}
	}
	wang.screenshot("report-withdrawn-unlocking")
	wang.open("/h5/")
	wang.until("the home list unlocking", `document.querySelectorAll('#invoices .badge.syncing[data-syncing="INIT"]').length === 2 && !document.querySelector('#invoices .badge.ws-lock')`, nil)

	waitWeChat(t, app, picked, "INVOICE_REIMBURSE_INIT")
	wang.open("/h5/#report/" + reportID)
	wang.until("INIT on the page", `document.getElementById('report-view').dataset.status === 'withdrawn' && document.querySelectorAll('#report-invoices .badge.ws-init').length === 2 && document.getElementById('report-sync').dataset.state === 'synced'`, nil)
	wang.screenshot("report-withdrawn")
}

// TestBrowserRefusedEditRejectResubmit covers the employee's repair
// paths: a submit WeChat refuses (one invoice locked by another company)
// names that invoice; the owner edits it out and submits; the approver
// must give a reason to reject; the owner resubmits, withdraws, deletes.
func TestBrowserRefusedEditRejectResubmit(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	b := startBrowser(t, app)

	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	picked := li.importFromWallet(3, "")
	imported := li.ids("#import-summary li.imported")
	if len(imported) != 3 {
		t.Fatalf("imported %v, want 3\n%s", imported, li.state())
	}
	for _, id := range imported {
		li.until("invoice "+id, `!!document.querySelector('#invoices input.pick[data-invoice-id="`+id+`"]')`, nil)
		li.click(`#invoices input.pick[data-invoice-id="` + id + `"]`)
	}
	li.click("#new-report")
	li.click("#create-report")
	li.until("the draft report", `document.getElementById('report-view').dataset.status === 'draft'`, nil)
	var reportID string
	li.eval(`document.getElementById('report-view').dataset.reportId`, &reportID)

	// Another company locks one of them in WeChat.
	locked := picked[1]
	if res := app.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
		"card_id": locked.CardID, "encrypt_code": locked.EncryptCode,
		"reimburse_status": "LOCK", "locked_by_appid": "wxothercompany00001",
	}); res.Status != http.StatusOK {
		t.Fatalf("lock elsewhere: %d %s", res.Status, res.Body)
	}
	var lockedID string
	for _, it := range app.Login(t, "emp-li").Do(http.MethodGet, "/api/v1/invoices", nil).JSON["items"].([]any) {
		if m := it.(map[string]any); m["encrypt_code"] == locked.EncryptCode {
			lockedID = m["id"].(string)
		}
	}
	if lockedID == "" {
		t.Fatal("the locked invoice is not among emp-li's")
	}
	li.click("#act-submit")
	var reason string
	li.until("the refusal next to the invoice", `(() => {
		const n = document.querySelector('#report-invoices li.inv[data-invoice-id="`+lockedID+`"] .error .refusal');
		return !!document.querySelector('#report-error .error') && n && n.dataset.code + ' ' + n.textContent; })()`, &reason)
	if reason != "invoice.locked_elsewhere 发票已被其他单位锁定" {
		t.Errorf("refusal next to the invoice = %q, want invoice.locked_elsewhere in data-code and the Chinese text", reason)
	}
	var others int
	li.eval(`document.querySelectorAll('#report-invoices li.inv .error').length`, &others)
	if others != 1 {
		t.Errorf("%d invoices show an error, want 1", others)
	}
	var status string
	li.eval(`document.getElementById('report-view').dataset.status`, &status)
	if status != "draft" {
		t.Errorf("after a refused submit the report is %s, want draft", status)
	}
	li.screenshot("submit-refused")

	li.click("#edit")
	li.until("the edit form", `!!document.querySelector('#edit-form input.pick[data-invoice-id="`+lockedID+`"]')`, nil)
	li.click(`#edit-form input.pick[data-invoice-id="` + lockedID + `"]`)
	li.run("new title", chromedp.SetValue("#edit-title", "十一月报销", chromedp.ByQuery))
	li.click("#edit-save")
	li.until("the edited report", `document.getElementById('report-title-h').textContent === '十一月报销' && document.querySelectorAll('#report-invoices li.inv').length === 2`, nil)
	li.click("#act-submit")
	li.until("the submitted report", `document.getElementById('report-view').dataset.status === 'submitted'`, nil)

	zhao := b.newTab("mgr-zhao")
	zhao.login("mgr-zhao", "/h5/approve")
	zhao.open("/h5/approve#report/" + reportID)
	zhao.until("the decision buttons", `!!document.getElementById('reject')`, nil)
	zhao.click("#reject")
	zhao.until("the reason rule", `document.getElementById('decide-error').textContent.includes('驳回原因')`, nil)
	zhao.run("reason", chromedp.SetValue("#reason", "请补充行程单", chromedp.ByQuery))
	zhao.click("#reject")
	zhao.until("the emptied list", `!document.getElementById('list-view').hidden && !!document.querySelector('#to-approve .state.empty')`, nil)

	// The owner follows the rejected notice's link (the report in the
	// query, which survives the WeChat sign-in).
	li.open("/h5/?report=" + url.QueryEscape(reportID))
	li.until("the rejection and its reason", `document.getElementById('report-view').dataset.status === 'rejected' && document.getElementById('report-view').textContent.includes('请补充行程单')`, nil)
	li.screenshot("rejected")
	li.click("#act-resubmit")
	li.until("the resubmitted report", `document.getElementById('report-view').dataset.status === 'submitted'`, nil)
	li.click("#act-withdraw")
	li.until("the withdrawn report", `document.getElementById('report-view').dataset.status === 'withdrawn'`, nil)
	li.click("#act-delete")
	li.until("the confirmation", `document.getElementById('act-delete').classList.contains('confirm')`, nil)
	li.click("#act-delete")
	li.until("the list without the report", `!document.getElementById('home').hidden && !!document.querySelector('#reports .state.empty')`, nil)
}

// TestBrowserDuplicateImport: emp-wang's wallet holds the same paper that
// emp-li imported (same code and number); importing it shows who has it.
func TestBrowserDuplicateImport(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	b := startBrowser(t, app)

	// The OA result may carry an array instead of a JSON string (§3.4).
	if res := app.Sandbox(t, http.MethodPost, "/_control/switches", map[string]any{"oa_result_array": true}); res.Status != http.StatusOK {
		t.Fatalf("switch: %d %s", res.Status, res.Body)
	}
	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	li.importFromWallet(1, "")
	if ids := li.ids("#import-summary li.imported"); len(ids) != 1 {
		t.Fatalf("emp-li imported %v, want 1\n%s", ids, li.state())
	}
	mine := app.Login(t, "emp-li").Do(http.MethodGet, "/api/v1/invoices", nil)
	items, _ := mine.JSON["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("emp-li's invoices: %s", mine.Body)
	}
	first := items[0].(map[string]any)

	login := app.Client(t).Do(http.MethodPost, "/auth/sandbox/login", map[string]any{"user": "emp-wang", "channel": "work"})
	openid, _ := login.JSON["openid"].(string)
	if login.Status != http.StatusOK || openid == "" {
		t.Fatalf("emp-wang's WeCom openid: %d %s", login.Status, login.Body)
	}
	copyRes := app.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
		"owner_openid": openid, "channel": "work",
		"billing_code": first["invoice_code"], "billing_no": first["invoice_number"],
		"payee": first["seller_name"],
	})
	dup, _ := copyRes.JSON["encrypt_code"].(string)
	if copyRes.Status != http.StatusOK || dup == "" {
		t.Fatalf("copy the invoice into emp-wang's wallet: %d %s", copyRes.Status, copyRes.Body)
	}

	wang := b.newTab("emp-wang")
	wang.login("emp-wang", "/h5/")
	wang.importFromWallet(1, dup)
	var text string
	wang.until("the duplicate error", `(() => { const n = document.querySelector('#import-summary li.failed[data-code="invoice.duplicate"] .error-text'); return n && n.textContent; })()`, &text)
	if want := "该发票已被导入 · 已由 李娜 导入"; !strings.HasPrefix(text, want) {
		t.Errorf("duplicate message %q, want it to start %q (the importer named, no code)", text, want)
	}
	if ids := wang.ids("#import-summary li.imported"); len(ids) != 0 {
		t.Errorf("the duplicate was imported: %v", ids)
	}
	wang.screenshot("duplicate")
}

// shanghai is where finance's dates are read (DECISIONS 19).
var shanghai = time.FixedZone("CST", 8*3600)

// checkFinanceTotals: the page's summary is the totals endpoint's answer
// for the page's default filters, and that equals the rows' amounts
// summed here in cents.
func checkFinanceTotals(t *testing.T, app *testkit.AppServer, tb *tab, n int) {
	t.Helper()
	fin := app.Login(t, "fin-chen")
	const filters = "?date_field=approved_on&report_status=approved"
	list := fin.Do(http.MethodGet, "/api/v1/finance/invoices"+filters, nil)
	totals := fin.Do(http.MethodGet, "/api/v1/finance/invoices/totals"+filters, nil)
	items, _ := list.JSON["items"].([]any)
	if list.Status != http.StatusOK || totals.Status != http.StatusOK || len(items) != n {
		t.Fatalf("finance API: %d %s / %d %s", list.Status, list.Body, totals.Status, totals.Body)
	}
	var cents int64
	for _, it := range items {
		m, err := domain.ParseMoney(it.(map[string]any)["amount"].(string))
		if err != nil {
			t.Fatal(err)
		}
		cents += m.Cents()
	}
	want := domain.MoneyFromCents(cents).String()
	if totals.JSON["amount"] != want {
		t.Errorf("totals amount %v, rows sum to %s", totals.JSON["amount"], want)
	}
	var shown []string
	tb.until("the totals", `(() => { const s = document.getElementById('summary'); return s.dataset.count ? [s.dataset.count, s.dataset.amount, s.textContent] : null; })()`, &shown)
	if shown[0] != fmt.Sprint(n) || shown[1] != want || !strings.Contains(shown[2], "."+want[len(want)-2:]) {
		t.Errorf("summary %q, want %d invoices totalling %s", shown, n, want)
	}
}

// TestBrowserRemoveCancelledInvoice: the issuer cancels (红冲) one invoice
// of a submitted report. The report page says so, the owner removes it
// with one button (DECISIONS 49), the report stays under review, and the
// rest is approved and closed.
func TestBrowserRemoveCancelledInvoice(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	b := startBrowser(t, app)

	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	li.until("the invoice list", `!!document.querySelector('#invoices')`, nil)
	picked := li.importFromWallet(2, "")
	imported := li.ids("#import-summary li.imported")
	if len(imported) != 2 {
		t.Fatalf("imported %v, want 2\n%s", imported, li.state())
	}
	for _, id := range imported {
		li.until("invoice "+id, `!!document.querySelector('#invoices input.pick[data-invoice-id="`+id+`"]')`, nil)
		li.click(`#invoices input.pick[data-invoice-id="` + id + `"]`)
	}
	li.click("#new-report")
	li.click("#create-report")
	li.until("the draft report", `document.getElementById('report-view').dataset.status === 'draft'`, nil)
	var reportID string
	li.eval(`document.getElementById('report-view').dataset.reportId`, &reportID)
	li.click("#act-submit")
	li.until("the submitted report", `document.getElementById('report-view').dataset.status === 'submitted'`, nil)

	gone := picked[0]
	if res := app.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
		"card_id": gone.CardID, "encrypt_code": gone.EncryptCode, "reimburse_status": "INVOICE_REIMBURSE_CANCEL",
	}); res.Status != http.StatusOK {
		t.Fatalf("cancel: %d %s", res.Status, res.Body)
	}
	mgr := app.Login(t, "mgr-zhao")
	if res := mgr.Do(http.MethodPost, "/api/v1/reports/"+reportID+"/approve", nil); res.ErrorCode() != "invoice.cancelled" {
		t.Fatalf("approve with a cancelled invoice: %d %s", res.Status, res.Body)
	}

	li.open("/h5/#report/" + reportID)
	li.until("the remove button", `!!document.getElementById('act-remove_cancelled') && !!document.querySelector('.notice.attention')`, nil)
	li.click("#act-remove_cancelled")
	li.until("one invoice left, still submitted", `document.getElementById('report-view').dataset.status === 'submitted' && document.querySelectorAll('#report-invoices .badge.ws-lock').length === 1 && !document.getElementById('act-remove_cancelled') && !document.querySelector('.notice.attention')`, nil)
	li.screenshot("report-cancelled-removed")

	if res := mgr.Do(http.MethodPost, "/api/v1/reports/"+reportID+"/approve", nil); res.Status != http.StatusOK {
		t.Fatalf("approve the rest: %d %s", res.Status, res.Body)
	}
	waitWeChat(t, app, picked[1:], "INVOICE_REIMBURSE_CLOSURE")
	if s := wechatStatus(t, app, gone); s != "INVOICE_REIMBURSE_CANCEL" {
		t.Fatalf("the cancelled invoice is %s", s)
	}
}

// waitOriginals waits until every invoice has its wallet PDF stored (the
// download runs in the background after the import).
func waitOriginals(t *testing.T, app *testkit.AppServer, ids []string) {
	t.Helper()
	invs := make([]domain.InvoiceID, len(ids))
	for i, id := range ids {
		invs[i] = domain.InvoiceID(id)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err := app.Svc.Originals.Of(context.Background(), invs...)
		if err == nil && len(got) == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("originals stored for %d of %d invoices", len(got), len(ids))
		}
	}
}

// checkOriginalLinks checks that within sel each invoice links to its
// original, to be opened in a new tab, and that the link answers the PDF.
func checkOriginalLinks(t *testing.T, tab *tab, sel string, ids []string) {
	t.Helper()
	var hrefs []string
	tab.until("the original links", `document.querySelectorAll('`+sel+` a.original-link').length === `+fmt.Sprint(len(ids)), nil)
	tab.eval(`Array.from(document.querySelectorAll('`+sel+` a.original-link')).filter(a => a.target === '_blank' && a.rel === 'noopener').map(a => a.getAttribute('href'))`, &hrefs)
	want := map[string]bool{}
	for _, id := range ids {
		want["/api/v1/invoices/"+id+"/original"] = true
	}
	for _, h := range hrefs {
		delete(want, h)
	}
	if len(hrefs) != len(ids) || len(want) > 0 {
		t.Fatalf("original links %v, missing %v", hrefs, want)
	}
	var file struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
	}
	tab.run("open an original", chromedp.Evaluate(`fetch(document.querySelector('`+sel+` a.original-link').href).then(r => ({status: r.status, type: r.headers.get('Content-Type')}))`, &file, awaitPromise))
	if file.Status != http.StatusOK || file.Type != "application/pdf" {
		t.Errorf("original: %+v", file)
	}
}

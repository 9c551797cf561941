package web_test

// Issue 17 in a real browser: the employee sets a purpose and an expense
// type in the report editor, a cashier pays the approved report from
// /h5/finance and gets the bank file links, and the employee sees 已付款
// with the payment date.

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

func TestBrowserPayment(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	li := app.Login(t, "emp-li")
	up := li.Upload("/api/v1/invoices/upload", nil, testkit.File{Name: "dinner.xml",
		Data: testkit.DigitalXML("26442000000077779001", "100.00", "6.00", "106.00", "演示科技有限公司")})
	imported, _ := up.JSON["imported"].([]any)
	if up.Status != http.StatusOK || len(imported) != 1 {
		t.Fatalf("upload: %d %s", up.Status, up.Body)
	}
	invID := imported[0].(map[string]any)["id"].(string)
	res := li.Do(http.MethodPost, "/api/v1/reports", map[string]any{"title": "客户晚餐", "invoice_ids": []string{invID}})
	if res.Status != http.StatusCreated {
		t.Fatalf("report: %d %s", res.Status, res.Body)
	}
	reportID := res.JSON["id"].(string)
	if got := res.JSON["invoices"].([]any)[0].(map[string]any)["expense_type"]; got != "meal" {
		t.Fatalf("default expense type %v, want meal", got)
	}

	b := startBrowser(t, app)
	emp := b.newTab("emp-li")
	emp.login("emp-li", "/h5/")
	emp.open("/h5/#report/" + reportID)
	emp.until("the draft", `document.getElementById('report-view').dataset.status === 'draft'`, nil)
	emp.click("#edit")
	emp.until("the editor", `!!document.querySelector('#edit-form select.expense-select')`, nil)
	emp.run("purpose", chromedp.SetValue("#edit-purpose", "招待客户", chromedp.ByQuery),
		chromedp.SetValue(`#edit-form select.expense-select`, "entertainment", chromedp.ByQuery))
	emp.click("#edit-save")
	emp.until("the purpose", `(document.getElementById('report-purpose') || {}).textContent === '招待客户'`, nil)
	var code string
	emp.eval(`document.querySelector('#report-invoices .expense-type').dataset.code`, &code)
	if code != "entertainment" {
		t.Fatalf("expense type shown %q", code)
	}
	emp.click("#act-submit")
	emp.until("submitted", `document.getElementById('report-view').dataset.status === 'submitted'`, nil)
	if res := app.Login(t, "mgr-zhao").Do(http.MethodPost, "/api/v1/reports/"+reportID+"/approve", map[string]any{}); res.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.Status, res.Body)
	}

	fin := b.newTab("fin-chen")
	fin.login("fin-chen", "/h5/finance")
	row := `#pay-table input.pick[data-report-id="` + reportID + `"]`
	fin.until("the report to pay", `!!document.querySelector('`+row+`')`, nil)
	fin.click(row)
	fin.run("method", chromedp.SetValue("#pay-method", "cash", chromedp.ByQuery),
		chromedp.SetValue("#pay-reference", "XJ-001", chromedp.ByQuery))
	fin.click("#pay-submit")
	fin.until("the payment", `!!document.getElementById('pay-done')`, nil)
	var href string
	fin.eval(`document.getElementById('bank-file-xlsx').getAttribute('href')`, &href)
	if file := app.Login(t, "fin-chen").Get(app.URL + href); file.Status != http.StatusOK {
		t.Fatalf("bank file %s: %d", href, file.Status)
	}
	fin.screenshot("finance-payment")

	emp.open("/h5/#report/" + reportID)
	emp.until("paid", `document.getElementById('report-view').dataset.status === 'paid'`, nil)
	var label, paidOn string
	emp.eval(`document.querySelector('#report-view .section-head .badge').textContent`, &label)
	emp.eval(`document.getElementById('report-paid-on').textContent`, &paidOn)
	if label != "已付款" || len(paidOn) != 10 {
		t.Fatalf("employee sees %q, paid on %q", label, paidOn)
	}
}

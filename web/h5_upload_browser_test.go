package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// On a phone-sized page, the employee picks three invoice files; one is a
// colleague's invoice already, and the page says so and by whom.
func TestBrowserUploadThreeFilesOneDuplicate(t *testing.T) {
	app := testkit.App(t, testkit.SQLite(t))
	dupXML := testkit.DigitalXML("26442000000077770001", "100.00", "6.00", "106.00", "演示科技有限公司")
	wang := app.Login(t, "emp-wang")
	if res := wang.Upload("/api/v1/invoices/upload", nil, testkit.File{Name: "wang.xml", Data: dupXML}); res.Status != http.StatusOK {
		t.Fatalf("wang's upload: %d %s", res.Status, res.Body)
	}
	dir := t.TempDir()
	files := map[string][]byte{
		"dinner.xml": testkit.DigitalXML("26442000000077770002", "50.00", "3.00", "53.00", "演示科技有限公司"),
		"taxi.png":   testkit.QRImage(t, "044031900111", "00007777", "20.00", "20261008", "12345678901234567890"),
		"same.xml":   dupXML,
	}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}

	b := startBrowser(t, app)
	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	li.until("the upload picker", `!!document.querySelector('#upload-files')`, nil)
	li.run("pick three files", chromedp.SetUploadFiles("#upload-files", paths, chromedp.ByQuery))
	li.until("three answers", `document.querySelectorAll('#upload-summary li').length === 3`, nil)
	var outcomes map[string]string
	li.eval(`Object.fromEntries(Array.from(document.querySelectorAll('#upload-summary li')).map(function (n) { return [n.textContent.split(' · ')[0], n.dataset.outcome]; }))`, &outcomes)
	if outcomes["dinner.xml"] != "imported" || outcomes["taxi.png"] != "imported" || outcomes["same.xml"] != "duplicate" {
		t.Fatalf("outcomes %v", outcomes)
	}
	var dupText string
	li.eval(`document.querySelector('#upload-summary li[data-outcome=duplicate]').textContent`, &dupText)
	if !strings.Contains(dupText, "已由") || !strings.Contains(dupText, "重复") {
		t.Fatalf("the duplicate line does not say who holds it: %q", dupText)
	}
	// The two new invoices are listed, marked as uploaded, and can join a report.
	li.until("the uploaded invoices in the list", `document.querySelectorAll('#invoices li.inv').length === 2 && document.querySelectorAll('#invoices input.pick').length === 2`, nil)
	li.screenshot("upload")

	// The QR gave no total: the employee completes it on the card.
	li.until("the complete button", `!!document.querySelector('#invoices button.complete-open')`, nil)
	li.click(`#invoices button.complete-open`)
	li.until("the form", `!!document.querySelector('form.complete-form')`, nil)
	li.eval(`(function () { const f = document.querySelector('form.complete-form'); f.elements.amount.value = '21.20'; f.elements.tax.value = '1.20'; return true; })()`, nil)
	li.click(`form.complete-form button[type=submit]`)
	li.until("no invoice left to complete", `document.querySelectorAll('#invoices li.inv').length === 2 && !document.querySelector('#invoices button.complete-open')`, nil)
	var amounts []string
	li.eval(`Array.from(document.querySelectorAll('#invoices li.inv .amount')).map(function (n) { return n.textContent; })`, &amounts)
	if !strings.Contains(strings.Join(amounts, " "), "21.20") {
		t.Fatalf("amounts after completing: %v", amounts)
	}
}

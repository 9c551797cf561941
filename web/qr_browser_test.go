package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBrowserPCQRImport drives the PC QR import in Chromium: fin-chen's PC
// shows a QR; emp-li's phone opens its link, signs in, picks two invoices
// in the sandbox wallet and imports them; they appear on the PC. The used
// code is refused on the phone, and an expired one says so on both sides.
func TestBrowserPCQRImport(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	b := startBrowser(t, app)

	pc := b.newTab("fin-chen-pc")
	pc.login("fin-chen", "/h5/pc-import")
	pc.until("the QR code", `!!document.querySelector('#qr-img') && document.getElementById('qr-state').dataset.state === 'pending'`, nil)
	var link string
	pc.eval(`document.getElementById('qr-img').dataset.url`, &link)
	u, err := url.Parse(link)
	if err != nil || u.Path != "/h5/qr-import" || u.Query().Get("t") == "" || !strings.HasPrefix(link, app.URL) {
		t.Fatalf("QR link %q", link)
	}
	var size []int
	pc.eval(`(() => { const i = document.getElementById('qr-img'); return [i.naturalWidth, i.naturalHeight]; })()`, &size)
	if len(size) != 2 || size[0] < 100 || size[0] != size[1] {
		t.Fatalf("QR image %v", size)
	}
	pc.screenshot("pc-import-qr")

	// The phone: not signed in, so through the login page and back.
	phone := b.newTab("emp-li-phone")
	target := strings.TrimPrefix(link, app.URL)
	phone.open(target)
	phone.until("the login page", `location.pathname === '/h5/login' && !!document.querySelector('button[data-user]')`, nil)
	phone.click(`button[data-user="emp-li"]`)
	phone.until("back on the import page", `location.pathname === '/h5/qr-import' && location.search.indexOf('t=') > 0 && !document.getElementById('qr-pick').hidden`, nil)
	pc.until("the PC sees the scan", `document.getElementById('qr-state').dataset.state === 'claimed'`, nil)
	phone.screenshot("qr-import-ready")

	phone.click("#qr-pick")
	picked := phone.pick(2, "")
	phone.until("the import summary", `!!document.querySelector('#qr-summary') && document.getElementById('qr-summary').dataset.imported === '2'`, nil)
	phone.screenshot("qr-import-done")

	pc.until("the invoices on the PC", `document.getElementById('qr-state').dataset.state === 'done' && document.querySelectorAll('#qr-invoices li.inv').length === 2`, nil)
	pc.screenshot("pc-import-done")
	var shown []string
	pc.eval(`Array.from(document.querySelectorAll('#qr-invoices li.inv')).map(n => n.dataset.invoiceId)`, &shown)
	if len(shown) != 2 || len(picked) != 2 {
		t.Fatalf("PC shows %v for %v", shown, picked)
	}

	// Used: the phone opening the link again is told so.
	phone.open(target)
	phone.until("the used-code error", `!!document.querySelector('#qr-error .error[data-code="qr.used"]') && document.getElementById('qr-pick').hidden`, nil)

	// Expired: a new code left to age on the PC.
	pc.click("#qr-new")
	pc.until("a new QR code", `document.getElementById('qr-state').dataset.state === 'pending' && document.getElementById('qr-img').dataset.url !== `+jsString(link), nil)
	var link2, biz2 string
	pc.eval(`document.getElementById('qr-img').dataset.url`, &link2)
	pc.eval(`document.getElementById('qr-img').dataset.bizCode`, &biz2)
	if _, err := app.DB.DB.NewUpdate().Table("qr_import_sessions").Set("expires_at = ?", time.Now().UTC().Add(-time.Second)).
		Where("biz_code = ?", biz2).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	pc.until("the PC shows the expiry", `document.getElementById('qr-state').dataset.state === 'expired' && !document.getElementById('qr-new').hidden`, nil)
	phone.open(strings.TrimPrefix(link2, app.URL))
	phone.until("the expired-code error", `!!document.querySelector('#qr-error .error[data-code="qr.expired"]')`, nil)
	phone.screenshot("qr-import-expired")
}

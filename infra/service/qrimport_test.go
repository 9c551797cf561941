package service_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

func qrToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != "/h5/qr-import" || u.Query().Get("t") == "" {
		t.Fatalf("QR link %q", link)
	}
	return u.Query().Get("t")
}

func wantCode(t *testing.T, what string, res testkit.Response, status int, code string) {
	t.Helper()
	if res.Status != status || res.ErrorCode() != code {
		t.Fatalf("%s: %d %s, want %d %s", what, res.Status, res.Body, status, code)
	}
}

// The PC QR import session over HTTP: shown, opened by one phone (a
// second is refused), imported through, used up; expired and unknown
// sessions say so. The browser test drives the same pages in Chromium.
func TestQRImportLifecycle(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		fin, li, wang := a.Login(t, "fin-chen"), a.Login(t, "emp-li"), a.Login(t, "emp-wang")

		start := fin.Do(http.MethodPost, "/api/v1/qr-imports", nil)
		if start.Status != http.StatusCreated || start.JSON["state"] != "pending" || start.JSON["qr_png"] == "" {
			t.Fatalf("start: %d %s", start.Status, start.Body)
		}
		biz := start.JSON["biz_code"].(string)
		token := qrToken(t, start.JSON["url"].(string))
		status := func() map[string]any {
			res := fin.Do(http.MethodGet, "/api/v1/qr-imports/"+biz, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("status: %d %s", res.Status, res.Body)
			}
			return res.JSON
		}
		if s := status(); s["state"] != "pending" || len(s["invoices"].([]any)) != 0 || s["qr_png"] != nil {
			t.Fatalf("pending %v", s)
		}
		// Only the PC that made it sees it.
		wantCode(t, "another's status", li.Do(http.MethodGet, "/api/v1/qr-imports/"+biz, nil), http.StatusNotFound, "not_found")

		if res := li.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": token}); res.Status != http.StatusOK || res.JSON["state"] != "claimed" {
			t.Fatalf("open: %d %s", res.Status, res.Body)
		}
		// Opening again on the same phone (a reload) is fine; another phone is refused.
		if res := li.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": token}); res.Status != http.StatusOK {
			t.Fatalf("reopen: %d %s", res.Status, res.Body)
		}
		wantCode(t, "second phone", wang.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": token}), http.StatusConflict, "qr.used")
		if s := status(); s["state"] != "claimed" || s["employee"].(map[string]any)["id"] != "emp-li" {
			t.Fatalf("claimed %v", s)
		}

		w := wallet(t, a, me(t, li)["openid"].(string))
		imp := li.Do(http.MethodPost, "/api/v1/qr-imports/import", map[string]any{"token": token, "choose_invoice_info": cards(w[:2])})
		if imp.Status != http.StatusOK || len(imp.JSON["imported"].([]any)) != 2 {
			t.Fatalf("import: %d %s", imp.Status, imp.Body)
		}
		s := status()
		if s["state"] != "done" || len(s["invoices"].([]any)) != 2 {
			t.Fatalf("done %v", s)
		}
		// Used up: neither opened nor imported through again.
		wantCode(t, "reuse: open", li.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": token}), http.StatusConflict, "qr.used")
		wantCode(t, "reuse: import", li.Do(http.MethodPost, "/api/v1/qr-imports/import", map[string]any{"token": token, "items": cards(w[2:3])}), http.StatusConflict, "qr.used")

		// An employee's own session takes only their own phone.
		own := li.Do(http.MethodPost, "/api/v1/qr-imports", nil)
		wantCode(t, "colleague's phone", wang.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": qrToken(t, own.JSON["url"].(string))}), http.StatusForbidden, "auth.forbidden")

		// Expired after 5 minutes.
		old := fin.Do(http.MethodPost, "/api/v1/qr-imports", nil)
		if exp := old.JSON["expires_at"].(string); !strings.HasSuffix(exp, "+08:00") {
			t.Fatalf("expires_at %s", exp)
		}
		if _, err := db.DB.NewUpdate().Table("qr_import_sessions").Set("expires_at = ?", time.Now().UTC().Add(-time.Second)).
			Where("biz_code = ?", old.JSON["biz_code"]).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "expired", li.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": qrToken(t, old.JSON["url"].(string))}), http.StatusGone, "qr.expired")
		if s := fin.Do(http.MethodGet, "/api/v1/qr-imports/"+old.JSON["biz_code"].(string), nil).JSON; s["state"] != "expired" {
			t.Fatalf("expired state %v", s["state"])
		}
		wantCode(t, "unknown token", li.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": "nosuchtoken"}), http.StatusNotFound, "not_found")
		wantCode(t, "no token", li.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{}), http.StatusBadRequest, "request.invalid")
	})
}

// The Yuanian PC flow: the ERP asks for a QR (grcode) with its document
// number, the employee scans and imports on the phone, the ERP finds the
// invoices by bizCode.
func TestYuanianQRFlow(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "元年")
		qr := erp.yn(ynReq{path: "/openapi/invoice/wechat/grcode", body: map[string]any{"content": "BX-ERP-2026-77", "width": 128, "height": 128}})
		wantYn(t, "grcode", qr, 1000)
		token := qrToken(t, qr["data"].(map[string]any)["url"].(string))

		wang := a.Login(t, "emp-wang")
		w := wallet(t, a, me(t, wang)["openid"].(string))
		if res := wang.Do(http.MethodPost, "/api/v1/qr-imports/import", map[string]any{"token": token, "items": cards(w[:2])}); res.Status != http.StatusOK {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}
		s := erp.yn(ynReq{path: "/openapi/invoice/wechat/search", header: map[string]any{"page": "1", "size": "10"}, body: map[string]any{"bizCode": "BX-ERP-2026-77"}})
		wantYn(t, "search", s, 1000)
		list := s["data"].(map[string]any)["invoiceList"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["bizCode"] != "BX-ERP-2026-77" {
			t.Fatalf("search %v", s["data"])
		}
	})
}

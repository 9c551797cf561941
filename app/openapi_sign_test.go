package app_test

import (
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/app"
)

// The worked examples of README.md ("ERP open API"): fixed inputs, fixed
// signatures. A change here breaks every ERP client.
func TestNativeSignatureWorkedExample(t *testing.T) {
	body := []byte(`{"employee_id":"emp-li","items":[{"card_id":"pjZ8Yt1XGILfGlQ-Demo","encrypt_code":"O/mPnGTpBu22a1szmK2Og+00001=="}]}`)
	sts := app.NativeStringToSign("POST", "/open/v1/invoices/import", "1760000000", "4f1c2d3e5a6b7c8d", body)
	if want := "POST\n/open/v1/invoices/import\n1760000000\n4f1c2d3e5a6b7c8d\n0d31e0e1ca2698622c0dc1981a0a4f140516a84e40f47979f3ddaf8464989dad"; sts != want {
		t.Fatalf("string to sign %q", sts)
	}
	if got := app.NativeSignature("bxs_example-secret-do-not-use", sts); got != "db57af45964f1f45a8c07faefa368fa5b242ae2b489653139a3387815d70055a" {
		t.Fatalf("signature %s", got)
	}
	// A GET signs the empty body's hash, and the query as sent.
	if got := app.NativeStringToSign("get", "/open/v1/export?format=csv&from=2026-10-01", "1", "n", nil); !strings.HasSuffix(got,
		"/open/v1/export?format=csv&from=2026-10-01\n1\nn\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") || !strings.HasPrefix(got, "GET\n") {
		t.Fatalf("GET string to sign %q", got)
	}
}

func TestYuanianSignWorkedExample(t *testing.T) {
	h := map[string]string{
		"appId": "app_0123456789abcdef0123", "token": "eyJhbGciOiJIUzUxMiJ9.e30.sig", "timestamp": "2026-10-09T16:30:00",
		"vendor": "WECHAT", "format": "JSON", "version": "v1.0", "sign": "ignored",
	}
	body := []byte(`{"invoiceList":[{"cardId":"pnAsy0p1ZYMEw6e8jLdsK-V2hnzI","encryptCode":"O/mPnGTpBu22a1szmK2ogzhFPBh9eYzv"}]}`)
	want := `appId=app_0123456789abcdef0123&format=JSON&timestamp=2026-10-09T16:30:00&token=eyJhbGciOiJIUzUxMiJ9.e30.sig&vendor=WECHAT&version=v1.0` +
		`&body={"invoiceList":[{"cardId":"pnAsy0p1ZYMEw6e8jLdsK-V2hnzI","encryptCode":"O/mPnGTpBu22a1szmK2ogzhFPBh9eYzv"}]}&key=bxs_example-secret-do-not-use`
	if got := app.YuanianStringToSign(h, body, "bxs_example-secret-do-not-use"); got != want {
		t.Fatalf("string to sign\n%s\nwant\n%s", got, want)
	}
	if got := app.YuanianSign(h, body, "bxs_example-secret-do-not-use"); got != "DACA43F2CE000479D2CF5F115ADB842E" {
		t.Fatalf("sign %s", got)
	}
}

// wechat-protocol.md §3.1's official vector.
func TestJSAPISignatureOfficialVector(t *testing.T) {
	got := app.JSAPISignature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", "1414587457", "http://mp.weixin.qq.com?params=value")
	if got != "0f9de62fce790f9a083d5c99e95740ceb90c27ed" {
		t.Fatal(got)
	}
}

func TestWebhookSignature(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"report.approved"}`)
	sig := app.WebhookSignature("whsec_example", 1760000000, body)
	if sig != "20084fdf43b68f498412117e5cbd8ddb17382b5f1d04170b627a94383b88bc87" {
		t.Fatalf("signature %s", sig)
	}
}

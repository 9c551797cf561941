package service_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

var (
	money2   = regexp.MustCompile(`^-?\d+\.\d{2}$`)
	dateOnly = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// seedInvoiceFields are the fields of the seed's invoice (元年 2.1.3).
var seedInvoiceFields = []string{
	"bizCode", "cardId", "encryptCode", "beginTime", "endTime", "openid", "type", "amountTax", "title", "billingDate",
	"invoiceCode", "invoiceNumber", "totalAmount", "totalTax", "pdfUrl", "tripPdfUrl", "reimburseStatus", "checkCode",
	"purchaserTaxNo", "purchaserAddressPhone", "purchaserBank", "salesTaxNo", "salesAddressPhone", "salesBank",
	"remarks", "payee", "checker", "drawer", "detail", "invoiceLineList",
}

func wantSeedInvoice(t *testing.T, inv map[string]any) {
	t.Helper()
	for _, f := range seedInvoiceFields {
		if _, ok := inv[f]; !ok {
			t.Fatalf("invoice lacks %s: %v", f, inv)
		}
	}
	for _, f := range []string{"amountTax", "totalAmount", "totalTax"} {
		if s, ok := inv[f].(string); !ok || !money2.MatchString(s) {
			t.Fatalf("%s = %#v, want a yuan string", f, inv[f])
		}
	}
	if s, _ := inv["billingDate"].(string); !dateOnly.MatchString(s) {
		t.Fatalf("billingDate %#v", inv["billingDate"])
	}
	if s, _ := inv["reimburseStatus"].(string); !strings.HasPrefix(s, "INVOICE_REIMBURSE_") {
		t.Fatalf("reimburseStatus %#v", inv["reimburseStatus"])
	}
	lines, _ := inv["invoiceLineList"].([]any)
	if len(lines) == 0 {
		t.Fatalf("no lines: %v", inv)
	}
	for _, l := range lines {
		l := l.(map[string]any)
		if _, ok := l["commodityName"].(string); !ok || !money2.MatchString(l["unitPrice"].(string)) {
			t.Fatalf("line %v", l)
		}
		if _, ok := l["quantity"]; !ok {
			t.Fatalf("line lacks quantity: %v", l)
		}
	}
}

// Every Yuanian endpoint with the seed's field names and our result
// codes, always HTTP 200.
func TestYuanianProfile(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "元年")
		li := a.Login(t, "emp-li")
		openid := me(t, li)["openid"].(string)
		w := wallet(t, a, openid)

		// Token: an HS512 JWT like the seed's.
		tok := erp.yn(ynReq{path: "/openapi/auth/token"})
		wantYn(t, "token", tok, 1000)
		token := tok["data"].(map[string]any)["token"].(string)
		if !strings.HasPrefix(token, "eyJhbGciOiJIUzUxMiJ9.") || strings.Count(token, ".") != 2 {
			t.Fatalf("token %s", token)
		}
		erp.token = token

		// Import: the owner is found from WeChat's openid; bizCode is kept.
		imp := erp.yn(ynReq{path: "/openapi/invoice/wechat/import", body: map[string]any{"bizCode": "BX-YN-1", "invoiceList": ynCards(w[:2])}})
		wantYn(t, "import", imp, 1000)
		if imp["message"] != "success" {
			t.Fatalf("message %v", imp["message"])
		}
		data := imp["data"].([]any)
		if len(data) != 2 {
			t.Fatalf("imported %v", data)
		}
		inv := data[0].(map[string]any)
		wantSeedInvoice(t, inv)
		if inv["bizCode"] != "BX-YN-1" || inv["openid"] != openid || inv["cardId"] != w[0]["card_id"] || inv["reimburseStatus"] != "INVOICE_REIMBURSE_INIT" {
			t.Fatalf("invoice %v", inv)
		}
		// They belong to emp-li now, as if imported on the phone.
		mine := li.Do(http.MethodGet, "/api/v1/invoices", nil).JSON["items"].([]any)
		if len(mine) != 2 {
			t.Fatalf("emp-li has %d invoices", len(mine))
		}
		// The /jsapi variant: the same, accessToken ignored; re-import is idempotent.
		again := erp.yn(ynReq{path: "/openapi/invoice/wechat/import/jsapi", body: map[string]any{"accessToken": "ACCESS_TOKEN_OF_THE_ERP", "invoiceList": ynCards(w[:1])}})
		wantYn(t, "import/jsapi", again, 1000)
		if again["data"].([]any)[0].(map[string]any)["id"] != inv["id"] {
			t.Fatalf("re-import: %v", again["data"])
		}
		// Partly refused: the good one goes in, the bad one is in failed.
		ynBad := append(ynCards(w[2:3]), map[string]any{"cardId": "pNoSuchCard", "encryptCode": "bm9uZQ=="})
		part := erp.yn(ynReq{path: "/openapi/invoice/wechat/import", body: map[string]any{"invoiceList": ynBad}})
		wantYn(t, "partial import", part, 1000)
		if len(part["data"].([]any)) != 1 || len(part["failed"].([]any)) != 1 {
			t.Fatalf("partial: %v", part)
		}
		wantYn(t, "empty list", erp.yn(ynReq{path: "/openapi/invoice/wechat/import", body: map[string]any{"invoiceList": []any{}}}), 1003)

		// Status update, both variants, in WeChat at once.
		invs := []map[string]any{{"card_id": w[0]["card_id"], "encrypt_code": w[0]["encrypt_code"]}, {"card_id": w[1]["card_id"], "encrypt_code": w[1]["encrypt_code"]}}
		upd := erp.yn(ynReq{path: "/openapi/invoice/wechat/status/update", body: map[string]any{"openid": openid, "reimburseStatus": "INVOICE_REIMBURSE_LOCK", "invoiceList": ynCards(w[:2])}})
		wantYn(t, "lock", upd, 1000)
		if upd["data"] != nil {
			t.Fatalf("data %v", upd["data"])
		}
		wantStatuses(t, a, invs, "LOCK")
		wantYn(t, "unlock", erp.yn(ynReq{path: "/openapi/invoice/wechat/status/update/jsapi", body: map[string]any{"openid": openid, "accessToken": "x", "reimburseStatus": "INVOICE_REIMBURSE_INIT", "invoiceList": ynCards(w[:2])}}), 1000)
		wantStatuses(t, a, invs, "INIT")
		wantYn(t, "cancel", erp.yn(ynReq{path: "/openapi/invoice/wechat/status/update", body: map[string]any{"openid": openid, "reimburseStatus": "INVOICE_REIMBURSE_CANCEL", "invoiceList": ynCards(w[:1])}}), 1003)
		wantYn(t, "another's openid", erp.yn(ynReq{path: "/openapi/invoice/wechat/status/update", body: map[string]any{"openid": "oSOMEONEELSE", "reimburseStatus": "INVOICE_REIMBURSE_LOCK", "invoiceList": ynCards(w[:1])}}), 1003)
		wantYn(t, "unknown invoice", erp.yn(ynReq{path: "/openapi/invoice/wechat/status/update", body: map[string]any{"openid": openid, "reimburseStatus": "INVOICE_REIMBURSE_LOCK", "invoiceList": []any{map[string]any{"cardId": "pNo", "encryptCode": "bm8="}}}}), 1004)
		// In a baoxiao report: the report rules (conflict).
		createReport(t, li, []map[string]any{{"id": inv["id"]}})
		wantYn(t, "in a report", erp.yn(ynReq{path: "/openapi/invoice/wechat/status/update", body: map[string]any{"openid": openid, "reimburseStatus": "INVOICE_REIMBURSE_LOCK", "invoiceList": ynCards(w[:1])}}), 2003)
		// WeChat refuses (72023): 2001 with the errcode.
		lockElsewhere(t, a, w[1])
		refused := erp.yn(ynReq{path: "/openapi/invoice/wechat/status/update", body: map[string]any{"openid": openid, "reimburseStatus": "INVOICE_REIMBURSE_LOCK", "invoiceList": ynCards(w[1:2])}})
		wantYn(t, "refused", refused, 2001)
		if !strings.Contains(refused["message"].(string), "72023") {
			t.Fatalf("message %v", refused["message"])
		}
		// WeChat unavailable: 2002.
		a.Sandbox(t, http.MethodPost, "/_control/faults", map[string]any{"rate": 1, "errcodes": []int{-1}, "paths": []string{"reimburse"}})
		wantYn(t, "unavailable", erp.yn(ynReq{path: "/openapi/invoice/wechat/import", body: map[string]any{"invoiceList": ynCards(w[3:4])}}), 2002)
		a.Sandbox(t, http.MethodDelete, "/_control/faults", nil)

		// grcode and qrcode: a PNG of our H5 import URL, base64 then URL-encoded.
		for _, path := range []string{"/openapi/invoice/wechat/grcode", "/openapi/invoice/wechat/qrcode"} {
			// Two identical calls within a second would carry one sign (a
			// replay): an extra header field, signed too, tells them apart.
			qr := erp.yn(ynReq{path: path, header: map[string]any{"nonce": path}, body: map[string]any{"content": "201811101212001", "width": 200, "height": 200}})
			wantYn(t, path, qr, 1000)
			d := qr["data"].(map[string]any)
			if d["content"] != "201811101212001" || !strings.Contains(d["url"].(string), "/h5/qr-import?t=") {
				t.Fatalf("%s: %v", path, d)
			}
			b64, err := url.QueryUnescape(d["imageData"].(string))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(raw))
			if err != nil || cfg.Width != 200 || cfg.Height != 200 {
				t.Fatalf("%s: png %+v %v", path, cfg, err)
			}
		}
		gen := erp.yn(ynReq{path: "/openapi/invoice/wechat/grcode", body: map[string]any{"width": 100, "height": 100}})
		wantYn(t, "generated content", gen, 1000)
		if c, _ := gen["data"].(map[string]any)["content"].(string); !strings.HasPrefix(c, "QR") {
			t.Fatalf("generated content %q", c)
		}

		// Search: page and size in the header; all values strings.
		s := erp.yn(ynReq{path: "/openapi/invoice/wechat/search", header: map[string]any{"page": "1", "size": "1"}, body: map[string]any{"bizCode": "BX-YN-1", "invoiceCode": "", "invoiceNumber": "", "startDate": "", "endDate": "", "taxNos": []any{}}})
		wantYn(t, "search", s, 1000)
		sd := s["data"].(map[string]any)
		if sd["page"] != "1" || sd["size"] != "1" || sd["totalPage"] != "2" || sd["invoiceCount"] != "2" || len(sd["invoiceList"].([]any)) != 1 {
			t.Fatalf("search %v", sd)
		}
		wantSeedInvoice(t, sd["invoiceList"].([]any)[0].(map[string]any))
		if sd["invoiceList"].([]any)[0].(map[string]any)["bizCode"] != "BX-YN-1" {
			t.Fatalf("bizCode %v", sd["invoiceList"])
		}
		p2 := erp.yn(ynReq{path: "/openapi/invoice/wechat/search", header: map[string]any{"page": 2, "size": 1}, body: map[string]any{"bizCode": "BX-YN-1"}})
		wantYn(t, "page 2", p2, 1000)
		if p2["data"].(map[string]any)["invoiceList"].([]any)[0].(map[string]any)["id"] == sd["invoiceList"].([]any)[0].(map[string]any)["id"] {
			t.Fatal("page 2 repeats page 1")
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		byDate := erp.yn(ynReq{path: "/openapi/invoice/wechat/search", header: map[string]any{"page": "1", "size": "10"}, body: map[string]any{
			"startDate": today + " 00:00:00", "endDate": today, "invoiceNumber": inv["invoiceNumber"], "taxNos": []any{map[string]any{"taxNo": inv["purchaserTaxNo"]}},
		}})
		wantYn(t, "search by date", byDate, 1000)
		if byDate["data"].(map[string]any)["invoiceCount"] != "1" {
			t.Fatalf("by date %v", byDate["data"])
		}
		wantYn(t, "bad date", erp.yn(ynReq{path: "/openapi/invoice/wechat/search", body: map[string]any{"startDate": "yesterday"}}), 1003)
		wantYn(t, "bad size", erp.yn(ynReq{path: "/openapi/invoice/wechat/search", header: map[string]any{"page": "1", "size": "1000"}, body: map[string]any{}}), 1003)

		// JSAPI sign: wechat-protocol.md §3.1's official vector.
		sign := erp.yn(ynReq{path: "/openapi/wechat/jsapi/sign", body: map[string]any{
			"noncestr": "Wm3WZYTPz0wzccnW", "jsapiTicket": "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
			"timestamp": "1414587457", "url": "http://mp.weixin.qq.com?params=value",
		}})
		wantYn(t, "jsapi sign", sign, 1000)
		if sign["data"] != "0f9de62fce790f9a083d5c99e95740ceb90c27ed" {
			t.Fatalf("jsapi sign %v", sign["data"])
		}
		wantYn(t, "jsapi sign without url", erp.yn(ynReq{path: "/openapi/wechat/jsapi/sign", body: map[string]any{"noncestr": "n", "jsapiTicket": "t", "timestamp": 1}}), 1003)
	})
}

// The Yuanian profile's refusals: sign, token, replay, skew, envelope.
func TestYuanianRefusals(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "元年")
		other := newERP(t, a, "other")
		body := map[string]any{"bizCode": "none"}
		search := func(r ynReq) map[string]any {
			r.path = "/openapi/invoice/wechat/search"
			if r.body == nil && r.rawBody == "" {
				r.body = body
			}
			return erp.yn(r)
		}
		ok := search(ynReq{})
		wantYn(t, "signed", ok, 1000)
		// The same appId and sign again within 10 minutes (the envelope
		// resent byte for byte): replay.
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/openapi/invoice/wechat/search", strings.NewReader(ok["__raw"].(string)))
		if res := doHTTP(t, req); res.Status != 200 || ynCode(res.JSON) != 1002 {
			t.Fatalf("resent: %d %s", res.Status, res.Body)
		}
		wantYn(t, "bad sign", search(ynReq{sign: "C2806495EC6AA889DF0694A14A1DF32A"}), 1001)
		wantYn(t, "other secret", search(ynReq{secret: other.secret}), 1001)
		wantYn(t, "old timestamp", search(ynReq{timestamp: time.Now().Add(-6 * time.Minute)}), 1002)
		wantYn(t, "page and size are signed too", search(ynReq{header: map[string]any{"page": "1", "size": "5"}}), 1000)
		wantYn(t, "no token", search(ynReq{noToken: true}), 1001)
		wantYn(t, "another app's token", search(ynReq{header: map[string]any{"token": other.fetchTokenValue()}}), 1001)
		wantYn(t, "a forged token", search(ynReq{header: map[string]any{"token": "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ4In0.AAAA"}}), 1001)
		wantYn(t, "wrong vendor", search(ynReq{header: map[string]any{"vendor": "ALIPAY"}}), 1003)
		wantYn(t, "bad timestamp", search(ynReq{header: map[string]any{"timestamp": "2018/08/30 09:00"}}), 1003)
		wantYn(t, "unknown app", search(ynReq{header: map[string]any{"appId": "100002"}}), 1001)
		// The seed's "appld" spelling is accepted.
		wantYn(t, "appld", search(ynReq{header: map[string]any{"appId": nil, "appld": erp.id}}), 1000)
		wantYn(t, "body of the wrong shape", search(ynReq{rawBody: `{"taxNos":"91440300"}`}), 1003)
		for _, raw := range []string{`not json`, `{"body":{}}`, `{"header":{"appId":{}}}`} {
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/openapi/invoice/wechat/search", strings.NewReader(raw))
			if res := doHTTP(t, req); res.Status != 200 || ynCode(res.JSON) != 1003 {
				t.Fatalf("%s: %d %s", raw, res.Status, res.Body)
			}
		}
		if err := a.Svc.OpenAPI.RevokeApp(context.Background(), erp.id); err != nil {
			t.Fatal(err)
		}
		wantYn(t, "revoked", search(ynReq{}), 1001)
	})
}

func (e *erpClient) fetchTokenValue() string {
	e.fetchToken()
	return e.token
}

// The Yuanian sign does not cover the path, so the replay memory is kept
// per endpoint (issue 15 item 11): two legitimate calls to different
// endpoints that carry one sign (same header and body within a second)
// both go through, while the same envelope resent to its own endpoint,
// however the path is spelled, is still a replay.
func TestYuanianReplayIsPerEndpoint(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "元年")
		at := time.Now()
		search := erp.yn(ynReq{path: "/openapi/invoice/wechat/search", body: map[string]any{}, timestamp: at})
		wantYn(t, "search", search, 1000)
		qr := erp.yn(ynReq{path: "/openapi/invoice/wechat/qrcode", body: map[string]any{}, timestamp: at})
		if qr["__sign"] != search["__sign"] {
			t.Fatalf("the two calls carry different signs: %v, %v", qr["__sign"], search["__sign"])
		}
		wantYn(t, "the same sign at another endpoint", qr, 1000)
		for _, path := range []string{"/openapi/invoice/wechat/search", "/openapi/invoice/wechat/search/", "/OPENAPI/invoice/wechat/Search"} {
			req, _ := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(search["__raw"].(string)))
			req.Header.Set("Content-Type", "application/json")
			if res := doHTTP(t, req); res.Status != 200 || ynCode(res.JSON) != 1002 {
				t.Fatalf("resent to %s: %d %s", path, res.Status, res.Body)
			}
		}
	})
}

package service_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Native profile signatures (DECISIONS 23): accepted when right; refused
// for a bad signature, an old timestamp, a replayed nonce, a wrong or
// revoked app, or no signature at all.
func TestNativeSignatures(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "用友 ERP")
		other := newERP(t, a, "金蝶 ERP")
		get := func(r signedReq) testkit.Response {
			r.method, r.target = http.MethodGet, "/open/v1/invoices/inv_nosuchinvoice?x=1"
			return erp.send(r)
		}
		want := func(what string, res testkit.Response, status int, code string) {
			t.Helper()
			if res.Status != status || res.ErrorCode() != code {
				t.Fatalf("%s: %d %s, want %d %s", what, res.Status, res.Body, status, code)
			}
		}
		// Signed right, the call reaches the handler: the invoice is unknown.
		want("signed", get(signedReq{}), http.StatusNotFound, "not_found")
		want("bad signature", get(signedReq{tamper: true}), http.StatusUnauthorized, "signature.invalid")
		want("old timestamp", get(signedReq{ts: time.Now().Add(-6 * time.Minute).Unix()}), http.StatusUnauthorized, "signature.replayed")
		want("future timestamp", get(signedReq{ts: time.Now().Add(6 * time.Minute).Unix()}), http.StatusUnauthorized, "signature.replayed")
		want("4 minutes old is fine", get(signedReq{ts: time.Now().Add(-4 * time.Minute).Unix()}), http.StatusNotFound, "not_found")
		n := nonce()
		want("first use of a nonce", get(signedReq{nonce: n}), http.StatusNotFound, "not_found")
		want("replayed nonce", get(signedReq{nonce: n}), http.StatusUnauthorized, "signature.replayed")
		want("unknown app", get(signedReq{appID: "app_nosuchapp"}), http.StatusUnauthorized, "signature.invalid")
		want("another app's secret", get(signedReq{secret: other.secret}), http.StatusUnauthorized, "signature.invalid")
		want("no signature", get(signedReq{noSign: true}), http.StatusUnauthorized, "auth.required")
		// The query is signed: changing it breaks the signature.
		r := signedReq{method: http.MethodGet, target: "/open/v1/invoices/inv_x?x=1"}
		res := erp.send(signedReq{method: r.method, target: "/open/v1/invoices/inv_x?x=2", nonce: "fixed-nonce-q"})
		want("query as signed", res, http.StatusNotFound, "not_found")
		// The body is signed: a body other than the one signed is refused.
		body := mustJSON(t, map[string]any{"invoice_ids": []string{"inv_x"}, "status": "LOCK"})
		raw := erp.send(signedReq{method: http.MethodPost, target: "/open/v1/invoices/status", body: body, idemKey: "k-sig"})
		want("signed body", raw, http.StatusNotFound, "not_found")

		if err := a.Svc.OpenAPI.RevokeApp(context.Background(), other.id); err != nil {
			t.Fatal(err)
		}
		want("revoked app", other.send(signedReq{method: http.MethodGet, target: "/open/v1/reports/rpt_x"}), http.StatusUnauthorized, "signature.invalid")

		// Every call of an existing app was recorded, with its outcome and
		// no secret; the unknown app's and the unsigned one were not
		// (issue 15 item 10).
		var calls []struct {
			AppID    string `bun:"app_id"`
			Endpoint string `bun:"endpoint"`
			Status   int    `bun:"status"`
			Result   string `bun:"result"`
		}
		if err := db.DB.NewSelect().Table("open_api_calls").Column("app_id", "endpoint", "status", "result").OrderExpr("id").Scan(context.Background(), &calls); err != nil {
			t.Fatal(err)
		}
		if len(calls) != 11 {
			t.Fatalf("%d calls recorded", len(calls))
		}
		results := map[string]int{}
		for _, c := range calls {
			results[c.Result]++
			if strings.Contains(c.AppID+c.Endpoint+c.Result, "bxs_") {
				t.Fatalf("a secret in the call log: %+v", c)
			}
		}
		if results["signature.invalid"] != 3 || results["signature.replayed"] != 3 || results["not_found"] != 5 || results["auth.required"] != 0 {
			t.Fatalf("results %v", results)
		}
		if calls[0].AppID != erp.id || calls[0].Endpoint != "/open/v1/invoices/:id" || calls[0].Status != 404 {
			t.Fatalf("first call %+v", calls[0])
		}
	})
}

// Import for an employee, read back, set statuses outside reports,
// report rules inside them, idempotency, search and export.
func TestNativeERPFlow(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "ERP")
		li := a.Login(t, "emp-li")
		w := wallet(t, a, me(t, li)["openid"].(string))

		body := map[string]any{"employee_id": "emp-li", "biz_code": "BX-ERP-0001", "items": cards(w[:2])}
		first := erp.call(http.MethodPost, "/open/v1/invoices/import", body, "import-1")
		if first.Status != http.StatusOK {
			t.Fatalf("import: %d %s", first.Status, first.Body)
		}
		imported := first.JSON["imported"].([]any)
		if len(imported) != 2 {
			t.Fatalf("imported %s", first.Body)
		}
		inv0 := imported[0].(map[string]any)
		if inv0["biz_code"] != "BX-ERP-0001" || inv0["owner"].(map[string]any)["id"] != "emp-li" || inv0["wechat_status"] != "INIT" {
			t.Fatalf("invoice %v", inv0)
		}
		// The same key and body: the stored answer. Another body: 409.
		again := erp.call(http.MethodPost, "/open/v1/invoices/import", body, "import-1")
		if again.Status != http.StatusOK || again.JSON["__replayed"] != true || string(again.Body) != string(first.Body) {
			t.Fatalf("replay: %d %s", again.Status, again.Body)
		}
		body["biz_code"] = "BX-ERP-0002"
		if res := erp.call(http.MethodPost, "/open/v1/invoices/import", body, "import-1"); res.Status != http.StatusConflict || res.ErrorCode() != "idempotency.conflict" {
			t.Fatalf("other body: %d %s", res.Status, res.Body)
		}
		if res := erp.call(http.MethodPost, "/open/v1/invoices/import", body, ""); res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" {
			t.Fatalf("no key: %d %s", res.Status, res.Body)
		}
		if res := erp.call(http.MethodPost, "/open/v1/invoices/import", map[string]any{"employee_id": "nobody", "items": cards(w[:1])}, "import-x"); res.Status != http.StatusBadRequest {
			t.Fatalf("unknown employee: %d %s", res.Status, res.Body)
		}

		id0 := inv0["id"].(string)
		got := erp.call(http.MethodGet, "/open/v1/invoices/"+id0, nil, "")
		if got.Status != http.StatusOK || got.JSON["id"] != id0 || got.JSON["amount"] == nil || got.JSON["biz_code"] != "BX-ERP-0001" {
			t.Fatalf("get: %d %s", got.Status, got.Body)
		}

		// Status of invoices in no report: LOCK, INIT, then CLOSURE
		// (which locks first), synchronously in WeChat.
		ids := []string{id0, imported[1].(map[string]any)["id"].(string)}
		walletInvs := []map[string]any{imported[0].(map[string]any), imported[1].(map[string]any)}
		for i, st := range []string{"LOCK", "INIT", "CLOSURE"} {
			res := erp.call(http.MethodPost, "/open/v1/invoices/status", map[string]any{"invoice_ids": ids, "status": st}, "status-"+st)
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", st, res.Status, res.Body)
			}
			for _, it := range res.JSON["items"].([]any) {
				if it.(map[string]any)["wechat_status"] != st {
					t.Fatalf("%d %s: our record %v", i, st, it.(map[string]any)["wechat_status"])
				}
			}
			wantStatuses(t, a, walletInvs, st)
		}
		if res := erp.call(http.MethodPost, "/open/v1/invoices/status", map[string]any{"invoice_ids": ids, "status": "INIT"}, "status-reopen"); res.Status != http.StatusConflict || res.ErrorCode() != "invoice.already_reimbursed" {
			t.Fatalf("reopen a closure: %d %s", res.Status, res.Body)
		}
		if res := erp.call(http.MethodPost, "/open/v1/invoices/status", map[string]any{"invoice_ids": ids, "status": "CANCEL"}, "status-cancel"); res.Status != http.StatusBadRequest {
			t.Fatalf("cancel: %d %s", res.Status, res.Body)
		}

		// An invoice in a baoxiao report follows the report (DECISIONS 24).
		mine := importN(t, a, li, 2)
		report := createReport(t, li, mine[:1])
		res := erp.call(http.MethodPost, "/open/v1/invoices/status", map[string]any{"invoice_ids": []string{mine[0]["id"].(string)}, "status": "LOCK"}, "status-in-report")
		if res.Status != http.StatusConflict || res.ErrorCode() != "invoice.in_report" || errorDetails(res)["report_number"] != report["number"] {
			t.Fatalf("in a report: %d %s", res.Status, res.Body)
		}
		wantStatuses(t, a, mine[:1], "INIT")
		// WeChat refuses: another company holds the lock.
		lockElsewhere(t, a, mine[1])
		res = erp.call(http.MethodPost, "/open/v1/invoices/status", map[string]any{"invoice_ids": []string{mine[1]["id"].(string)}, "status": "LOCK"}, "status-elsewhere")
		if res.Status != http.StatusConflict || res.ErrorCode() != "invoice.locked_elsewhere" || errorDetails(res)["errcode"] != float64(72023) {
			t.Fatalf("locked elsewhere: %d %s", res.Status, res.Body)
		}

		rep := erp.call(http.MethodGet, "/open/v1/reports/"+report["id"].(string), nil, "")
		if rep.Status != http.StatusOK || rep.JSON["number"] != report["number"] || rep.JSON["status"] != "draft" {
			t.Fatalf("report: %d %s", rep.Status, rep.Body)
		}
		if res := erp.call(http.MethodGet, "/open/v1/reports/rpt_none", nil, ""); res.Status != http.StatusNotFound {
			t.Fatalf("unknown report: %d", res.Status)
		}

		// Search with the finance filters, keyset paging.
		page1 := erp.call(http.MethodPost, "/open/v1/invoices/search", map[string]any{"employee": "emp-li", "date_field": "imported_on", "limit": 3}, "")
		if page1.Status != http.StatusOK || len(page1.JSON["items"].([]any)) != 3 || page1.JSON["next_cursor"] == nil {
			t.Fatalf("search: %d %s", page1.Status, page1.Body)
		}
		page2 := erp.call(http.MethodPost, "/open/v1/invoices/search", map[string]any{"employee": "emp-li", "date_field": "imported_on", "limit": 3, "cursor": page1.JSON["next_cursor"]}, "")
		if page2.Status != http.StatusOK || len(page2.JSON["items"].([]any)) != 1 || page2.JSON["next_cursor"] != nil {
			t.Fatalf("search page 2: %d %s", page2.Status, page2.Body)
		}
		item := page1.JSON["items"].([]any)[0].(map[string]any)
		if item["employee"].(map[string]any)["id"] != "emp-li" || item["lines"] == nil || item["warnings"] == nil {
			t.Fatalf("search item %v", item)
		}
		if res := erp.call(http.MethodPost, "/open/v1/invoices/search", map[string]any{"wechat_status": []string{"NOPE"}}, ""); res.Status != http.StatusBadRequest {
			t.Fatalf("bad filter: %d %s", res.Status, res.Body)
		}

		// Export: approved reports by approval date, streamed.
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, a.Login(t, "mgr-zhao"), report, "approve", nil, http.StatusOK)
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		exp := erp.send(signedReq{method: http.MethodGet, target: "/open/v1/export?format=csv&from=" + today + "&to=" + today})
		if exp.Status != http.StatusOK || !strings.Contains(string(exp.Body), report["number"].(string)) {
			t.Fatalf("export: %d %s", exp.Status, exp.Body)
		}
		// Machines read this one: states stay codes (DECISIONS 50).
		codes := regexp.MustCompile(`,(INIT|LOCK|CLOSURE),(synced|pending),[^,]*,[^,]+,wallet,`)
		if body := string(exp.Body); !codes.MatchString(body) {
			t.Errorf("open export states are not codes: %s", body)
		}
		for _, label := range []string{"未报销", "报销中", "已报销", "已同步", "同步中", "卡包"} {
			if strings.Contains(string(exp.Body), label) {
				t.Errorf("open export shows the label %s", label)
			}
		}
		if res := erp.send(signedReq{method: http.MethodGet, target: "/open/v1/export?format=pdf&from=" + today + "&to=" + today}); res.Status != http.StatusBadRequest {
			t.Fatalf("bad format: %d %s", res.Status, res.Body)
		}
	})
}

// Refused calls are logged only under an app that exists (issue 15 item
// 10): a made-up app id, or none, is counted in a metric by reason, and
// the claimed id appears nowhere.
func TestOpenAPICallLogOnlyKnownApps(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		erp := newERP(t, a, "ERP")
		unlogged := func() map[string]float64 {
			t.Helper()
			out := map[string]float64{}
			for _, line := range strings.Split(string(a.Client(t).Get(a.URL+"/metrics").Body), "\n") {
				if rest, ok := strings.CutPrefix(line, "baoxiao_open_api_unlogged_calls_total{"); ok {
					labels, value, _ := strings.Cut(rest, "} ")
					var f float64
					_, _ = fmt.Sscan(value, &f)
					out[labels] = f
				}
			}
			return out
		}
		before := unlogged()
		get := signedReq{method: http.MethodGet, target: "/open/v1/reports/rpt_x"}
		made := func(id string) signedReq { r := get; r.appID = id; return r }
		erp.send(made("app_madeup_native"))
		erp.send(made("app_madeup_native2"))
		nosign := get
		nosign.noSign = true
		erp.send(nosign)
		wantYn(t, "made-up yuanian app", erp.yn(ynReq{path: "/openapi/invoice/wechat/search", body: map[string]any{}, header: map[string]any{"appId": "app_madeup_yuanian"}}), 1001)
		bad := get
		bad.tamper = true
		erp.send(bad) // a real app with a wrong signature: logged

		var calls []struct {
			AppID  string `bun:"app_id"`
			Result string `bun:"result"`
		}
		if err := db.DB.NewSelect().Table("open_api_calls").Column("app_id", "result").OrderExpr("id").Scan(context.Background(), &calls); err != nil {
			t.Fatal(err)
		}
		if len(calls) != 2 || calls[0].AppID != erp.id || calls[1].AppID != erp.id || calls[1].Result != "signature.invalid" {
			t.Fatalf("logged %+v, want the token call and the wrong signature of %s only", calls, erp.id)
		}
		after := unlogged()
		for labels, want := range map[string]float64{
			`profile="native",reason="unknown_app"`:  2,
			`profile="native",reason="no_app"`:       1,
			`profile="yuanian",reason="unknown_app"`: 1,
		} {
			if got := after[labels] - before[labels]; got < want {
				t.Errorf("%s: counted %v more, want %v", labels, got, want)
			}
		}
		for labels := range after {
			if strings.Contains(labels, "madeup") {
				t.Errorf("a claimed app id in a metric label: %s", labels)
			}
		}
	})
}

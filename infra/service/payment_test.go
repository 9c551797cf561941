package service_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// approvedReport imports n invoices for the user, files a report with a
// purpose and has mgr-zhao approve it.
func approvedReport(t *testing.T, a *testkit.AppServer, user string, n int, purpose string) map[string]any {
	t.Helper()
	c, mgr := a.Login(t, user), a.Login(t, "mgr-zhao")
	r := createReport(t, c, importN(t, a, c, n))
	res := c.Do(http.MethodPatch, "/api/v1/reports/"+r["id"].(string), map[string]any{"version": r["version"], "purpose": purpose})
	if res.Status != http.StatusOK || res.JSON["purpose"] != purpose {
		t.Fatalf("purpose: %d %s", res.Status, res.Body)
	}
	act(t, c, r, "submit", nil, http.StatusOK)
	return act(t, mgr, r, "approve", nil, http.StatusOK).JSON
}

func setAccount(t *testing.T, c *testkit.Client, path, number, name string) map[string]any {
	t.Helper()
	res := c.Do(http.MethodPut, path, map[string]any{
		"bank": "中国工商银行", "branch": "深圳南山支行", "account_number": number, "account_name": name,
	})
	if res.Status != http.StatusOK {
		t.Fatalf("bank account: %d %s", res.Status, res.Body)
	}
	return res.JSON["bank_account"].(map[string]any)
}

func count(t *testing.T, db testkit.DB, table, where string, args ...any) int {
	t.Helper()
	n, err := db.DB.NewSelect().Table(table).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestPaymentBatch: a cashier pays two approved reports in one payment;
// both are paid (WeChat stays CLOSURE), report.paid is queued for each,
// the bank file carries the full accounts and exact amounts, and every
// other answer masks them.
func TestPaymentBatch(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv(
			"BAOXIAO_PAYMENT_PAYER_BANK=招商银行深圳分行", "BAOXIAO_PAYMENT_PAYER_ACCOUNT_NAME=演示科技有限公司"))
		admin, fin := a.Login(t, "admin"), a.Login(t, "fin-chen")
		if res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": "https://erp.example/hook", "events": []string{"report.paid"}}); res.Status != http.StatusCreated {
			t.Fatalf("webhook: %d %s", res.Status, res.Body)
		}
		li, wang := a.Login(t, "emp-li"), a.Login(t, "emp-wang")
		r1 := approvedReport(t, a, "emp-li", 2, "=深圳客户拜访")
		r2 := approvedReport(t, a, "emp-wang", 1, "")
		a.RunOutbox(t)

		masked := setAccount(t, li, "/api/v1/me/bank-account", "6222 0212 3456 7890 123", "李娜")
		if masked["account_number"] != "6222 **** **** 0123" {
			t.Fatalf("masked %v", masked)
		}
		setAccount(t, admin, "/api/v1/admin/employees/emp-wang/bank-account", "6214830212345678", "王芳")
		if got := wang.Do(http.MethodGet, "/api/v1/me/bank-account", nil); got.JSON["bank_account"].(map[string]any)["account_number"] != "6214 **** **** 5678" {
			t.Fatalf("wang sees %s", got.Body)
		}
		if res := li.Do(http.MethodPut, "/api/v1/admin/employees/emp-wang/bank-account", map[string]any{"bank": "x", "account_number": "12345678", "account_name": "x"}); res.Status != http.StatusForbidden {
			t.Fatalf("employee sets another's account: %d", res.Status)
		}
		// Sealed at rest: neither number is in the database in clear.
		for _, number := range []string{"6222021234567890123", "6214830212345678"} {
			if n := count(t, db, "employee_bank_accounts", "account_sealed LIKE ?", "%"+number[4:12]+"%"); n != 0 {
				t.Fatalf("account number stored in clear")
			}
		}

		res := fin.Do(http.MethodPost, "/api/v1/payments", map[string]any{
			"report_ids": []string{r1["id"].(string), r2["id"].(string)}, "paid_on": "2026-11-05",
			"method": "bank_transfer", "reference": "B20261105-01", "payer_account": "755912345610001",
		})
		if res.Status != http.StatusCreated {
			t.Fatalf("pay: %d %s", res.Status, res.Body)
		}
		pay := res.JSON
		if !strings.Contains(string(res.Body), "6222 **** **** 0123") || strings.Contains(string(res.Body), "6222021234567890123") {
			t.Fatalf("payment answer shows %s", res.Body)
		}
		for _, r := range []map[string]any{r1, r2} {
			got := fin.Do(http.MethodGet, "/api/v1/reports/"+r["id"].(string), nil).JSON
			p, _ := got["payment"].(map[string]any)
			if got["status"] != "paid" || p["paid_on"] != "2026-11-05" || p["reference"] != "B20261105-01" {
				t.Fatalf("report %v payment %v", got["status"], got["payment"])
			}
		}
		for _, inv := range li.Do(http.MethodGet, "/api/v1/reports/"+r1["id"].(string), nil).JSON["invoices"].([]any) {
			if inv.(map[string]any)["wechat_status"] != "CLOSURE" {
				t.Fatalf("paid invoice %v", inv)
			}
		}
		if n := a.Pending(t); n != 0 {
			t.Fatalf("payment queued %d WeChat writes", n)
		}
		if n := count(t, db, "webhook_deliveries", "event_type = ?", "report.paid"); n != 2 {
			t.Fatalf("%d report.paid deliveries", n)
		}

		// The bank file: ICBC's 批量支付 columns, full numbers, exact amounts.
		file := fin.Do(http.MethodGet, "/api/v1/payments/"+pay["id"].(string)+"/bank-file?format=csv", nil)
		want := "\uFEFF付款账号开户行,付款账号,付款账号名称,收款账号开户行,省份,城市,收款账号,收款账号名称,金额,汇款用途,备注,短信通知手机号码\r\n" +
			"招商银行深圳分行,755912345610001,演示科技有限公司,中国工商银行深圳南山支行,,,6222021234567890123,李娜," + r1["total"].(string) + ",'=深圳客户拜访," + r1["number"].(string) + ",\r\n" +
			"招商银行深圳分行,755912345610001,演示科技有限公司,中国工商银行深圳南山支行,,,6214830212345678,王芳," + r2["total"].(string) + ",报销款," + r2["number"].(string) + ",\r\n"
		if file.Status != http.StatusOK || string(file.Body) != want || file.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("bank file %d:\n%q\nwant\n%q", file.Status, file.Body, want)
		}
		xl := fin.Do(http.MethodGet, "/api/v1/payments/"+pay["id"].(string)+"/bank-file?format=xlsx", nil)
		x, err := excelize.OpenReader(bytes.NewReader(xl.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 3 || rows[1][6] != "6222021234567890123" || rows[2][8] != r2["total"] || rows[1][8] != r1["total"] {
			t.Fatalf("xlsx rows %v", rows)
		}
		// Account numbers are "@" text cells: editing one never turns it
		// into a rounded number.
		for _, cell := range []string{"B2", "G2", "G3"} {
			id, err := x.GetCellStyle(x.GetSheetList()[0], cell)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := x.GetStyle(id); err != nil || st.NumFmt != 49 {
				t.Errorf("bank file %s: number format %v (%v), want 49 (@)", cell, st, err)
			}
		}
		if res := li.Do(http.MethodGet, "/api/v1/payments/"+pay["id"].(string)+"/bank-file", nil); res.Status != http.StatusForbidden {
			t.Fatalf("employee reads the bank file: %d", res.Status)
		}

		// The open API: the native report view and the Yuanian search.
		erp := newERP(t, a, "erp")
		or := erp.call(http.MethodGet, "/open/v1/reports/"+r1["id"].(string), nil, "")
		if or.Status != http.StatusOK || or.JSON["status"] != "paid" || or.JSON["purpose"] != "=深圳客户拜访" ||
			or.JSON["payment"].(map[string]any)["reference"] != "B20261105-01" {
			t.Fatalf("open report: %d %s", or.Status, or.Body)
		}
		yn := erp.yn(ynReq{path: "/openapi/invoice/wechat/search", header: map[string]any{"page": "1", "size": "50"}, body: map[string]any{}})
		paidSeen := 0
		for _, it := range yn["data"].(map[string]any)["invoiceList"].([]any) {
			if m := it.(map[string]any); m["paidOn"] == "2026-11-05" && m["reportStatus"] == "paid" {
				paidSeen++
			}
		}
		if paidSeen != 3 {
			t.Fatalf("Yuanian search shows %d paid invoices: %v", paidSeen, yn["data"])
		}

		// Finance: approved includes paid, paid narrows it (DECISIONS 39).
		for q, n := range map[string]int{"approved": 3, "paid": 3, "submitted": 0, "approved&date_field=approved_on": 3} {
			res := fin.Do(http.MethodGet, "/api/v1/finance/invoices?report_status="+q, nil)
			if items := res.JSON["items"].([]any); len(items) != n {
				t.Fatalf("report_status=%s: %d items %s", q, len(items), res.Body)
			}
		}
		row := fin.Do(http.MethodGet, "/api/v1/finance/invoices?report_status=paid&q="+testkit.Query("=深圳"), nil).JSON["items"].([]any)
		if len(row) != 2 || row[0].(map[string]any)["report"].(map[string]any)["paid_on"] != "2026-11-05" {
			t.Fatalf("q on purpose: %v", row)
		}
	})
}

// TestPaymentTellsOwners: one payment of three reports (two of one owner)
// queues, in its transaction, exactly one paid notice per report, to its
// owner, and one report.paid webhook per report; a refused second payment
// queues nothing more.
func TestPaymentTellsOwners(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		if res := a.Login(t, "admin").Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": "https://erp.example/hook", "events": []string{"report.paid"}}); res.Status != http.StatusCreated {
			t.Fatalf("webhook: %d %s", res.Status, res.Body)
		}
		owners := map[string]string{}
		var ids []string
		for _, who := range []string{"emp-li", "emp-li", "emp-wang"} {
			id := approvedReport(t, a, who, 1, "")["id"].(string)
			owners[id] = who
			ids = append(ids, id)
		}
		if n := count(t, db, "notices", "event = ?", "paid"); n != 0 {
			t.Fatalf("%d paid notices before payment", n)
		}
		zhou := a.Login(t, "fin-zhou")
		body := map[string]any{"report_ids": ids, "paid_on": "2026-11-05", "method": "cash", "reference": "C-1"}
		if res := zhou.Do(http.MethodPost, "/api/v1/payments", body); res.Status != http.StatusCreated {
			t.Fatalf("pay: %d %s", res.Status, res.Body)
		}
		if res := zhou.Do(http.MethodPost, "/api/v1/payments", body); res.Status != http.StatusConflict {
			t.Fatalf("paid twice: %d %s", res.Status, res.Body)
		}
		var rows []struct {
			ReportID    string `bun:"report_id"`
			RecipientID string `bun:"recipient_id"`
			Inbox       bool   `bun:"inbox"`
		}
		if err := db.DB.NewSelect().Table("notices").Column("report_id", "recipient_id", "inbox").
			Where("event = ?", "paid").Scan(context.Background(), &rows); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range rows {
			if owners[r.ReportID] != r.RecipientID || !r.Inbox {
				t.Fatalf("paid notice of %s to %s (inbox %v)", r.ReportID, r.RecipientID, r.Inbox)
			}
			seen[r.ReportID]++
		}
		for _, id := range ids {
			if seen[id] != 1 {
				t.Fatalf("report %s: %d paid notices (all: %v)", id, seen[id], seen)
			}
			if n := count(t, db, "webhook_deliveries", "event_type = ? AND payload LIKE ?", "report.paid", "%"+id+"%"); n != 1 {
				t.Fatalf("report %s: %d report.paid deliveries", id, n)
			}
		}
		if ev, n := inbox(t, a.Login(t, "emp-li"), "?unread=true"); n != 4 || ev[0] != "paid" || ev[1] != "paid" {
			t.Fatalf("owner inbox = %v %d", ev, n)
		}
	})
}

// TestPaymentRefused: what cannot be paid changes nothing.
func TestPaymentRefused(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		fin, li := a.Login(t, "fin-chen"), a.Login(t, "emp-li")
		approved := approvedReport(t, a, "emp-li", 1, "差旅")
		submitted := createReport(t, li, importN(t, a, li, 1))
		act(t, li, submitted, "submit", nil, http.StatusOK)
		pay := func(c *testkit.Client, ids []string, method string) testkit.Response {
			return c.Do(http.MethodPost, "/api/v1/payments", map[string]any{"report_ids": ids, "paid_on": "2026-11-05", "method": method, "reference": "R1"})
		}
		id, sub := approved["id"].(string), submitted["id"].(string)
		for name, c := range map[string]struct {
			res    testkit.Response
			status int
			code   string
		}{
			"mixed":           {pay(fin, []string{id, sub}, "cash"), http.StatusConflict, "payment.not_payable"},
			"unknown":         {pay(fin, []string{id, "rpt_nope"}, "cash"), http.StatusConflict, "payment.not_payable"},
			"twice in one":    {pay(fin, []string{id, id}, "cash"), http.StatusBadRequest, "request.invalid"},
			"bad method":      {pay(fin, []string{id}, "bitcoin"), http.StatusBadRequest, "request.invalid"},
			"no bank account": {pay(fin, []string{id}, "bank_transfer"), http.StatusUnprocessableEntity, "payment.no_bank_account"},
			"employee":        {pay(li, []string{id}, "cash"), http.StatusForbidden, "auth.forbidden"},
			"bad date":        {fin.Do(http.MethodPost, "/api/v1/payments", map[string]any{"report_ids": []string{id}, "paid_on": "11/05", "method": "cash"}), http.StatusBadRequest, "request.invalid"},
		} {
			if c.res.Status != c.status || c.res.ErrorCode() != c.code {
				t.Errorf("%s: %d %s", name, c.res.Status, c.res.Body)
			}
		}
		if n := count(t, db, "payments", "1 = 1"); n != 0 {
			t.Fatalf("%d payments after refusals", n)
		}
		if got := fin.Do(http.MethodGet, "/api/v1/reports/"+id, nil).JSON; got["status"] != "approved" || got["payment"] != nil {
			t.Fatalf("refused payment changed the report: %v", got["status"])
		}
		if res := pay(fin, []string{id}, "cash"); res.Status != http.StatusCreated {
			t.Fatalf("pay: %d %s", res.Status, res.Body)
		}
		if res := pay(fin, []string{id}, "cash"); res.Status != http.StatusConflict || res.ErrorCode() != "payment.not_payable" {
			t.Fatalf("paid twice: %d %s", res.Status, res.Body)
		}
	})
}

// TestPaymentFinanceSwitch: payment.finance_may_pay=false leaves payment
// to cashiers (DECISIONS 36).
func TestPaymentFinanceSwitch(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_PAYMENT_FINANCE_MAY_PAY=false"))
		r := approvedReport(t, a, "emp-li", 1, "")
		body := map[string]any{"report_ids": []string{r["id"].(string)}, "paid_on": "2026-11-05", "method": "cash"}
		if res := a.Login(t, "fin-chen").Do(http.MethodPost, "/api/v1/payments", body); res.Status != http.StatusForbidden {
			t.Fatalf("finance pays: %d", res.Status)
		}
		admin := a.Login(t, "admin")
		emp := admin.Do(http.MethodGet, "/api/v1/admin/employees/emp-wang", nil).JSON
		res := admin.Do(http.MethodPatch, "/api/v1/admin/employees/emp-wang", map[string]any{"version": emp["version"], "roles": []string{"employee", "cashier"}})
		if res.Status != http.StatusOK {
			t.Fatalf("make cashier: %d %s", res.Status, res.Body)
		}
		if res := a.Login(t, "emp-wang").Do(http.MethodPost, "/api/v1/payments", body); res.Status != http.StatusCreated {
			t.Fatalf("cashier pays: %d %s", res.Status, res.Body)
		}
	})
}

// TestPaymentRace: two cashiers pay one report at once. The first passes
// its checks and is held before its transaction; the second pays in full;
// the first then finds the report paid and changes nothing.
func TestPaymentRace(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		r := approvedReport(t, a, "emp-li", 1, "")
		other := approvedReport(t, a, "emp-wang", 1, "")
		held, release := make(chan struct{}), make(chan struct{})
		var calls atomic.Int32
		a.Svc.Payments.OnChecked(func(context.Context) {
			if calls.Add(1) == 1 {
				close(held)
				<-release
			}
		})
		fin := a.Login(t, "fin-chen")
		var first testkit.Response
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			first = fin.Do(http.MethodPost, "/api/v1/payments", map[string]any{
				"report_ids": []string{other["id"].(string), r["id"].(string)}, "paid_on": "2026-11-05", "method": "cash", "reference": "A"})
		}()
		<-held
		second := a.Login(t, "fin-chen").Do(http.MethodPost, "/api/v1/payments", map[string]any{
			"report_ids": []string{r["id"].(string)}, "paid_on": "2026-11-06", "method": "cash", "reference": "B"})
		close(release)
		wg.Wait()
		if second.Status != http.StatusCreated {
			t.Fatalf("second: %d %s", second.Status, second.Body)
		}
		if first.Status != http.StatusConflict || first.ErrorCode() != "payment.not_payable" {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		if n := count(t, db, "payments", "1 = 1"); n != 1 {
			t.Fatalf("%d payments", n)
		}
		if got := fin.Do(http.MethodGet, "/api/v1/reports/"+other["id"].(string), nil).JSON; got["status"] != "approved" {
			t.Fatalf("the refused payment paid the other report: %v", got["status"])
		}
		got := fin.Do(http.MethodGet, "/api/v1/reports/"+r["id"].(string), nil).JSON
		if got["payment"].(map[string]any)["reference"] != "B" {
			t.Fatalf("paid by %v", got["payment"])
		}
	})
}

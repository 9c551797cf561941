package service_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/cli"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

var chinaTime = time.FixedZone("CST", 8*3600)

// days is a date range ending today in China, as finance's filters read it.
func days(back int) (from, to string) {
	now := time.Now().In(chinaTime)
	return now.AddDate(0, 0, -back).Format(time.DateOnly), now.Format(time.DateOnly)
}

// financeScene: emp-li has an approved report of three (delivered to
// WeChat), a draft of one and one free invoice; emp-wang a rejected report
// of two.
type financeScene struct {
	approved, draft, free, rejected []map[string]any
	approvedReport                  map[string]any
}

func newFinanceScene(t *testing.T, a *testkit.AppServer) financeScene {
	t.Helper()
	li, wang, mgr := a.Login(t, "emp-li"), a.Login(t, "emp-wang"), a.Login(t, "mgr-zhao")
	invs := importN(t, a, li, 5)
	var s financeScene
	s.approved, s.draft, s.free = invs[:3], invs[3:4], invs[4:]
	s.approvedReport = createReport(t, li, s.approved)
	act(t, li, s.approvedReport, "submit", nil, http.StatusOK)
	act(t, mgr, s.approvedReport, "approve", nil, http.StatusOK)
	createReport(t, li, s.draft)
	s.rejected = importN(t, a, wang, 2)
	r := createReport(t, wang, s.rejected)
	act(t, wang, r, "submit", nil, http.StatusOK)
	act(t, mgr, r, "reject", map[string]any{"reason": "重复"}, http.StatusOK)
	a.RunOutbox(t)
	return s
}

func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// searchAll pages through a finance search two at a time.
func searchAll(t *testing.T, c *testkit.Client, q string) []map[string]any {
	t.Helper()
	var out []map[string]any
	cursor := ""
	for range 50 {
		path := "/api/v1/finance/invoices?limit=2&" + q
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := c.Do(http.MethodGet, path, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("search %s: %d %s", q, res.Status, res.Body)
		}
		for _, it := range res.JSON["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		next, _ := res.JSON["next_cursor"].(string)
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatal("paging did not end")
	return nil
}

func idsOf(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it["id"].(string)
	}
	slices.Sort(out)
	return out
}

func cents(t *testing.T, s any) int64 {
	t.Helper()
	m, err := domain.ParseMoney(s.(string))
	if err != nil {
		t.Fatal(err)
	}
	return m.Cents()
}

func TestFinanceSearchExportHTTP(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		s := newFinanceScene(t, a)
		fin, li := a.Login(t, "fin-chen"), a.Login(t, "emp-li")
		from, to := days(60)
		all := slices.Concat(s.approved, s.draft, s.free, s.rejected)

		// Employees are refused every finance endpoint.
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, "/api/v1/finance/invoices"}, {http.MethodGet, "/api/v1/finance/invoices/totals"},
			{http.MethodGet, "/api/v1/finance/export?" + query("from", from, "to", to)},
			{http.MethodPost, "/api/v1/finance/reconcile"}, {http.MethodGet, "/api/v1/finance/reconcile/rec_x"},
		} {
			if res := li.Do(c.method, c.path, map[string]any{"from": from, "to": to}); res.Status != http.StatusForbidden || res.ErrorCode() != "auth.forbidden" {
				t.Errorf("%s %s as employee: %d %s", c.method, c.path, res.Status, res.Body)
			}
		}
		// Invalid filters name their field.
		for field, q := range map[string]string{
			"from": "from=2026-13-01", "to": "from=2026-10-02&to=2026-10-01", "date_field": "date_field=paid_on",
			"limit": "limit=501", "cursor": "cursor=bm9wZQ", "min_amount": "min_amount=1.234",
			"report_status": "report_status=refunded", "wechat_status": "wechat_status=DONE", "employee": "employee=Emp Li",
		} {
			res := fin.Do(http.MethodGet, "/api/v1/finance/invoices?"+q, nil)
			fields, _ := res.JSON["error"].(map[string]any)["details"].(map[string]any)["fields"].(map[string]any)
			if res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" || fields[field] == nil {
				t.Errorf("%s: %d %s", q, res.Status, res.Body)
			}
		}

		everything := searchAll(t, fin, query("from", from, "to", to))
		if !slices.Equal(idsOf(everything), idsOf(all)) {
			t.Fatalf("search found %v, want %v", idsOf(everything), idsOf(all))
		}
		for _, c := range []struct {
			q    string
			want []map[string]any
		}{
			{query("from", from, "to", to, "report_status", "approved"), s.approved},
			{query("report_status", "draft,none"), slices.Concat(s.draft, s.free)},
			{query("employee", "emp-wang"), s.rejected},
			{query("wechat_status", "CLOSURE"), s.approved},
			{query("wechat_status", "INIT", "report_status", "rejected"), s.rejected},
			{query("date_field", "approved_on", "from", to, "to", to), s.approved},
			{query("q", "李"), slices.Concat(s.approved, s.draft, s.free)},
			{query("q", s.free[0]["invoice_number"].(string)), s.free},
			{query("min_amount", "999999.00"), nil},
		} {
			got := searchAll(t, fin, c.q)
			if !slices.Equal(idsOf(got), idsOf(c.want)) {
				t.Errorf("%s: %v, want %v", c.q, idsOf(got), idsOf(c.want))
			}
			var sum int64
			for _, it := range got {
				sum += cents(t, it["amount"])
			}
			tot := fin.Do(http.MethodGet, "/api/v1/finance/invoices/totals?"+c.q, nil)
			if tot.Status != http.StatusOK || tot.JSON["count"] != float64(len(got)) || cents(t, tot.JSON["amount"]) != sum {
				t.Errorf("totals %s: %s (rows sum %d)", c.q, tot.Body, sum)
			}
		}
		approved := searchAll(t, fin, query("report_status", "approved"))
		if r, _ := approved[0]["report"].(map[string]any); r == nil || r["number"] != s.approvedReport["number"] ||
			r["approved_at"] == nil || r["approver"].(map[string]any)["name"] != "赵磊" || approved[0]["sync_state"] != "synced" {
			t.Errorf("approved row %v", approved[0])
		}

		// The export: October-style, by approval date, today.
		csvRes := fin.Do(http.MethodGet, "/api/v1/finance/export?"+query("format", "csv", "from", to, "to", to), nil)
		if csvRes.Status != http.StatusOK {
			t.Fatalf("export: %d %s", csvRes.Status, csvRes.Body)
		}
		if !bytes.HasPrefix(csvRes.Body, []byte("\xEF\xBB\xBF")) {
			t.Fatal("no BOM")
		}
		records, err := csv.NewReader(bytes.NewReader(csvRes.Body[3:])).ReadAll()
		if err != nil || len(records) != 5 || records[4][0] != "合计 3 张" {
			t.Fatalf("csv: %v %q", err, records)
		}
		// People's file: states in Chinese (the open API's keeps codes).
		if wx, sync, src := records[1][17], records[1][18], records[1][21]; wx != "已报销" || sync != "已同步" || src != "卡包" {
			t.Errorf("csv states %q %q %q, want 已报销 已同步 卡包", wx, sync, src)
		}
		var sum int64
		for _, inv := range s.approved {
			sum += cents(t, inv["amount"])
		}
		if cents(t, records[4][16]) != sum {
			t.Errorf("csv total %s, want %d cents", records[4][16], sum)
		}
		xlsx := exportXLSX(t, a, to)
		x, err := excelize.OpenReader(bytes.NewReader(xlsx))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("报销明细")
		if len(rows) != 5 || cents(t, rows[4][16]) != sum {
			t.Errorf("xlsx rows %v", rows)
		}
		x.Close()

		checkFinanceColumns(t, db)
	})
}

// exportXLSX downloads the XLSX export of one day's approvals and checks
// its headers.
func exportXLSX(t *testing.T, a *testkit.AppServer, day string) []byte {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	login, err := hc.Post(a.URL+"/auth/sandbox/login", "application/json", strings.NewReader(`{"user":"fin-chen"}`))
	if err != nil {
		t.Fatal(err)
	}
	login.Body.Close()
	res, err := hc.Get(a.URL + "/api/v1/finance/export?" + query("format", "xlsx", "from", day, "to", day))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("xlsx export: %d %v", res.StatusCode, err)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="baoxiao-%s_%s.xlsx"`, day, day) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("Content-Type %q", ct)
	}
	return body
}

// checkFinanceColumns: invoices.report_status and approved_at, kept by
// the report store, agree with the reports themselves.
func checkFinanceColumns(t *testing.T, db testkit.DB) {
	t.Helper()
	var bad []struct {
		ID           string
		ReportStatus string
		Want         string
	}
	err := db.DB.NewSelect().TableExpr("invoices AS i").
		ColumnExpr("i.id, i.report_status, COALESCE(r.status, '') AS want").
		Join("LEFT JOIN report_invoices AS ri ON ri.invoice_id = i.id").
		Join("LEFT JOIN reports AS r ON r.id = ri.report_id").
		Where("i.report_status <> COALESCE(r.status, '') OR (i.approved_at IS NULL) <> (COALESCE(r.status, '') <> 'approved')").
		Scan(context.Background(), &bad)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("finance columns out of step: %+v", bad)
	}
}

func setWeChat(t *testing.T, a *testkit.AppServer, inv map[string]any, status, lockedBy string) {
	t.Helper()
	res := a.Sandbox(t, http.MethodPost, "/_control/invoice", map[string]any{
		"card_id": inv["card_id"], "encrypt_code": inv["encrypt_code"],
		"reimburse_status": "INVOICE_REIMBURSE_" + status, "locked_by_appid": lockedBy,
	})
	if res.Status != http.StatusOK {
		t.Fatalf("set WeChat status: %d %s", res.Status, res.Body)
	}
}

// awaitRun polls a reconciliation until it is no longer running.
func awaitRun(t *testing.T, c *testkit.Client, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res := c.Do(http.MethodGet, "/api/v1/finance/reconcile/"+id, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("poll run: %d %s", res.Status, res.Body)
		}
		if res.JSON["state"] != "running" {
			return res.JSON
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still running: %s", id, res.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mismatchesByInvoice(run map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, m := range run["mismatches"].([]any) {
		mm := m.(map[string]any)
		out[mm["invoice_id"].(string)] = mm
	}
	return out
}

// Mismatches made in the sandbox are found with their reasons, repaired
// through the outbox where WeChat allows, and left to a person where it
// does not (CLOSURE and CANCEL are final).
func TestReconcileFindsAndRepairs(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, mgr, fin := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao"), a.Login(t, "fin-chen")
		invs := importN(t, a, li, 6)
		approved, submitted, free := invs[:3], invs[3:5], invs[5]
		r1 := createReport(t, li, approved)
		act(t, li, r1, "submit", nil, http.StatusOK)
		act(t, mgr, r1, "approve", nil, http.StatusOK)
		act(t, li, createReport(t, li, submitted), "submit", nil, http.StatusOK)
		a.RunOutbox(t)
		wang := a.Login(t, "emp-wang")
		cancelled := importN(t, a, wang, 1)[0]

		ours := a.Sandbox(t, http.MethodGet, "/_control/invoice?card_id="+testkit.Query(submitted[1]["card_id"].(string))+
			"&encrypt_code="+testkit.Query(submitted[1]["encrypt_code"].(string)), nil).JSON["locked_by_appid"].(string)
		setWeChat(t, a, approved[0], "LOCK", ours) // approval not delivered
		setWeChat(t, a, approved[1], "INIT", "")   // lock lost too
		setWeChat(t, a, submitted[0], "INIT", "")  // lock lost
		setWeChat(t, a, submitted[1], "CLOSURE", ours)
		setWeChat(t, a, free, "LOCK", ours)
		setWeChat(t, a, cancelled, "CANCEL", "")
		// Our record lags: WeChat and the report agree on CLOSURE.
		if _, err := a.Svc.Store.Invoices.Update(context.Background(), domain.InvoiceID(approved[2]["id"].(string)), func(inv *domain.Invoice) error {
			inv.RecordWeChatStatus(domain.StatusLock, time.Now())
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		from, to := days(60)
		start := fin.Do(http.MethodPost, "/api/v1/finance/reconcile", map[string]any{"from": from, "to": to})
		if start.Status != http.StatusAccepted || start.JSON["state"] != "running" {
			t.Fatalf("start: %d %s", start.Status, start.Body)
		}
		runID := start.JSON["id"].(string)
		if li.Do(http.MethodPost, "/api/v1/finance/reconcile/"+runID+"/repair", nil).Status != http.StatusForbidden {
			t.Error("an employee may not repair")
		}
		run := awaitRun(t, fin, runID)
		if run["state"] != "done" || run["checked"] != float64(7) || run["mismatch_count"] != float64(7) {
			t.Fatalf("run %v", run)
		}
		found := mismatchesByInvoice(run)
		want := map[string][3]string{ // invoice → ours, wechat, kind
			approved[0]["id"].(string):  {"CLOSURE", "LOCK", "status"},
			approved[1]["id"].(string):  {"CLOSURE", "INIT", "status"},
			approved[2]["id"].(string):  {"CLOSURE", "CLOSURE", "record"},
			submitted[0]["id"].(string): {"LOCK", "INIT", "status"},
			submitted[1]["id"].(string): {"LOCK", "CLOSURE", "status"},
			free["id"].(string):         {"INIT", "LOCK", "status"},
			cancelled["id"].(string):    {"INIT", "CANCEL", "cancelled"},
		}
		for id, w := range want {
			m := found[id]
			if m == nil || m["ours"] != w[0] || m["wechat"] != w[1] || m["kind"] != w[2] || m["reason"] == "" || m["repair"] != nil {
				t.Errorf("mismatch of %s = %v, want %v", id, m, w)
			}
		}
		if found[approved[0]["id"].(string)]["report_number"] != r1["number"] {
			t.Errorf("report number %v", found[approved[0]["id"].(string)])
		}

		repaired := fin.Do(http.MethodPost, "/api/v1/finance/reconcile/"+runID+"/repair", nil)
		if repaired.Status != http.StatusOK {
			t.Fatalf("repair: %d %s", repaired.Status, repaired.Body)
		}
		after := mismatchesByInvoice(repaired.JSON)
		for id, state := range map[string]string{
			approved[0]["id"].(string): "queued", approved[1]["id"].(string): "queued", approved[2]["id"].(string): "recorded",
			submitted[0]["id"].(string): "queued", submitted[1]["id"].(string): "needs_human",
			free["id"].(string): "queued", cancelled["id"].(string): "needs_human",
		} {
			if after[id]["repair"] != state {
				t.Errorf("repair of %s: %v, want %s", id, after[id], state)
			}
		}
		if a.Pending(t) != 4 {
			t.Errorf("%d changes queued, want 4", a.Pending(t))
		}
		// A second repair finds nothing more to do.
		fin.Do(http.MethodPost, "/api/v1/finance/reconcile/"+runID+"/repair", nil)
		if a.Pending(t) != 4 {
			t.Errorf("repairing twice queued more: %d", a.Pending(t))
		}
		a.RunOutbox(t)
		wantStatuses(t, a, approved, "CLOSURE")
		wantStatuses(t, a, submitted[:1], "LOCK")
		wantStatuses(t, a, []map[string]any{free}, "INIT")
		wantStatuses(t, a, submitted[1:], "CLOSURE")
		wantStatuses(t, a, []map[string]any{cancelled}, "CANCEL")

		// Once repaired, only what needs a person is left.
		again := fin.Do(http.MethodPost, "/api/v1/finance/reconcile", map[string]any{"from": from, "to": to})
		left := awaitRun(t, fin, again.JSON["id"].(string))
		if left["mismatch_count"] != float64(2) || mismatchesByInvoice(left)[submitted[1]["id"].(string)] == nil {
			t.Errorf("second run %v", left)
		}
		if res := fin.Do(http.MethodGet, "/api/v1/finance/reconcile/rec_nope", nil); res.Status != http.StatusNotFound {
			t.Errorf("unknown run: %d", res.Status)
		}
		checkFinanceColumns(t, db)
	})
}

// runCLI runs a baoxiao subcommand on the app's database and sandbox.
func runCLI(t *testing.T, a *testkit.AppServer, db testkit.DB, name string, args ...string) (string, error) {
	t.Helper()
	cfg, err := config.Load("", append([]string{
		"BAOXIAO_PUBLIC_URL=" + a.URL, "BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_LOG_LEVEL=error",
		"BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
	}, a.StorageEnv()...))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = cli.Run(context.Background(), name, args, cli.Env{Cfg: cfg, Log: slog.New(slog.DiscardHandler), Stdout: &out, Stderr: &out})
	return out.String(), err
}

func TestFinanceCLI(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		s := newFinanceScene(t, a)
		_, today := days(0)

		dir := t.TempDir()
		out := filepath.Join(dir, "oct.xlsx")
		msg, err := runCLI(t, a, db, "export", "--from", today, "--to", today, "--format", "xlsx", "--out", out)
		if err != nil || msg != "" { // quiet: stderr is no terminal
			t.Fatalf("export: %v %q", err, msg)
		}
		x, err := excelize.OpenFile(out)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("报销明细")
		if len(rows) != len(s.approved)+2 || rows[len(rows)-1][0] != fmt.Sprintf("合计 %d 张", len(s.approved)) {
			t.Errorf("xlsx rows %v", rows)
		}
		x.Close()
		if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}

		csvOut, err := runCLI(t, a, db, "export", "--from", today, "--to", today, "--out", "-")
		// No BOM on stdout: a pipe (iconv -t gbk) takes it for text.
		if err != nil || !strings.HasPrefix(csvOut, "报销单号") || !strings.Contains(csvOut, "合计 3 张") {
			t.Errorf("csv to stdout: %v %q", err, csvOut)
		}
		if _, err := runCLI(t, a, db, "export", "--from", today); err == nil || !strings.Contains(err.Error(), "to") {
			t.Errorf("export without --to: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "baoxiao-"+today+"_"+today+".csv")); err == nil {
			t.Error("a refused export wrote a file")
		}

		// Reconcile from the command line finds a lost lock and repairs it.
		setWeChat(t, a, s.approved[0], "INIT", "")
		from, to := days(60)
		report, err := runCLI(t, a, db, "reconcile", "--from", from, "--to", to, "--repair")
		if err != nil || !strings.Contains(report, "mismatches 1\n") || !strings.Contains(report, "queued") {
			t.Fatalf("reconcile: %v\n%s", err, report)
		}
		a.RunOutbox(t)
		wantStatuses(t, a, s.approved, "CLOSURE")
	})
}

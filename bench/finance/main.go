// Command finance benchmarks finance search, totals and exports on a
// SQLite database of many invoices (issue 7, DECISIONS 21 and 22).
//
//	go run ./bench/finance -n 1000000            # seed (once), then measure
//	go run ./bench/finance -n 1000000 -db /tmp/fin.db -skip-export
//
// It seeds with bulk INSERT … SELECT statements (a million invoices take
// about a minute), then measures: search pages (a one-month range plus one
// filter, a page of 50, first and next pages) as p50/p95/max per shape;
// totals over a month; and the CSV and XLSX exports of every approved
// invoice, each in a child process so its peak RSS is its own, beside a
// bare rows.Next dump of the same rows (the baseline of issue 7's ratios).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/export"
	"github.com/baoxiao/baoxiao/infra/store"
)

var (
	flagN      = flag.Int("n", 1_000_000, "invoices to seed")
	flagDB     = flag.String("db", "", "SQLite file (default: bench-finance-<n>.db in the temp directory); reused when it exists")
	flagIter   = flag.Int("iter", 200, "search queries per shape")
	flagSkipEx = flag.Bool("skip-export", false, "skip the export runs")
	flagOnly   = flag.String("only", "", "run only the search shapes whose name contains this")
	flagPhase  = flag.String("phase", "", "internal: run one export phase (csv, xlsx, raw) in this process")
	flagOut    = flag.String("out", os.DevNull, "internal: where an export phase writes")
)

// The seeded company: 500 employees, 2000 sellers, reports of four
// invoices over two years, 85 % approved.
const (
	employees = 500
	sellers   = 2000
	perReport = 4
	days      = 730
)

var start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()
	path := *flagDB
	if path == "" {
		path = fmt.Sprintf("%s/bench-finance-%d.db", os.TempDir(), *flagN)
	}
	if *flagPhase != "" {
		if err := exportPhase(ctx, path, *flagPhase, *flagOut); err != nil {
			log.Fatal(err)
		}
		return
	}
	_, statErr := os.Stat(path)
	db, err := store.Open(ctx, "sqlite", path, 4)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if os.IsNotExist(statErr) {
		if err := seed(ctx, db, *flagN); err != nil {
			log.Fatal(err)
		}
	} else {
		log.Printf("reusing %s", path)
	}
	var n int
	if err := db.NewSelect().Table("invoices").ColumnExpr("COUNT(*)").Scan(ctx, &n); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d invoices; %s %s/%s", n, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	searchBench(ctx, db)
	if !*flagSkipEx {
		exportBench(path)
	}
}

func seed(ctx context.Context, db *bun.DB, n int) error {
	began := time.Now()
	m, err := store.NewMigrator(db)
	if err != nil {
		return err
	}
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	// Bulk load without the secondary indexes, then build them: inserting
	// a million rows into a dozen random-order B-trees is ten times slower.
	var indexes []string
	if err := db.NewSelect().TableExpr("sqlite_master").Column("sql").
		Where("type = 'index' AND sql IS NOT NULL AND tbl_name IN ('invoices', 'reports', 'report_invoices', 'employees')").
		Scan(ctx, &indexes); err != nil {
		return err
	}
	var drops []string
	for _, ix := range indexes {
		name := strings.Fields(ix)[2]
		if strings.EqualFold(name, "INDEX") { // CREATE UNIQUE INDEX name
			name = strings.Fields(ix)[3]
		}
		drops = append(drops, "DROP INDEX "+name)
	}
	reports := n / perReport
	stmts := append(drops,
		`PRAGMA synchronous = OFF`,
		`PRAGMA cache_size = -1000000`,
		// Employees: emp-000 … emp-499 with Chinese-looking names; mgr-00 … mgr-19 approve.
		fmt.Sprintf(`WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x+1 FROM s WHERE x < %d)
		INSERT INTO employees (id, name, department, roles, manager_id, active, version, created_at, updated_at)
		SELECT printf('emp-%%03d', x), '员工' || x, '部门' || (x %% 20), 'employee', printf('mgr-%%02d', x %% 20), 1, 0,
		  '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00' FROM s`, employees-1),
		`WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x+1 FROM s WHERE x < 19)
		INSERT INTO employees (id, name, department, roles, manager_id, active, version, created_at, updated_at)
		SELECT printf('mgr-%02d', x), '经理' || x, '管理部', 'employee,approver', NULL, 1, 0,
		  '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00' FROM s`,
		// Reports in time order, as a company makes them: r's base time
		// grows with r, its status is by r %% 100. Ids carry the creation
		// time first, as domain's ids do, so id order is time order too.
		fmt.Sprintf(`WITH RECURSIVE s(r) AS (SELECT 0 UNION ALL SELECT r+1 FROM s WHERE r < %d),
		t(r, base, st) AS (SELECT r, %d + r * %d,
		  CASE WHEN r %% 100 < 85 THEN 'approved' WHEN r %% 100 < 90 THEN 'submitted' WHEN r %% 100 < 93 THEN 'rejected'
		       WHEN r %% 100 < 95 THEN 'withdrawn' WHEN r %% 100 < 97 THEN 'draft' ELSE 'none' END FROM s)
		INSERT INTO reports (id, number, title, status, employee_id, approver_id, total_cents, invoice_count, version,
		  created_at, updated_at, submitted_at, decided_at)
		SELECT printf('rpt_%%010d%%06d', base + 86400, r %% 1000000), printf('BX-%%09d', r), '差旅报销', st, printf('emp-%%03d', r %% %d),
		  printf('mgr-%%02d', (r %% %d) %% 20), 0, %d, 1,
		  strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base + 86400, 'unixepoch'),
		  strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base + 86400 * 12, 'unixepoch'),
		  CASE WHEN st = 'draft' THEN NULL ELSE strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base + 86400 * 2, 'unixepoch') END,
		  CASE WHEN st IN ('approved', 'rejected') THEN strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base + 86400 * 10 + (r %% 86400), 'unixepoch') END
		FROM t WHERE st <> 'none'`,
			reports-1, start.Unix(), int64(days)*86400/int64(reports), employees, employees, perReport),
		// Invoices: four per report, issued up to three days before the
		// report's base time and imported after it.
		fmt.Sprintf(`WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x+1 FROM s WHERE x < %d),
		t(x, r, base, st, net, tax, rs) AS (SELECT x, x / %d, %d + (x / %d) * %d,
		  CASE WHEN (x / %d) %% 100 < 85 THEN 'CLOSURE' WHEN (x / %d) %% 100 < 90 THEN 'LOCK' ELSE 'INIT' END,
		  1000 + (x * 7717) %% 200000, ((1000 + (x * 7717) %% 200000) * 6) / 100,
		  CASE WHEN (x / %d) %% 100 < 85 THEN 'approved' WHEN (x / %d) %% 100 < 90 THEN 'submitted' WHEN (x / %d) %% 100 < 93 THEN 'rejected'
		       WHEN (x / %d) %% 100 < 95 THEN 'withdrawn' WHEN (x / %d) %% 100 < 97 THEN 'draft' ELSE '' END FROM s)
		INSERT INTO invoices (id, owner_id, channel, card_id, encrypt_code, issuer_app_id, owner_open_id, invoice_code,
		  invoice_number, needs_review, billing_no, billing_code, kind, raw_type, check_code, issued_at, buyer_name,
		  buyer_tax_number, buyer_address_phone, buyer_bank_account, seller_name, seller_tax_number, seller_address_phone,
		  seller_bank_account, amount_cents, amount_without_tax_cents, tax_cents, pdf_url, trip_pdf_url, remarks, cashier,
		  maker, valid_from, valid_until, raw, wechat_status, status_generation, title_matches_company, imported_at,
		  updated_at, version, report_status, approved_at)
		SELECT printf('inv_%%010d%%06d', base + 3600 * (x %% 24), x %% 1000000), printf('emp-%%03d', r %% %d), 'oa', printf('pCard%%04d', x %% %d),
		  printf('O/mPnGTpBu22a1szmK2Og+%%010d==', x), 'wxissuer0000000001', printf('o-emp-%%03d', r %% %d), '044031900111',
		  printf('%%08d', (x * 48271) %% 100000000), 0, printf('%%08d', x), '044031900111', 'vat_e_normal', '增值税电子普通发票', '12345678901234567890',
		  strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base - (x %% 3) * 86400 - (x %% 7200), 'unixepoch'),
		  '演示科技有限公司', '91440300MA5DEMO001', '深圳市南山区 0755-0000000', '招商银行 7559 0000 1080 1',
		  '销售方' || ((x * 31) %% %d) || '有限公司', printf('91440300MA%%08d', (x * 31) %% %d), '', '',
		  net + tax, net, tax, 'https://example.invalid/invoice.pdf', '', '', '', '', NULL, NULL, '{"errcode":0}',
		  st, 1, 1, strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base + 3600 * (x %% 24), 'unixepoch'),
		  strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base + 3600 * (x %% 24), 'unixepoch'), 1, rs,
		  CASE WHEN rs = 'approved' THEN strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', base + 86400 * 10 + (r %% 86400), 'unixepoch') END
		FROM t`,
			n-1, perReport, start.Unix(), perReport, int64(days)*86400/int64(reports), perReport, perReport,
			perReport, perReport, perReport, perReport, perReport,
			employees, 5000, employees, sellers, sellers),
		fmt.Sprintf(`WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x+1 FROM s WHERE x < %d)
		INSERT INTO report_invoices (report_id, invoice_id, position)
		SELECT printf('rpt_%%010d%%06d', %d + (x / %d) * %d + 86400, (x / %d) %% 1000000),
		  printf('inv_%%010d%%06d', %d + (x / %d) * %d + 3600 * (x %% 24), x %% 1000000), x %% %d FROM s
		WHERE (x / %d) %% 100 < 97`, n-1, start.Unix(), perReport, int64(days)*86400/int64(reports), perReport,
			start.Unix(), perReport, int64(days)*86400/int64(reports), perReport, perReport),
	)
	stmts = append(stmts, indexes...)
	stmts = append(stmts,
		`UPDATE reports SET total_cents = (SELECT SUM(i.amount_cents) FROM report_invoices ri JOIN invoices i ON i.id = ri.invoice_id WHERE ri.report_id = reports.id)`,
		// No ANALYZE: deployments do not run it, so the planner is
		// measured as it will choose there.
		`PRAGMA synchronous = NORMAL`,
	)
	for i, q := range stmts {
		t := time.Now()
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed step %d: %w", i, err)
		}
		log.Printf("seed step %d: %s", i, time.Since(t).Round(time.Millisecond))
	}
	log.Printf("seeded %d invoices in %s", n, time.Since(began).Round(time.Second))
	return nil
}

// shape is one kind of search: a one-month range on a date field plus one
// filter, with random months and filter values.
type shape struct {
	name   string
	params func(r *rand.Rand) app.FinanceParams
}

func month(r *rand.Rand) (string, string) {
	m := start.AddDate(0, 1+r.IntN(22), 0)
	return m.Format(time.DateOnly), m.AddDate(0, 1, -1).Format(time.DateOnly)
}

func shapes() []shape {
	with := func(field string, fn func(r *rand.Rand, p *app.FinanceParams)) func(r *rand.Rand) app.FinanceParams {
		return func(r *rand.Rand) app.FinanceParams {
			from, to := month(r)
			p := app.FinanceParams{From: from, To: to, DateField: field}
			fn(r, &p)
			return p
		}
	}
	emp := func(r *rand.Rand, p *app.FinanceParams) { p.Employee = fmt.Sprintf("emp-%03d", r.IntN(employees)) }
	seller := func(r *rand.Rand, p *app.FinanceParams) {
		p.SellerTaxNumber = fmt.Sprintf("91440300MA%08d", r.IntN(sellers))
	}
	return []shape{
		{"issued + employee", with("issued_on", emp)},
		{"issued + seller", with("issued_on", seller)},
		{"issued + wechat LOCK (5%)", with("issued_on", func(_ *rand.Rand, p *app.FinanceParams) { p.WeChatStatus = "LOCK" })},
		{"issued + wechat CLOSURE (85%)", with("issued_on", func(_ *rand.Rand, p *app.FinanceParams) { p.WeChatStatus = "CLOSURE" })},
		{"issued + report submitted", with("issued_on", func(_ *rand.Rand, p *app.FinanceParams) { p.ReportStatus = "submitted" })},
		{"issued + report approved", with("issued_on", func(_ *rand.Rand, p *app.FinanceParams) { p.ReportStatus = "approved" })},
		{"issued + in no report", with("issued_on", func(_ *rand.Rand, p *app.FinanceParams) { p.ReportStatus = "none" })},
		{"issued + min amount 1500", with("issued_on", func(_ *rand.Rand, p *app.FinanceParams) { p.MinAmount = "1500.00" })},
		{"issued + q seller name", with("issued_on", func(r *rand.Rand, p *app.FinanceParams) { p.Q = fmt.Sprintf("销售方%d", 100+r.IntN(900)) })},
		{"issued + q number", with("issued_on", func(r *rand.Rand, p *app.FinanceParams) { p.Q = fmt.Sprintf("%05d", r.IntN(10000)) })},
		{"issued + q employee name", with("issued_on", func(r *rand.Rand, p *app.FinanceParams) { p.Q = fmt.Sprintf("员工%d", 100+r.IntN(400)) })},
		{"imported + employee", with("imported_on", emp)},
		{"imported + seller", with("imported_on", seller)},
		{"approved + employee", with("approved_on", emp)},
		{"approved + seller", with("approved_on", seller)},
		{"approved + min amount 1500", with("approved_on", func(_ *rand.Rand, p *app.FinanceParams) { p.MinAmount = "1500.00" })},
		{"approved, no filter", with("approved_on", func(*rand.Rand, *app.FinanceParams) {})},
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func searchBench(ctx context.Context, db *bun.DB) {
	fin := store.NewFinance(db)
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Printf("\nsearch: page of 50, one-month range + one filter, %d random queries per shape (ms)\n", *flagIter)
	fmt.Printf("%-32s %8s %8s %8s %8s %8s %10s %10s\n", "shape", "p50", "p95", "max", "next p50", "next p95", "totals p50", "totals p95")
	var allFirst, allNext, allTotals []time.Duration
	for _, s := range shapes() {
		if !strings.Contains(s.name, *flagOnly) {
			continue
		}
		var first, next, totals []time.Duration
		for i := 0; i < *flagIter; i++ {
			f, err := s.params(r).Parse()
			if err != nil {
				log.Fatal(err)
			}
			t := time.Now()
			rows, err := fin.FinancePage(ctx, f, nil, 51)
			if err != nil {
				log.Fatal(err)
			}
			first = append(first, time.Since(t))
			if len(rows) == 51 {
				last := rows[49]
				c := &app.FinanceCursor{DateField: f.DateField, At: last.SortAt(f.DateField), ID: last.InvoiceID}
				t = time.Now()
				if _, err := fin.FinancePage(ctx, f, c, 51); err != nil {
					log.Fatal(err)
				}
				next = append(next, time.Since(t))
			}
			if i%4 == 0 { // totals scan the whole month: a quarter as many
				t = time.Now()
				if _, err := fin.FinanceTotals(ctx, f); err != nil {
					log.Fatal(err)
				}
				totals = append(totals, time.Since(t))
			}
		}
		np50, np95 := "-", "-"
		if len(next) > 0 {
			np50, np95 = ms(percentile(next, .5)), ms(percentile(next, .95))
		}
		fmt.Printf("%-32s %8s %8s %8s %8s %8s %10s %10s\n", s.name, ms(percentile(first, .5)), ms(percentile(first, .95)),
			ms(percentile(first, 1)), np50, np95, ms(percentile(totals, .5)), ms(percentile(totals, .95)))
		allFirst, allNext, allTotals = append(allFirst, first...), append(allNext, next...), append(allTotals, totals...)
	}
	if len(allFirst) == 0 || len(allNext) == 0 || len(allTotals) == 0 {
		return
	}
	fmt.Printf("%-32s %8s %8s %8s %8s %8s %10s %10s\n", "ALL", ms(percentile(allFirst, .5)), ms(percentile(allFirst, .95)),
		ms(percentile(allFirst, 1)), ms(percentile(allNext, .5)), ms(percentile(allNext, .95)), ms(percentile(allTotals, .5)), ms(percentile(allTotals, .95)))
}

// exportBench runs each export phase in a child process and reports its
// time, output size and peak RSS.
func exportBench(path string) {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("\nexport of every approved invoice (each phase in its own process)\n")
	fmt.Printf("%-6s %10s %10s %12s %12s\n", "phase", "rows", "seconds", "bytes", "peak RSS MB")
	var rawTime time.Duration
	for _, phase := range []string{"raw", "csv", "xlsx"} {
		out, err := os.CreateTemp("", "bench-export-*")
		if err != nil {
			log.Fatal(err)
		}
		out.Close()
		cmd := exec.Command(self, "-db", path, "-phase", phase, "-out", out.Name())
		cmd.Stderr = os.Stderr
		began := time.Now()
		rows, err := cmd.Output()
		elapsed := time.Since(began)
		if err != nil {
			log.Fatalf("%s: %v", phase, err)
		}
		// The child prints its row count and its own peak RSS (VmHWM).
		// Not the child's rusage: Linux carries the parent's peak over
		// into ru_maxrss across fork and exec, so after seeding in this
		// run it showed the seeder's gigabytes.
		var count string
		var hwmKiB int64
		if _, err := fmt.Sscan(string(rows), &count, &hwmKiB); err != nil {
			log.Fatalf("%s: child said %q: %v", phase, rows, err)
		}
		st, _ := os.Stat(out.Name())
		os.Remove(out.Name())
		ratio := ""
		if phase == "raw" {
			rawTime = elapsed
		} else {
			ratio = fmt.Sprintf("  %.2f× raw", elapsed.Seconds()/rawTime.Seconds())
		}
		fmt.Printf("%-6s %10s %10.2f %12d %12.1f%s\n", phase, count, elapsed.Seconds(), st.Size(), float64(hwmKiB)/1024, ratio)
	}
}

// exportPhase runs one export in this process and prints the row count.
func exportPhase(ctx context.Context, path, phase, out string) error {
	db, err := store.Open(ctx, "sqlite", path, 4)
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	filter, err := app.FinanceParams{From: "2024-01-01", To: "2027-12-31"}.Parse()
	if err != nil {
		return err
	}
	var n int
	if phase == "raw" {
		n, err = rawDump(ctx, db, filter, f)
	} else {
		fin := app.NewFinance(app.FinanceDeps{Store: store.NewFinance(db), Formats: export.Formats()})
		defer fin.Close()
		job, err := fin.OperatorExport(filter, phase)
		if err != nil {
			return err
		}
		totals, err := job.Run(ctx, f, nil)
		if err != nil {
			return err
		}
		n = int(totals.Count)
	}
	if err != nil {
		return err
	}
	hwm, err := peakRSSKiB()
	if err != nil {
		return err
	}
	fmt.Println(n, hwm)
	return nil
}

// peakRSSKiB is this process's own peak resident set (VmHWM), which
// starts afresh at exec, unlike ru_maxrss.
func peakRSSKiB() (int64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("peak RSS needs Linux's /proc: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest) // "12345 kB"
			if len(f) == 2 && f[1] == "kB" {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// rawDump is the baseline: the export's rows in one query, every column
// read as raw bytes by a bare rows.Next loop and written comma-separated.
func rawDump(ctx context.Context, db *bun.DB, f app.FinanceFilter, w io.Writer) (int, error) {
	// The export's own columns and joins, in its order, in one query.
	rows, err := db.QueryContext(ctx, `SELECT i.id, i.channel, i.card_id, i.encrypt_code, i.owner_open_id, i.kind,
		i.raw_type, i.invoice_code, i.invoice_number, i.needs_review, i.issued_at, i.imported_at, i.buyer_name,
		i.buyer_tax_number, i.seller_name, i.seller_tax_number, i.amount_cents, i.amount_without_tax_cents, i.tax_cents,
		i.title_matches_company, i.wechat_status, i.status_generation, i.owner_id, e.name, e.department,
		r.id, r.number, r.status, r.approver_id, a.name, a.department, i.approved_at
		FROM invoices AS i LEFT JOIN report_invoices AS ri ON ri.invoice_id = i.id
		LEFT JOIN reports AS r ON r.id = ri.report_id LEFT JOIN employees AS e ON e.id = i.owner_id
		LEFT JOIN employees AS a ON a.id = r.approver_id
		WHERE i.approved_at >= ? AND i.approved_at < ? AND i.report_status = 'approved'
		ORDER BY i.approved_at, i.id`, f.From.UTC().Format("2006-01-02 15:04:05.999999-07:00"), f.To.UTC().Format("2006-01-02 15:04:05.999999-07:00"))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		buf = buf[:0]
		for i, v := range vals {
			if i > 0 {
				buf = append(buf, ',')
			}
			switch x := v.(type) {
			case []byte:
				buf = append(buf, x...)
			case string:
				buf = append(buf, x...)
			case int64:
				buf = strconv.AppendInt(buf, x, 10)
			case time.Time:
				buf = x.AppendFormat(buf, time.DateTime)
			}
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

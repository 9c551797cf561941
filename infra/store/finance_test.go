package store_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/export"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// cst builds a time in China, where finance's dates are read.
func cst(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.FixedZone("CST", 8*3600)).UTC()
}

// fx is what the finance fixture knows of one invoice: the model the
// search results are checked against.
type fx struct {
	id           domain.InvoiceID
	owner        domain.EmployeeID
	ownerName    string
	issued       time.Time
	imported     time.Time
	approved     time.Time
	reportStatus domain.ReportStatus // "" in no report
	wechat       domain.WeChatStatus
	seller       domain.Party
	number       string
	cents        int64
	sync         app.InvoiceSync
	expenseType  string // code, "" when none (issue 17)
	purpose      string
	paidOn       string
}

// seededTypes are migration 0017's expense type names.
var seededTypes = map[string]string{
	"travel": "差旅", "transport": "交通", "meal": "餐饮", "office": "办公",
	"telecom": "通讯", "lodging": "住宿", "entertainment": "业务招待", "other": "其他",
}

var (
	sellerA = domain.Party{Name: "深圳市鹏城海鲜酒家有限公司", TaxNumber: "91440300MA5F7K2L3P"}
	sellerB = domain.Party{Name: "北京畅行出行科技有限公司", TaxNumber: "91110108MA01XW2T6K"}
	sellerC = domain.Party{Name: "杭州西子湖畔酒店管理有限公司", TaxNumber: "91330106MA2H3QWE5R"}
	company = domain.Party{Name: "演示科技有限公司", TaxNumber: "91440300MA5DEMO001"}
)

// financeFixture stores 60 invoices of two employees across reports in
// every status, with many equal dates (ties the order settles by id),
// dates on the month's edges, an invoice without issue date, outbox rows
// and warnings. Everything is deterministic, ids included, so exports can
// be compared with golden files.
func financeFixture(t *testing.T, s *store.Store, raw bun.IDB) []*fx {
	t.Helper()
	addEmployee := func(id domain.EmployeeID, name, dep string, manager domain.EmployeeID, roles ...domain.Role) *domain.Employee {
		e, err := domain.NewEmployee(domain.EmployeeData{
			ID: id, Name: name, Department: dep, ManagerID: manager, Roles: roles,
			Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: "wxsandbox", OpenID: "o-" + string(id)}},
		}, testkit.Now)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Employees.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	addEmployee("mgr-zhao", "赵磊", "市场销售中心", "", domain.RoleApprover)
	addEmployee("fin-chen", "陈静", "财务部", "", domain.RoleFinance)
	li := addEmployee("emp-li", "李娜", "市场部", "mgr-zhao")
	wang := addEmployee("emp-wang", "王芳", "销售部", "mgr-zhao")

	var all []*fx
	invs := map[int]*domain.Invoice{}
	for n := 1; n <= 60; n++ {
		owner := li
		if n%3 == 0 {
			owner = wang
		}
		f := testkit.Facts("o-"+string(owner.ID()), n)
		f.ID = domain.BusinessID{Code: "044031900111", Number: fmt.Sprintf("%08d", 10000000+n)}
		f.EncryptCode = fmt.Sprintf("O/mPnGTpBu22a1szmK2Og+%05d==", n)
		// Twelve issue dates, five invoices each, from 29 Sep to 1 Nov.
		f.IssuedAt = cst(2026, 9, 29, 0, 0, 0).AddDate(0, 0, (n%12)*3)
		switch n {
		case 5:
			f.IssuedAt = cst(2026, 10, 1, 0, 0, 0) // the first instant of October
		case 6:
			f.IssuedAt = cst(2026, 9, 30, 23, 59, 59) // the last second of September
		case 60:
			f.IssuedAt = time.Time{} // WeChat gave none
		}
		f.Seller = []domain.Party{sellerA, sellerB, sellerC, sellerC}[n%4]
		f.Buyer = company
		if n == 4 {
			f.Buyer = domain.Party{Name: "别家公司", TaxNumber: "91440300MA5OTHER01"}
		}
		f.NeedsReview = n == 2
		net, tax := int64(1000+n*137), int64(n*7)
		f.AmountWithoutTax, f.Tax, f.Amount = domain.MoneyFromCents(net), domain.MoneyFromCents(tax), domain.MoneyFromCents(net+tax)
		if n == 7 {
			f.Amount = domain.MoneyFromCents(net + tax + 1)
		}
		imported := cst(2026, 10, 2, 9, 0, 0).AddDate(0, 0, n%4)
		id := domain.InvoiceID(fmt.Sprintf("inv_%03d", (n*37)%61)) // ids not in insertion order
		inv, err := domain.NewInvoice(id, owner.ID(), f, domain.StatusInit, []domain.Party{company}, imported)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Invoices.Add(ctx, inv); err != nil {
			t.Fatal(err)
		}
		invs[n] = inv
		all = append(all, &fx{
			id: id, owner: owner.ID(), ownerName: owner.Name(), issued: f.IssuedAt, imported: imported,
			wechat: domain.StatusInit, seller: f.Seller, number: f.ID.Number, cents: f.Amount.Cents(), sync: app.InvoiceSynced,
		})
	}

	mgr := domain.Actor{ID: "mgr-zhao", Roles: []domain.Role{domain.RoleApprover}}
	seq := 0
	report := func(owner *domain.Employee, ns []int, final domain.ReportStatus, decided time.Time) {
		t.Helper()
		seq++
		var list []*domain.Invoice
		for _, n := range ns {
			list = append(list, invs[n])
		}
		r, err := s.Reports.Create(ctx, 2026, func(number string) (*domain.Report, error) {
			return domain.NewReport(domain.ReportID(fmt.Sprintf("rpt_%02d", seq)), number, "差旅", owner, list, cst(2026, 10, 3, 9, 0, 0))
		})
		if err != nil {
			t.Fatal(err)
		}
		me := domain.ActorOf(owner)
		_, err = s.Reports.Update(ctx, r.ID(), func(r *domain.Report) error {
			switch final {
			case domain.ReportDraft:
				return nil
			case domain.ReportDeleted:
				return r.Delete(me, decided)
			}
			if err := r.Submit(me, testkit.Plan("mgr-zhao"), decided.Add(-time.Hour)); err != nil {
				return err
			}
			switch final {
			case domain.ReportApproved:
				return r.Approve(mgr, "同意", decided)
			case domain.ReportPaid:
				if err := r.Approve(mgr, "同意", decided); err != nil {
					return err
				}
				return r.Pay("fin-chen", domain.ReportPayment{ID: "pay_01", PaidOn: "2026-10-25", Method: domain.PayBankTransfer, Reference: "B2026-10-25"}, decided.Add(time.Hour))
			case domain.ReportRejected:
				return r.Reject(mgr, "缺行程单", decided)
			case domain.ReportWithdrawn:
				return r.Withdraw(me, decided)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		status := ExpectedWeChat(final)
		for _, n := range ns {
			if final == domain.ReportDeleted {
				continue
			}
			m := all[n-1]
			m.reportStatus = final
			if final.Approved() {
				m.approved = decided
			}
			if final == domain.ReportPaid {
				m.paidOn = "2026-10-25"
			}
			m.expenseType = domain.DefaultExpenseType(invs[n])
			m.wechat = status
			setStatus(t, s, m.id, status)
		}
	}
	report(li, []int{1, 2, 4}, domain.ReportApproved, cst(2026, 10, 10, 10, 0, 0))
	report(li, []int{5, 8, 10, 11}, domain.ReportApproved, cst(2026, 10, 10, 10, 0, 0)) // the same second
	report(wang, []int{3, 6, 9}, domain.ReportPaid, cst(2026, 10, 20, 9, 0, 0))
	report(li, []int{13, 14, 16}, domain.ReportSubmitted, cst(2026, 10, 21, 9, 0, 0))
	report(wang, []int{12, 15}, domain.ReportRejected, cst(2026, 10, 22, 9, 0, 0))
	report(li, []int{17, 19}, domain.ReportWithdrawn, cst(2026, 10, 23, 9, 0, 0))
	report(li, []int{20, 22}, domain.ReportDraft, time.Time{})
	// A draft's purpose and expense types (issue 17), kept on approval.
	purpose := "客户拜访（深圳）"
	if _, err := s.Reports.Update(ctx, "rpt_07", func(r *domain.Report) error {
		return r.Describe(domain.ActorOf(li), &purpose, map[domain.InvoiceID]string{all[19].id: "meal", all[21].id: "travel"},
			func(c string) bool { return seededTypes[c] != "" }, testkit.Now)
	}); err != nil {
		t.Fatal(err)
	}
	all[19].purpose, all[21].purpose, all[19].expenseType, all[21].expenseType = purpose, purpose, "meal", "travel"
	report(li, []int{23, 25}, domain.ReportApproved, cst(2026, 11, 2, 9, 0, 0))
	report(li, []int{26}, domain.ReportApproved, cst(2026, 9, 30, 23, 59, 59))
	report(wang, []int{18, 21}, domain.ReportApproved, cst(2026, 10, 31, 23, 59, 59))
	report(li, []int{28, 29}, domain.ReportDeleted, cst(2026, 10, 4, 9, 0, 0))

	// The issuer cancelled one free invoice.
	setStatus(t, s, all[30].id, domain.StatusCancel)
	all[30].wechat = domain.StatusCancel

	// Outbox: 10 waits for delivery, 11 failed; 13's failure was an
	// older decision's, overtaken since.
	enqueue := func(n int, gen func(int64) int64, state app.OutboxState) {
		inv, err := s.Invoices.Get(ctx, all[n-1].id)
		if err != nil {
			t.Fatal(err)
		}
		f := inv.Facts()
		if err := s.Outbox.Enqueue(ctx, []app.StatusChange{{
			InvoiceID: inv.ID(), ReportID: inv.ReportID(), Channel: f.Channel, OpenID: f.OwnerOpenID,
			Ref: app.CardRef{CardID: f.CardID, EncryptCode: f.EncryptCode}, Target: domain.StatusClosure,
			Generation: gen(inv.StatusGeneration()),
		}}, testkit.Now); err != nil {
			t.Fatal(err)
		}
		if state != app.OutboxPending {
			if _, err := raw.NewUpdate().Table("outbox").Set("state = ?", string(state)).
				Where("invoice_id = ?", string(inv.ID())).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	same := func(g int64) int64 { return g }
	enqueue(10, same, app.OutboxPending)
	all[9].sync = app.InvoicePending
	enqueue(11, same, app.OutboxFailed)
	all[10].sync = app.InvoiceFailed
	enqueue(13, func(g int64) int64 { return g - 1 }, app.OutboxFailed)
	return all
}

// ExpectedWeChat is the status a report in this status leaves in WeChat.
func ExpectedWeChat(s domain.ReportStatus) domain.WeChatStatus { return app.ExpectedStatus(s) }

func setStatus(t *testing.T, s *store.Store, id domain.InvoiceID, st domain.WeChatStatus) {
	t.Helper()
	if _, err := s.Invoices.Update(ctx, id, func(inv *domain.Invoice) error {
		if _, err := inv.RequestStatus(st, testkit.Now); err != nil {
			return err
		}
		inv.RecordWeChatStatus(st, testkit.Now)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// sortAt is the model's value of the date field.
func (m *fx) sortAt(f app.DateField) time.Time {
	switch f {
	case app.ImportedOn:
		return m.imported
	case app.ApprovedOn:
		return m.approved
	}
	return m.issued
}

// matches is the model of FinanceFilter's meaning.
func (m *fx) matches(f app.FinanceFilter) bool {
	at := m.sortAt(f.DateField)
	if f.DateField == app.ApprovedOn && !m.reportStatus.Approved() {
		return false
	}
	if len(f.ExpenseTypes) > 0 && !slices.Contains(f.ExpenseTypes, m.expenseType) {
		return false
	}
	if !f.From.IsZero() && (at.IsZero() || at.Before(f.From)) || !f.To.IsZero() && (at.IsZero() || !at.Before(f.To)) {
		return false
	}
	if len(f.ReportStatuses) > 0 {
		st := m.reportStatus
		if st == "" {
			st = app.NoReport
		}
		if !slices.Contains(f.ReportStatuses, st) {
			return false
		}
	}
	if len(f.WeChatStatuses) > 0 && !slices.Contains(f.WeChatStatuses, m.wechat) {
		return false
	}
	switch {
	case f.Employee != "" && m.owner != f.Employee,
		f.SellerTaxNumber != "" && m.seller.TaxNumber != f.SellerTaxNumber,
		f.MinAmount != nil && m.cents < f.MinAmount.Cents(),
		f.MaxAmount != nil && m.cents > f.MaxAmount.Cents():
		return false
	}
	if f.Q != "" {
		hit := false
		for _, v := range []string{m.number, m.seller.Name, m.seller.TaxNumber, m.ownerName, m.purpose, seededTypes[m.expenseType]} {
			hit = hit || strings.HasPrefix(v, f.Q)
		}
		return hit
	}
	return true
}

func expected(all []*fx, f app.FinanceFilter) []*fx {
	var out []*fx
	for _, m := range all {
		if m.matches(f) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *fx) int {
		if c := a.sortAt(f.DateField).Compare(b.sortAt(f.DateField)); c != 0 {
			return c
		}
		return strings.Compare(string(a.id), string(b.id))
	})
	return out
}

func ids(rows []app.FinanceRow) []domain.InvoiceID {
	out := make([]domain.InvoiceID, len(rows))
	for i, r := range rows {
		out[i] = r.InvoiceID
	}
	return out
}

func financeCases() map[string]app.FinanceParams {
	oct := app.FinanceParams{From: "2026-10-01", To: "2026-10-31"}
	with := func(p app.FinanceParams, fn func(*app.FinanceParams)) app.FinanceParams { fn(&p); return p }
	return map[string]app.FinanceParams{
		"everything":            {},
		"issued in October":     oct,
		"issued one day":        {From: "2026-10-01", To: "2026-10-01"},
		"imported two days":     {DateField: "imported_on", From: "2026-10-03", To: "2026-10-04"},
		"approved in October":   with(oct, func(p *app.FinanceParams) { p.DateField = "approved_on" }),
		"approved ever":         {DateField: "approved_on"},
		"approved, not ours":    {DateField: "approved_on", ReportStatus: "submitted"},
		"report approved":       {ReportStatus: "approved"},
		"report paid":           {ReportStatus: "paid"},
		"paid, approved on":     {DateField: "approved_on", ReportStatus: "paid"},
		"expense type meal":     {ExpenseType: "meal"},
		"expense types":         {ExpenseType: "meal,travel"},
		"q purpose":             {Q: "客户拜"},
		"q expense type name":   {Q: "餐"},
		"report open":           {ReportStatus: "submitted,draft"},
		"in no report":          {ReportStatus: "none"},
		"rejected or none":      {ReportStatus: "rejected,none"},
		"closed in WeChat":      {WeChatStatus: "CLOSURE"},
		"init or cancel":        {WeChatStatus: "init,CANCEL"},
		"one employee":          {Employee: "emp-wang"},
		"one seller":            {SellerTaxNumber: sellerB.TaxNumber},
		"at least 50 yuan":      {MinAmount: "50.00"},
		"at most 30 yuan":       {MaxAmount: "30"},
		"between":               {MinAmount: "20.00", MaxAmount: "60.00"},
		"q number prefix":       {Q: "1000004"},
		"q seller name":         {Q: "杭州"},
		"q seller tax number":   {Q: "9111"},
		"q employee name":       {Q: "王"},
		"q wildcard is literal": {Q: "%"},
		"q underscore":          {Q: "1000000_"},
		"q star is literal":     {Q: "1000000*"},
		"q bracket is literal":  {Q: "[1"},
		"october, li, approved": with(oct, func(p *app.FinanceParams) { p.Employee, p.ReportStatus = "emp-li", "approved" }),
		"approved oct, seller, amount": with(oct, func(p *app.FinanceParams) {
			p.DateField, p.SellerTaxNumber, p.MinAmount = "approved_on", sellerA.TaxNumber, "20"
		}),
		"approved oct, one employee": with(oct, func(p *app.FinanceParams) { p.DateField, p.Employee = "approved_on", "emp-wang" }),
		"imported, wechat, q":        {DateField: "imported_on", From: "2026-10-02", To: "2026-10-04", WeChatStatus: "INIT,LOCK", Q: "北京"},
	}
}

// TestFinanceSearch checks each filter alone and combined against the
// model, paging seven at a time (ties on every date), and the totals.
func TestFinanceSearch(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		all := financeFixture(t, s, db.DB)
		fin := store.NewFinance(db.DB)
		nonEmpty := 0
		for name, p := range financeCases() {
			f, err := p.Parse()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := expected(all, f)
			if len(want) > 0 && len(want) < len(all) {
				nonEmpty++
			}
			var got []app.FinanceRow
			var after *app.FinanceCursor
			for pages := 0; ; pages++ {
				rows, err := fin.FinancePage(ctx, f, after, 7)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got = append(got, rows...)
				if len(rows) < 7 || pages > 20 {
					break
				}
				last := rows[len(rows)-1]
				after = &app.FinanceCursor{DateField: f.DateField, At: last.SortAt(f.DateField), ID: last.InvoiceID}
			}
			wantIDs := make([]domain.InvoiceID, len(want))
			var sum int64
			for i, m := range want {
				wantIDs[i] = m.id
				sum += m.cents
			}
			if !slices.Equal(ids(got), wantIDs) {
				t.Errorf("%s:\n got %v\nwant %v", name, ids(got), wantIDs)
				continue
			}
			for i, r := range got {
				m := want[i]
				if r.WeChatStatus != m.wechat || r.ReportStatus != m.reportStatus || r.Sync != m.sync ||
					r.ExpenseTypeCode != m.expenseType || r.ExpenseTypeName != seededTypes[m.expenseType] ||
					r.Purpose != m.purpose || r.PaidOn != m.paidOn ||
					!r.ApprovedAt.Equal(m.approved) || !r.IssuedAt.Equal(m.issued) || r.Employee.Name != m.ownerName {
					t.Errorf("%s: row %s = %+v, model %+v", name, r.InvoiceID, r, *m)
				}
			}
			tot, err := fin.FinanceTotals(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if tot.Count != int64(len(want)) || tot.Amount.Cents() != sum {
				t.Errorf("%s: totals %d / %s, want %d / %s", name, tot.Count, tot.Amount, len(want), domain.MoneyFromCents(sum))
			}
			var net, tax domain.Money
			for _, r := range got {
				net, tax = net.Add(r.AmountWithoutTax), tax.Add(r.Tax)
			}
			if !tot.AmountWithoutTax.Equal(net) || !tot.Tax.Equal(tax) {
				t.Errorf("%s: totals net %s tax %s, rows %s %s", name, tot.AmountWithoutTax, tot.Tax, net, tax)
			}
		}
		if nonEmpty < 20 {
			t.Errorf("only %d cases select a proper subset: the fixture no longer exercises the filters", nonEmpty)
		}
	})
}

// TestFinanceExportGolden exports October's approvals from both databases
// through app.Finance and the real writers: the files must equal the
// golden ones byte for byte (CSV) and part for part (XLSX).
func TestFinanceExportGolden(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		financeFixture(t, s, db.DB)
		fin := app.NewFinance(app.FinanceDeps{Store: store.NewFinance(db.DB), Employees: s.Employees, Formats: export.Formats()})
		defer fin.Close()
		f, err := app.FinanceParams{From: "2026-10-01", To: "2026-10-31"}.Parse()
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"csv", "xlsx"} {
			job, err := fin.PrepareExport(ctx, "fin-chen", f, format)
			if err != nil {
				t.Fatal(err)
			}
			if job.FileName != "baoxiao-2026-10-01_2026-10-31."+format {
				t.Errorf("file name %q", job.FileName)
			}
			var buf bytes.Buffer
			var progress []int64
			totals, err := job.Run(ctx, &buf, func(n int64) { progress = append(progress, n) })
			if err != nil {
				t.Fatal(err)
			}
			// October's approvals: reports 1, 2, 3 and 10 (the 31st, 23:59:59).
			if totals.Count != 12 || len(progress) == 0 || progress[len(progress)-1] != 12 {
				t.Errorf("%s: %d rows, progress %v", format, totals.Count, progress)
			}
			if format == "csv" {
				goldenFile(t, "finance_oct.csv", buf.Bytes(), bytes.Equal)
				continue
			}
			goldenFile(t, "finance_oct.xlsx", buf.Bytes(), sameParts(t))
			x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows("报销明细")
			last := rows[len(rows)-1]
			if len(rows) != 14 || last[0] != "合计 12 张" || last[16] != totals.Amount.String() {
				t.Errorf("xlsx: %d rows, totals %v (want %s)", len(rows), last, totals.Amount)
			}
			x.Close()
		}
		// Employees may not export; refusals come before a byte is written.
		if _, err := fin.PrepareExport(ctx, "emp-li", f, "csv"); err == nil || !strings.Contains(err.Error(), "auth.forbidden") {
			t.Errorf("employee export: %v", err)
		}
		for _, bad := range []struct {
			p      app.FinanceParams
			format string
			field  string
		}{
			{app.FinanceParams{From: "2026-10-01"}, "csv", "to"},
			{app.FinanceParams{From: "2026-10-01", To: "2026-10-31", ReportStatus: "submitted"}, "csv", "report_status"},
			{app.FinanceParams{From: "2026-10-01", To: "2026-10-31"}, "pdf", "format"},
		} {
			f, err := bad.p.Parse()
			if err == nil {
				_, err = fin.PrepareExport(ctx, "fin-chen", f, bad.format)
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != "request.invalid" || de.Details["fields"].(map[string]string)[bad.field] == "" {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	})
}

func goldenFile(t *testing.T, name string, got []byte, same func(want, got []byte) bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !same(want, got) {
		t.Errorf("%s differs from the golden file (rerun with -update if intended)", name)
		if len(got) < 10000 {
			t.Logf("got:\n%s", got)
		}
	}
}

func sameParts(t *testing.T) func(want, got []byte) bool {
	return func(want, got []byte) bool {
		w, g := unzipParts(t, want), unzipParts(t, got)
		if len(w) != len(g) {
			return false
		}
		for name, body := range w {
			if g[name] != body {
				t.Logf("part %s differs", name)
				return false
			}
		}
		return true
	}
}

func unzipParts(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(body)
	}
	return out
}

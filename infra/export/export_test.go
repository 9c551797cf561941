package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/export"
)

// money parses a constant; a bad one is the test's own mistake.
func money(s string) domain.Money {
	m, err := domain.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sampleRows cover what a writer must get right: Chinese text, XML and CSV
// specials, a would-be formula, a control character, a negative amount,
// an unapproved row with empty cells and every warning.
func sampleRows() []app.FinanceRow {
	approved := time.Date(2026, 10, 9, 8, 30, 15, 0, time.UTC) // 16:30:15 in Shanghai
	issued := time.Date(2026, 10, 7, 17, 0, 0, 0, time.UTC)    // 2026-10-08 in Shanghai
	base := app.FinanceRow{
		InvoiceID: "inv_0001", Channel: domain.ChannelOA, Kind: domain.KindVATENormal, RawType: "增值税电子普通发票",
		ID: domain.BusinessID{Code: "044031900111", Number: "00000001"}, IssuedAt: issued,
		ImportedAt: issued.Add(time.Hour),
		Buyer:      domain.Party{Name: "演示科技有限公司", TaxNumber: "91440300MA5DEMO001"},
		Seller:     domain.Party{Name: "深圳市鹏城海鲜酒家有限公司", TaxNumber: "91440300MA5F7K2L3P"},
		Amount:     money("386.00"), AmountWithoutTax: money("364.15"), Tax: money("21.85"),
		TitleMatchesCompany: true, WeChatStatus: domain.StatusClosure,
		Employee: app.Person{ID: "emp-li", Name: "李娜", Department: "市场部"},
		ReportID: "rpt_1", ReportNumber: "BX-2026-000001", ReportStatus: domain.ReportApproved,
		Approver: app.Person{ID: "mgr-zhao", Name: "赵磊"}, ApprovedAt: approved, Sync: app.InvoiceSynced,
		ExpenseTypeCode: "meal", ExpenseTypeName: "餐饮", Purpose: "客户招待，深圳",
		PaidOn: "2026-10-20", PaymentReference: "PAY-2026-001", Source: domain.FromWallet,
	}
	r2 := base
	r2.InvoiceID, r2.ID = "inv_0002", domain.BusinessID{Number: "26442000000012345678"}
	r2.Kind, r2.RawType = domain.KindDigitalNormal, "电子发票（普通发票）"
	r2.Seller = domain.Party{Name: `=HYPERLINK("http://x")&<b>"引号",逗号`, TaxNumber: "91110302MA00C8JX9D"}
	r2.Buyer = domain.Party{Name: " 前后空格 ", TaxNumber: ""}
	r2.Amount, r2.AmountWithoutTax, r2.Tax = money("-17.70"), money("-15.66"), money("-2.04")
	r2.Sync = app.InvoicePending
	r3 := base
	r3.InvoiceID, r3.ID = "inv_0003", domain.BusinessID{Code: "0440119003", Number: "12\x01AB"}
	r3.Kind, r3.RawType, r3.NeedsReview = domain.KindOther, "电子发票（铁路电子客票）", true
	r3.Seller.Name = "换行\n制表\t回车\r"
	r3.Amount, r3.AmountWithoutTax, r3.Tax = money("114.00"), money("100.00"), money("13.00")
	r3.TitleMatchesCompany, r3.WeChatStatus, r3.Sync = false, domain.StatusCancel, app.InvoiceFailed
	r3.IssuedAt = time.Time{}
	r3.ReportID, r3.ReportNumber, r3.ReportStatus, r3.Approver, r3.ApprovedAt = "", "", "", app.Person{}, time.Time{}
	r3.ExpenseTypeCode, r3.ExpenseTypeName, r3.Purpose, r3.PaidOn, r3.PaymentReference = "", "", "", "", ""
	r3.Source = domain.FromUpload
	return []app.FinanceRow{base, r2, r3}
}

// october is the export of October's approvals, for people.
var october = app.SheetMeta{From: "2026-10-01", To: "2026-10-31"}

func write(t *testing.T, format string, rows []app.FinanceRow) []byte {
	t.Helper()
	return writeWith(t, format, rows, october)
}

func writeWith(t *testing.T, format string, rows []app.FinanceRow, meta app.SheetMeta) []byte {
	t.Helper()
	var buf bytes.Buffer
	var sf app.SheetFormat
	for _, f := range export.Formats() {
		if f.Name == format {
			sf = f
		}
	}
	sheet, err := sf.New(&buf, meta)
	if err != nil {
		t.Fatal(err)
	}
	var totals app.FinanceTotals
	for i := range rows {
		if err := sheet.WriteRow(&rows[i]); err != nil {
			t.Fatal(err)
		}
		totals.Add(&rows[i])
	}
	if err := sheet.Close(totals); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte, same func(want, got []byte) bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
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
		t.Errorf("%s differs from the golden file; inspect and rerun with -update if intended", name)
	}
}

func TestCSVGolden(t *testing.T) {
	got := write(t, "csv", sampleRows())
	golden(t, "finance.csv", got, bytes.Equal)

	if !bytes.HasPrefix(got, []byte("\xEF\xBB\xBF")) {
		t.Fatal("no UTF-8 BOM")
	}
	records, err := csv.NewReader(bytes.NewReader(got[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 5 || records[0][0] != "报销单号" {
		t.Fatalf("%d records, header %v", len(records), records[0])
	}
	col := columnIndex(t, records[0])
	if v := records[2][col["销售方名称"]]; v != `'=HYPERLINK("http://x")&<b>"引号",逗号` {
		t.Errorf("formula not defused: %q", v)
	}
	if v := records[2][col["价税合计"]]; v != "-17.70" {
		t.Errorf("negative amount %q", v)
	}
	if v := records[1][col["审批时间"]]; v != "2026-10-09 16:30:15" {
		t.Errorf("approval time %q", v)
	}
	// Codes go out as they are, with no ="…", tab or apostrophe to keep a
	// spreadsheet from reading them as numbers: the CSV is data (README
	// "Export" says what Excel does with it and points people to the XLSX).
	if v := records[1][col["发票代码"]]; v != "044031900111" {
		t.Errorf("invoice code %q", v)
	}
	if v := records[2][col["发票号码"]]; v != "26442000000012345678" {
		t.Errorf("20-digit number %q", v)
	}
	// People read this file: states in Chinese.
	for row, want := range map[int][3]string{1: {"已报销", "已同步", "卡包"}, 2: {"已报销", "同步中", "卡包"}, 3: {"已红冲", "同步失败", "上传"}} {
		if got := [3]string{records[row][col["微信状态"]], records[row][col["同步状态"]], records[row][col["来源"]]}; got != want {
			t.Errorf("row %d states %v, want %v", row, got, want)
		}
	}
	total := records[4]
	if total[0] != "合计 3 张" || total[col["价税合计"]] != "482.30" || total[col["税额"]] != "32.81" || total[col["金额（不含税）"]] != "448.49" {
		t.Errorf("totals row %v", total)
	}
}

func columnIndex(t *testing.T, header []string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for i, h := range header {
		m[h] = i
	}
	return m
}

// unzip reads every part of an archive, for a comparison that does not
// depend on how deflate packed it.
func unzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(body)
	}
	return parts
}

func TestXLSXGolden(t *testing.T) {
	got := write(t, "xlsx", sampleRows())
	golden(t, "finance.xlsx", got, func(want, got []byte) bool {
		w, g := unzip(t, want), unzip(t, got)
		if len(w) != len(g) {
			return false
		}
		for name, body := range w {
			if g[name] != body {
				t.Logf("part %s differs:\nwant %s\ngot  %s", name, body, g[name])
				return false
			}
		}
		return true
	})
	checkXLSX(t, got, sampleRows())
}

// checkXLSX opens the file with excelize and checks cells, the number
// format of amounts and the totals row.
func checkXLSX(t *testing.T, b []byte, rows []app.FinanceRow) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("excelize cannot open the file: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 1 || sheets[0] != "报销明细" {
		t.Fatalf("sheets %v", sheets)
	}
	sh := sheets[0]
	cells, err := f.GetRows(sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != len(rows)+2 {
		t.Fatalf("%d rows, want %d", len(cells), len(rows)+2)
	}
	col := columnIndex(t, cells[0])
	cell := func(name string, row int) string {
		c, _ := excelize.CoordinatesToCellName(col[name]+1, row)
		return c
	}
	value := func(name string, row int) string {
		v, err := f.GetCellValue(sh, cell(name, row))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i, r := range rows {
		row := i + 2
		if got := value("价税合计", row); got != r.Amount.String() {
			t.Errorf("row %d amount %q, want %s", row, got, r.Amount)
		}
		if typ, _ := f.GetCellType(sh, cell("价税合计", row)); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("row %d amount is not a number cell: %v", row, typ)
		}
		if got := value("发票ID", row); got != string(r.InvoiceID) {
			t.Errorf("row %d id %q", row, got)
		}
	}
	// Raw values are the exact decimals, and the style shows two decimals.
	if len(rows) == len(sampleRows()) {
		checkSampleCells(t, f, sh, cell, value)
	}
	last := len(rows) + 2
	if v := value("报销单号", last); v != fmt.Sprintf("合计 %d 张", len(rows)) {
		t.Errorf("totals label %q", v)
	}
	var totals app.FinanceTotals
	for i := range rows {
		totals.Add(&rows[i])
	}
	for name, want := range map[string]domain.Money{"价税合计": totals.Amount, "税额": totals.Tax, "金额（不含税）": totals.AmountWithoutTax} {
		if got := value(name, last); got != want.String() {
			t.Errorf("total %s = %q, want %s", name, got, want)
		}
	}
	styleID, err := f.GetCellStyle(sh, cell("价税合计", last))
	if err != nil {
		t.Fatal(err)
	}
	if style, err := f.GetStyle(styleID); err != nil || style.NumFmt != 2 || style.Font == nil || !style.Font.Bold {
		t.Errorf("totals style %+v %v", style, err)
	}
	if !strings.Contains(unzip(t, b)["xl/worksheets/sheet1.xml"], `state="frozen"`) {
		t.Error("header row not frozen")
	}
}

func checkSampleCells(t *testing.T, f *excelize.File, sh string, cell func(string, int) string, value func(string, int) string) {
	t.Helper()
	raw, _ := f.GetCellValue(sh, cell("税额", 3), excelize.Options{RawCellValue: true})
	if raw != "-2.04" {
		t.Errorf("raw tax %q", raw)
	}
	styleID, err := f.GetCellStyle(sh, cell("价税合计", 2))
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(styleID)
	if err != nil {
		t.Fatal(err)
	}
	if style.NumFmt != 2 {
		t.Errorf("amount number format %d, want 2 (0.00)", style.NumFmt)
	}
	if v := value("销售方名称", 3); v != `=HYPERLINK("http://x")&<b>"引号",逗号` {
		t.Errorf("text cell %q", v)
	}
	if v := value("购买方抬头", 3); v != " 前后空格 " {
		t.Errorf("spaces lost: %q", v)
	}
	if fm, _ := f.GetCellFormula(sh, cell("销售方名称", 3)); fm != "" {
		t.Errorf("a text cell became a formula %q", fm)
	}
	styleOf := func(name string, row int) *excelize.Style {
		id, err := f.GetCellStyle(sh, cell(name, row))
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// Codes are text cells formatted @: the leading zero and all 20 digits
	// survive, even when someone edits the cell.
	for _, c := range []struct {
		name string
		row  int
		want string
	}{{"发票代码", 2, "044031900111"}, {"发票号码", 3, "26442000000012345678"}, {"购买方税号", 2, "91440300MA5DEMO001"}} {
		if v := value(c.name, c.row); v != c.want {
			t.Errorf("%s %q, want %s", c.name, v, c.want)
		}
		if typ, _ := f.GetCellType(sh, cell(c.name, c.row)); typ != excelize.CellTypeInlineString {
			t.Errorf("%s is not a text cell: %v", c.name, typ)
		}
		if n := styleOf(c.name, c.row).NumFmt; n != 49 {
			t.Errorf("%s number format %d, want 49 (@)", c.name, n)
		}
	}
	// Dates are date cells: Excel serials shown in a date format.
	for _, c := range []struct {
		name, raw, want, format string
	}{
		{"开票日期", "46303", "2026-10-08", "yyyy-mm-dd"},
		{"付款日期", "46315", "2026-10-20", "yyyy-mm-dd"},
		{"审批时间", "46304.68767361111", "2026-10-09 16:30:15", "yyyy-mm-dd hh:mm:ss"},
	} {
		if raw, _ := f.GetCellValue(sh, cell(c.name, 2), excelize.Options{RawCellValue: true}); raw != c.raw {
			t.Errorf("%s raw %q, want the serial %s", c.name, raw, c.raw)
		}
		if v := value(c.name, 2); v != c.want {
			t.Errorf("%s shows %q, want %s", c.name, v, c.want)
		}
		if st := styleOf(c.name, 2); st.CustomNumFmt == nil || *st.CustomNumFmt != c.format {
			t.Errorf("%s number format %v, want %s", c.name, st.CustomNumFmt, c.format)
		}
	}
	for row, want := range map[int][3]string{2: {"已报销", "已同步", "卡包"}, 4: {"已红冲", "同步失败", "上传"}} {
		if got := [3]string{value("微信状态", row), value("同步状态", row), value("来源", row)}; got != want {
			t.Errorf("row %d states %v, want %v", row, got, want)
		}
	}
	// The title is in the document properties and the printed header; row
	// 1 stays the header programs read.
	props, err := f.GetDocProps()
	if err != nil || props.Title != "报销明细（审批日期 2026-10-01 至 2026-10-31）" {
		t.Errorf("title %+v %v", props, err)
	}
	if hf, err := f.GetHeaderFooter(sh); err != nil || hf == nil || hf.OddHeader != "&C报销明细（审批日期 2026-10-01 至 2026-10-31）" {
		t.Errorf("page header %+v %v", hf, err)
	}
}

// The open API's export (DECISIONS 50) keeps the state codes in both
// formats.
func TestExportForMachinesKeepsCodes(t *testing.T) {
	meta := october
	meta.Codes = true
	records, err := csv.NewReader(bytes.NewReader(writeWith(t, "csv", sampleRows(), meta)[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := columnIndex(t, records[0])
	if got := [3]string{records[3][col["微信状态"]], records[3][col["同步状态"]], records[3][col["来源"]]}; got != [3]string{"CANCEL", "failed", "upload"} {
		t.Errorf("csv states %v", got)
	}
	f, err := excelize.OpenReader(bytes.NewReader(writeWith(t, "xlsx", sampleRows(), meta)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("报销明细")
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]string{rows[1][col["微信状态"]], rows[1][col["同步状态"]], rows[1][col["来源"]]}; got != [3]string{"CLOSURE", "synced", "wallet"} {
		t.Errorf("xlsx states %v", got)
	}
}

func TestEmptyExport(t *testing.T) {
	csvOut := write(t, "csv", nil)
	if !strings.HasSuffix(string(csvOut), "合计 0 张,,,,,,,,,,,,,,0.00,0.00,0.00,,,,,,,,,,\r\n") {
		t.Errorf("empty CSV ends %q", csvOut[max(0, len(csvOut)-60):])
	}
	checkXLSX(t, write(t, "xlsx", nil), nil)
}

// The fast amount formatting says what Money.String says.
func TestMoneyText(t *testing.T) {
	for _, s := range []string{"0.00", "0.05", "-0.05", "-17.70", "1234567.89", "-100.00", "92233720368547758.07"} {
		m := money(s)
		rows := []app.FinanceRow{{Amount: m, AmountWithoutTax: m, Tax: domain.Zero, TitleMatchesCompany: true}}
		out := string(write(t, "csv", rows))
		if !strings.Contains(out, ","+m.String()+",") {
			t.Errorf("%s: %q", s, out)
		}
	}
}

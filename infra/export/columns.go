// Package export writes finance exports as CSV and XLSX, a row at a time:
// nothing is kept per row, so memory stays flat however long the export
// (DECISIONS 22). Both formats share the columns below.
package export

import (
	"strconv"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Formats are the export formats, for app.FinanceDeps.
func Formats() []app.SheetFormat {
	return []app.SheetFormat{
		{Name: "csv", ContentType: "text/csv; charset=utf-8", New: NewCSV},
		{Name: "xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", New: NewXLSX},
	}
}

// chinaTime: dates and times are shown as printed in China (DECISIONS 19).
var chinaTime = time.FixedZone("Asia/Shanghai", 8*60*60)

// column is one export column. Money columns hold exact decimal strings
// ("1234.50"): numbers in XLSX, text in CSV, never a float. Code columns
// are identifiers made of digits (invoice codes with a leading zero,
// 20-digit numbers, tax numbers): "@" text cells in XLSX. Date columns
// hold "2006-01-02" or "2006-01-02 15:04:05" (China time): date cells in
// XLSX, text in CSV.
type column struct {
	header string
	width  int // XLSX column width, in characters
	kind   kind
	value  func(r *app.FinanceRow) string
	// label turns a state code into the Chinese people read; the open
	// API's export keeps the code (DECISIONS 50).
	label func(code string) string
}

type kind int

const (
	plain kind = iota
	amount
	code
	day
)

// columns are issue 7's, in order; README lists them with their meaning.
var columns = []column{
	{header: "报销单号", width: 16, kind: code, value: func(r *app.FinanceRow) string { return r.ReportNumber }},
	{header: "员工编号", width: 12, value: func(r *app.FinanceRow) string { return string(r.Employee.ID) }},
	{header: "员工", width: 10, value: func(r *app.FinanceRow) string { return r.Employee.Name }},
	{header: "部门", width: 12, value: func(r *app.FinanceRow) string { return r.Employee.Department }},
	{header: "审批人", width: 10, value: func(r *app.FinanceRow) string { return r.Approver.Name }},
	{header: "审批时间", width: 20, kind: day, value: func(r *app.FinanceRow) string { return dateTime(r.ApprovedAt) }},
	{header: "发票类型", width: 18, value: func(r *app.FinanceRow) string { return kindLabel(r.Kind, r.RawType) }},
	{header: "发票代码", width: 14, kind: code, value: func(r *app.FinanceRow) string { return r.ID.Code }},
	{header: "发票号码", width: 22, kind: code, value: func(r *app.FinanceRow) string { return r.ID.Number }},
	{header: "开票日期", width: 12, kind: day, value: func(r *app.FinanceRow) string { return date(r.IssuedAt) }},
	{header: "销售方名称", width: 28, value: func(r *app.FinanceRow) string { return r.Seller.Name }},
	{header: "销售方税号", width: 22, kind: code, value: func(r *app.FinanceRow) string { return r.Seller.TaxNumber }},
	{header: "购买方抬头", width: 24, value: func(r *app.FinanceRow) string { return r.Buyer.Name }},
	{header: "购买方税号", width: 22, kind: code, value: func(r *app.FinanceRow) string { return r.Buyer.TaxNumber }},
	{header: "金额（不含税）", width: 14, kind: amount, value: func(r *app.FinanceRow) string { return money(r.AmountWithoutTax) }},
	{header: "税额", width: 12, kind: amount, value: func(r *app.FinanceRow) string { return money(r.Tax) }},
	{header: "价税合计", width: 14, kind: amount, value: func(r *app.FinanceRow) string { return money(r.Amount) }},
	{header: "微信状态", width: 10, value: func(r *app.FinanceRow) string { return string(r.WeChatStatus) }, label: wechatLabel},
	{header: "同步状态", width: 10, value: func(r *app.FinanceRow) string { return string(r.Sync) }, label: syncLabel},
	{header: "提示", width: 24, value: func(r *app.FinanceRow) string { return warnings(r.Warnings()) }},
	{header: "发票ID", width: 30, kind: code, value: func(r *app.FinanceRow) string { return string(r.InvoiceID) }},
	// Appended only (DECISIONS 50): the source, a code in the open API's
	// export.
	{header: "来源", width: 8, value: func(r *app.FinanceRow) string { return string(r.Source) }, label: sourceLabel},
	// Appended only (DECISIONS 50): issue 17's expense_type_code,
	// expense_type_name, purpose, paid_on and payment_reference, headed in
	// Chinese like the others.
	{header: "费用类型编码", width: 14, kind: code, value: func(r *app.FinanceRow) string { return r.ExpenseTypeCode }},
	{header: "费用类型", width: 12, value: func(r *app.FinanceRow) string { return r.ExpenseTypeName }},
	{header: "事由", width: 30, value: func(r *app.FinanceRow) string { return r.Purpose }},
	{header: "付款日期", width: 12, kind: day, value: func(r *app.FinanceRow) string { return r.PaidOn }},
	{header: "付款参考号", width: 20, kind: code, value: func(r *app.FinanceRow) string { return r.PaymentReference }},
}

// The state labels are the pages' (web/h5/common.js); an unknown code is
// shown as it is rather than hidden.
var (
	wechatLabels = map[string]string{
		string(domain.StatusInit): "未报销", string(domain.StatusLock): "报销中",
		string(domain.StatusClosure): "已报销", string(domain.StatusCancel): "已红冲",
	}
	syncLabels = map[string]string{
		string(app.InvoiceSynced): "已同步", string(app.InvoicePending): "同步中", string(app.InvoiceFailed): "同步失败",
	}
	sourceLabels = map[string]string{
		string(domain.FromWallet): "卡包", string(domain.FromUpload): "上传",
		string(domain.FromMail): "邮件", string(domain.FromERP): "ERP",
	}
)

func labelOr(labels map[string]string, code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return code
}

func wechatLabel(c string) string { return labelOr(wechatLabels, c) }
func syncLabel(c string) string   { return labelOr(syncLabels, c) }
func sourceLabel(c string) string { return labelOr(sourceLabels, c) }

// title names the file's contents, for the XLSX document properties and
// printed page header.
func title(m app.SheetMeta) string {
	t := "报销明细（审批日期 " + m.From + " 至 " + m.To
	if m.PaidOnly {
		t += "，已付款"
	}
	return t + "）"
}

// table is CSVTable or XLSXTable.
type table interface {
	Row(values []string) error
	Close(last []string) error
}

// sheet is the finance export on a table: a row per invoice, then the
// totals row.
type sheet struct {
	t      table
	values []string
	codes  bool // states as codes, not labels
}

func newSheet(t table, m app.SheetMeta) *sheet {
	return &sheet{t: t, values: make([]string, len(columns)), codes: m.Codes}
}

// WriteRow writes one invoice.
func (s *sheet) WriteRow(r *app.FinanceRow) error {
	for i, c := range columns {
		v := c.value(r)
		if c.label != nil && !s.codes && v != "" {
			v = c.label(v)
		}
		s.values[i] = v
	}
	return s.t.Row(s.values)
}

// Close writes the totals row and finishes the file.
func (s *sheet) Close(t app.FinanceTotals) error { return s.t.Close(totalsRow(t)) }

// tableColumns are columns as the table writers take them.
func tableColumns() []Column {
	out := make([]Column, len(columns))
	for i, c := range columns {
		out[i] = Column{Header: c.header, Width: c.width, Money: c.kind == amount, Code: c.kind == code, Date: c.kind == day}
	}
	return out
}

// totalsRow is the last row: a label in the first column and the sums in
// the money columns.
func totalsRow(t app.FinanceTotals) []string {
	out := make([]string, len(columns))
	out[0] = "合计 " + strconv.FormatInt(t.Count, 10) + " 张"
	for i, c := range columns {
		if c.kind != amount {
			continue
		}
		switch c.header {
		case "金额（不含税）":
			out[i] = money(t.AmountWithoutTax)
		case "税额":
			out[i] = money(t.Tax)
		case "价税合计":
			out[i] = money(t.Amount)
		}
	}
	return out
}

// money formats an amount with exactly two decimals ("-17.70") from its
// integer cents (a Money always has whole cents): the same text as
// Money.String, without big-number formatting on every cell.
func money(m domain.Money) string {
	c := m.Cents()
	var b [24]byte
	i := len(b)
	neg := c < 0
	u := uint64(c)
	if neg {
		u = -u
	}
	frac := u % 100
	b[i-1], b[i-2], b[i-3] = byte('0'+frac%10), byte('0'+frac/10), '.'
	i -= 3
	u /= 100
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format(time.DateTime)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format(time.DateOnly)
}

var kindLabels = map[domain.InvoiceKind]string{
	domain.KindVATSpecial:     "增值税专用发票",
	domain.KindVATNormal:      "增值税普通发票",
	domain.KindVATESpecial:    "增值税电子专用发票",
	domain.KindVATENormal:     "增值税电子普通发票",
	domain.KindDigitalSpecial: "数电发票（增值税专用发票）",
	domain.KindDigitalNormal:  "数电发票（普通发票）",
}

// kindLabel names the kind as finance knows it; other kinds keep WeChat's
// own text (e.g. 电子发票（铁路电子客票）).
func kindLabel(k domain.InvoiceKind, raw string) string {
	if l, ok := kindLabels[k]; ok {
		return l
	}
	if raw != "" {
		return raw
	}
	return "其他"
}

var warningLabels = map[app.Warning]string{
	app.WarnAmounts:     "价税合计与金额、税额之和不符",
	app.WarnTitle:       "抬头不是本公司",
	app.WarnNeedsReview: "发票号码格式待核对",
	app.WarnCancelled:   "已红冲",
	app.WarnSyncFailed:  "微信状态同步失败",
}

func warnings(ws []app.Warning) string {
	if len(ws) == 0 {
		return ""
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = warningLabels[w]
		if parts[i] == "" {
			parts[i] = string(w)
		}
	}
	return strings.Join(parts, "；")
}

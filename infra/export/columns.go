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
// ("1234.50"): numbers in XLSX, text in CSV, never a float.
type column struct {
	header string
	width  int // XLSX column width, in characters
	money  bool
	value  func(r *app.FinanceRow) string
}

// columns are issue 7's, in order; README lists them with their meaning.
var columns = []column{
	{"报销单号", 16, false, func(r *app.FinanceRow) string { return r.ReportNumber }},
	{"员工编号", 12, false, func(r *app.FinanceRow) string { return string(r.Employee.ID) }},
	{"员工", 10, false, func(r *app.FinanceRow) string { return r.Employee.Name }},
	{"部门", 12, false, func(r *app.FinanceRow) string { return r.Employee.Department }},
	{"审批人", 10, false, func(r *app.FinanceRow) string { return r.Approver.Name }},
	{"审批时间", 20, false, func(r *app.FinanceRow) string { return dateTime(r.ApprovedAt) }},
	{"发票类型", 18, false, func(r *app.FinanceRow) string { return kindLabel(r.Kind, r.RawType) }},
	{"发票代码", 14, false, func(r *app.FinanceRow) string { return r.ID.Code }},
	{"发票号码", 22, false, func(r *app.FinanceRow) string { return r.ID.Number }},
	{"开票日期", 12, false, func(r *app.FinanceRow) string { return date(r.IssuedAt) }},
	{"销售方名称", 28, false, func(r *app.FinanceRow) string { return r.Seller.Name }},
	{"销售方税号", 22, false, func(r *app.FinanceRow) string { return r.Seller.TaxNumber }},
	{"购买方抬头", 24, false, func(r *app.FinanceRow) string { return r.Buyer.Name }},
	{"购买方税号", 22, false, func(r *app.FinanceRow) string { return r.Buyer.TaxNumber }},
	{"金额（不含税）", 14, true, func(r *app.FinanceRow) string { return money(r.AmountWithoutTax) }},
	{"税额", 12, true, func(r *app.FinanceRow) string { return money(r.Tax) }},
	{"价税合计", 14, true, func(r *app.FinanceRow) string { return money(r.Amount) }},
	{"微信状态", 10, false, func(r *app.FinanceRow) string { return string(r.WeChatStatus) }},
	{"同步状态", 10, false, func(r *app.FinanceRow) string { return string(r.Sync) }},
	{"提示", 24, false, func(r *app.FinanceRow) string { return warnings(r.Warnings()) }},
	{"发票ID", 30, false, func(r *app.FinanceRow) string { return string(r.InvoiceID) }},
	// Appended only (DECISIONS 50): the source code, as the open API has it.
	{"来源", 8, false, func(r *app.FinanceRow) string { return string(r.Source) }},
	// Appended only (DECISIONS 50): issue 17's expense_type_code,
	// expense_type_name, purpose, paid_on and payment_reference, headed in
	// Chinese like the others.
	{"费用类型编码", 14, false, func(r *app.FinanceRow) string { return r.ExpenseTypeCode }},
	{"费用类型", 12, false, func(r *app.FinanceRow) string { return r.ExpenseTypeName }},
	{"事由", 30, false, func(r *app.FinanceRow) string { return r.Purpose }},
	{"付款日期", 12, false, func(r *app.FinanceRow) string { return r.PaidOn }},
	{"付款参考号", 20, false, func(r *app.FinanceRow) string { return r.PaymentReference }},
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
}

// WriteRow writes one invoice.
func (s *sheet) WriteRow(r *app.FinanceRow) error {
	for i, c := range columns {
		s.values[i] = c.value(r)
	}
	return s.t.Row(s.values)
}

// Close writes the totals row and finishes the file.
func (s *sheet) Close(t app.FinanceTotals) error { return s.t.Close(totalsRow(t)) }

// tableColumns are columns as the table writers take them.
func tableColumns() []Column {
	out := make([]Column, len(columns))
	for i, c := range columns {
		out[i] = Column{Header: c.header, Width: c.width, Money: c.money}
	}
	return out
}

// totalsRow is the last row: a label in the first column and the sums in
// the money columns.
func totalsRow(t app.FinanceTotals) []string {
	out := make([]string, len(columns))
	out[0] = "合计 " + strconv.FormatInt(t.Count, 10) + " 张"
	for i, c := range columns {
		if !c.money {
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

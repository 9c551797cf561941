package export

import (
	"io"

	"github.com/baoxiao/baoxiao/app/payment"
)

// TableFormats write small whole tables (the bank batch file) with the
// export's own CSV and XLSX writers.
func TableFormats() []payment.TableFormat {
	return []payment.TableFormat{
		{Name: "csv", ContentType: "text/csv; charset=utf-8", Write: writeTableCSV},
		{Name: "xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Write: writeTableXLSX},
	}
}

// writeTableCSV writes CSV as the finance export does (CSVTable): UTF-8
// BOM, CRLF, formula-like text defused.
func writeTableCSV(w io.Writer, t payment.Table) error {
	tt, err := NewCSVTable(w, tableCols(t))
	if err != nil {
		return err
	}
	return writeTable(tt, t)
}

// writeTableXLSX writes one sheet (XLSXTable): a bold header and the
// rows, amounts as exact numbers in 0.00, account numbers as "@" text
// cells (an edit never turns a 19-digit account into 1.23E+18); no
// totals row (bank imports refuse one).
func writeTableXLSX(w io.Writer, t payment.Table) error {
	tt, err := NewXLSXTable(w, "批量支付", tableCols(t))
	if err != nil {
		return err
	}
	return writeTable(tt, t)
}

func tableCols(t payment.Table) []Column {
	cols := make([]Column, len(t.Headers))
	for i, h := range t.Headers {
		cols[i] = Column{Header: h, Width: t.Widths[i], Money: t.Money[i], Code: i < len(t.Codes) && t.Codes[i]}
	}
	return cols
}

func writeTable(tt table, t payment.Table) error {
	for _, row := range t.Rows {
		if err := tt.Row(row); err != nil {
			return err
		}
	}
	return tt.Close(nil)
}

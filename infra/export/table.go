package export

import (
	"bufio"
	"encoding/csv"
	"io"

	"github.com/baoxiao/baoxiao/app"
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

// writeTableCSV writes CSV as the finance export does: UTF-8 BOM, CRLF,
// formula-like text defused.
func writeTableCSV(w io.Writer, t payment.Table) error {
	buf := bufio.NewWriter(w)
	if _, err := buf.WriteString(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(buf)
	cw.UseCRLF = true
	if err := cw.Write(t.Headers); err != nil {
		return err
	}
	record := make([]string, len(t.Headers))
	for _, row := range t.Rows {
		for i, v := range row {
			if !t.Money[i] {
				v = app.DefuseCell(v)
			}
			record[i] = v
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return buf.Flush()
}

// writeTableXLSX writes one sheet: a bold header and the rows, amounts as
// exact numbers in 0.00; no totals row (bank imports refuse one).
func writeTableXLSX(w io.Writer, t payment.Table) error {
	cols := make([]column, len(t.Headers))
	for i, h := range t.Headers {
		cols[i] = column{header: h, width: t.Widths[i], money: t.Money[i]}
	}
	s, err := newXLSX(w, cols)
	if err != nil {
		return err
	}
	for _, row := range t.Rows {
		if err := s.writeRow(row, styleText, styleMoney); err != nil {
			return err
		}
	}
	return s.finish()
}

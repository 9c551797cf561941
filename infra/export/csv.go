package export

import (
	"bufio"
	"encoding/csv"
	"io"

	"github.com/baoxiao/baoxiao/app"
)

// bom makes Excel read the file as UTF-8, so Chinese shows correctly.
const bom = "\uFEFF"

// csvSheet writes RFC 4180 CSV (CRLF) with a UTF-8 BOM, a header row, one row
// per invoice and a totals row.
type csvSheet struct {
	buf    *bufio.Writer
	w      *csv.Writer
	record []string
}

// NewCSV starts a CSV export on w.
func NewCSV(w io.Writer) (app.Sheet, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	s := &csvSheet{buf: buf, w: csv.NewWriter(buf), record: make([]string, len(columns))}
	s.w.UseCRLF = true // RFC 4180, as Excel writes it
	if _, err := buf.WriteString(bom); err != nil {
		return nil, err
	}
	for i, c := range columns {
		s.record[i] = c.header
	}
	if err := s.w.Write(s.record); err != nil {
		return nil, err
	}
	return s, nil
}

// WriteRow writes one invoice.
func (s *csvSheet) WriteRow(r *app.FinanceRow) error {
	for i, c := range columns {
		v := c.value(r)
		if !c.money {
			v = app.DefuseCell(v) // the rule the employee export shares
		}
		s.record[i] = v
	}
	return s.w.Write(s.record)
}

// Close writes the totals row and flushes.
func (s *csvSheet) Close(t app.FinanceTotals) error {
	if err := s.w.Write(totalsRow(t)); err != nil {
		return err
	}
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	return s.buf.Flush()
}

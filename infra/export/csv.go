package export

import (
	"bufio"
	"encoding/csv"
	"io"

	"github.com/baoxiao/baoxiao/app"
)

// bom makes Excel read the file as UTF-8, so Chinese shows correctly.
const bom = "\uFEFF"

// CSVTable writes RFC 4180 CSV (CRLF) with a UTF-8 BOM and a header row,
// a row at a time. Text cells are defused (app.DefuseCell), so a cell
// cannot run as a formula in a spreadsheet; money cells are kept as they
// are.
type CSVTable struct {
	buf    *bufio.Writer
	w      *csv.Writer
	cols   []Column
	record []string
}

// NewCSVTable starts a CSV table on w.
func NewCSVTable(w io.Writer, cols []Column) (*CSVTable, error) {
	buf := bufio.NewWriterSize(w, 64<<10)
	s := &CSVTable{buf: buf, w: csv.NewWriter(buf), cols: cols, record: make([]string, len(cols))}
	s.w.UseCRLF = true // RFC 4180, as Excel writes it
	if _, err := buf.WriteString(bom); err != nil {
		return nil, err
	}
	for i, c := range cols {
		s.record[i] = c.Header
	}
	if err := s.w.Write(s.record); err != nil {
		return nil, err
	}
	return s, nil
}

// Row writes one row of values, one per column.
func (s *CSVTable) Row(values []string) error {
	for i, v := range values {
		if !s.cols[i].Money {
			v = app.DefuseCell(v) // the rule the employee export shares
		}
		s.record[i] = v
	}
	return s.w.Write(s.record)
}

// Close writes last unless it is nil (a totals row, as it is) and flushes.
func (s *CSVTable) Close(last []string) error {
	if last != nil {
		if err := s.w.Write(last); err != nil {
			return err
		}
	}
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	return s.buf.Flush()
}

// NewCSV starts a CSV export on w. Codes and dates are written as they
// are: the CSV is data for programs and careful imports (README
// "Export"); the XLSX is the file to open in a spreadsheet.
func NewCSV(w io.Writer, m app.SheetMeta) (app.Sheet, error) {
	t, err := NewCSVTable(w, tableColumns())
	if err != nil {
		return nil, err
	}
	return newSheet(t, m), nil
}

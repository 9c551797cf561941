package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/baoxiao/baoxiao/domain"
)

// Sheet receives an export row by row. It must not keep rows: an export's
// memory does not grow with its length (DECISIONS 22).
type Sheet interface {
	WriteRow(r *FinanceRow) error
	// Close writes the totals row and finishes the file.
	Close(t FinanceTotals) error
}

// SheetFormat is one export file format; infra/export provides CSV and
// XLSX.
type SheetFormat struct {
	Name        string // "csv", "xlsx": the format parameter and the file extension
	ContentType string
	New         func(w io.Writer, m SheetMeta) (Sheet, error)
}

// SheetMeta is what a file says about itself: the approval dates it
// covers (YYYY-MM-DD, inclusive), whether it lists paid reports only, and
// whether states stay codes (the open API's export, DECISIONS 50) rather
// than the Chinese labels people read.
type SheetMeta struct {
	From, To string
	PaidOnly bool
	Codes    bool
}

// exportPage is how many rows an export reads from the database at a time.
const exportPage = 1000

// ExportJob is a checked export, ready to stream.
type ExportJob struct {
	FileName    string // baoxiao-2026-10-01_2026-10-31.csv
	ContentType string
	fin         *Finance
	filter      FinanceFilter
	format      SheetFormat
	meta        SheetMeta
}

// PrepareExport checks who asks and what for, before a byte is sent. An
// export lists invoices of approved reports by approval date (DECISIONS
// 19), so from and to are required and report_status may only be
// "approved" (which includes paid, DECISIONS 39) or "paid".
func (s *Finance) PrepareExport(ctx context.Context, by domain.EmployeeID, f FinanceFilter, format string) (*ExportJob, error) {
	if err := s.authorize(ctx, by); err != nil {
		return nil, err
	}
	return s.OperatorExport(f, format)
}

// OperatorExport is PrepareExport for the command line, whose operator is
// trusted with the database already.
func (s *Finance) OperatorExport(f FinanceFilter, format string) (*ExportJob, error) {
	sf, ok := s.formats[strings.ToLower(strings.TrimSpace(format))]
	if !ok {
		return nil, domain.Invalid("format", "must be one of "+strings.Join(s.Formats(), ", "))
	}
	if f.FromOn == "" {
		return nil, domain.Invalid("from", "required: the first approval date, YYYY-MM-DD")
	}
	if f.ToOn == "" {
		return nil, domain.Invalid("to", "required: the last approval date, YYYY-MM-DD")
	}
	onlyPaid := len(f.ReportStatuses) > 0
	for _, st := range f.ReportStatuses {
		if !st.Approved() {
			return nil, domain.Invalid("report_status", "an export lists approved (or paid) reports only")
		}
		onlyPaid = onlyPaid && st == domain.ReportPaid
	}
	f.DateField = ApprovedOn
	f.ReportStatuses = []domain.ReportStatus{domain.ReportApproved, domain.ReportPaid}
	if onlyPaid {
		f.ReportStatuses = []domain.ReportStatus{domain.ReportPaid}
	}
	return &ExportJob{
		FileName:    fmt.Sprintf("baoxiao-%s_%s.%s", f.FromOn, f.ToOn, sf.Name),
		ContentType: sf.ContentType,
		fin:         s, filter: f, format: sf,
		meta: SheetMeta{From: f.FromOn, To: f.ToOn, PaidOnly: onlyPaid},
	}, nil
}

// Count is how many rows the export will have, for a progress bar; rows
// approved meanwhile may make the file longer.
func (j *ExportJob) Count(ctx context.Context) (int64, error) {
	t, err := j.fin.store.FinanceTotals(ctx, j.filter)
	return t.Count, err
}

// Run writes the file to w: the rows are read a page at a time, in
// (approval time, id) order, and written as they come; totals are summed
// exactly from the rows written. progress, when set, hears the running
// count after each page. On an error the file is left unfinished, so it
// cannot pass for a complete one.
func (j *ExportJob) Run(ctx context.Context, w io.Writer, progress func(rows int64)) (FinanceTotals, error) {
	// Sums in whole cents (a Money always is): exact, and a million rows
	// need no decimal arithmetic.
	var count, amount, net, tax int64
	totals := func() FinanceTotals {
		return FinanceTotals{Count: count, Amount: domain.MoneyFromCents(amount),
			AmountWithoutTax: domain.MoneyFromCents(net), Tax: domain.MoneyFromCents(tax)}
	}
	sheet, err := j.format.New(w, j.meta)
	if err != nil {
		return totals(), err
	}
	err = j.fin.approvedPages(ctx, j.filter, func(rows []FinanceRow) error {
		for i := range rows {
			r := &rows[i]
			if err := sheet.WriteRow(r); err != nil {
				return fmt.Errorf("write row: %w", err)
			}
			count++
			amount, net, tax = amount+r.Amount.Cents(), net+r.AmountWithoutTax.Cents(), tax+r.Tax.Cents()
		}
		if progress != nil {
			progress(count)
		}
		return nil
	})
	if err != nil {
		return totals(), fmt.Errorf("export: %w", err)
	}
	if err := sheet.Close(totals()); err != nil {
		return totals(), fmt.Errorf("export: finish file: %w", err)
	}
	return totals(), nil
}

// approvedPages reads the invoices of f (on approved_on) a page at a time,
// in (approval time, id) order, and hands each page to fn: the export and
// the archive hold one page, never the whole range.
func (s *Finance) approvedPages(ctx context.Context, f FinanceFilter, fn func(rows []FinanceRow) error) error {
	var after *FinanceCursor
	for {
		rows, err := s.store.FinancePage(ctx, f, after, exportPage)
		if err != nil {
			return fmt.Errorf("read rows: %w", err)
		}
		if err := fn(rows); err != nil {
			return err
		}
		if len(rows) < exportPage {
			return nil
		}
		last := rows[len(rows)-1]
		after = &FinanceCursor{DateField: ApprovedOn, At: last.ApprovedAt, ID: last.InvoiceID}
	}
}

// Formats lists the export formats' names, sorted.
func (s *Finance) Formats() []string {
	names := make([]string, 0, len(s.formats))
	for n := range s.formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

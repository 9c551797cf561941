package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/baoxiao/baoxiao/domain"
)

// ArchiveNote says why an archive's index row has no file.
type ArchiveNote string

// The notes. An invoice is listed even without a file, so the index
// accounts for every invoice of the period.
const (
	ArchiveNoOriginal ArchiveNote = "no_original" // no original was ever stored
	ArchiveMissing    ArchiveNote = "missing"     // recorded, but the storage has no such bytes
	ArchiveCorrupt    ArchiveNote = "corrupt"     // the stored bytes no longer hash to their SHA-256
)

// ArchiveItem is one line of an archive: an invoice of an approved report
// with one of its originals and the original's bytes, or with no file and
// a Note.
type ArchiveItem struct {
	Row         *FinanceRow
	ReportTitle string
	Original    *domain.Original // nil when the invoice has none
	Data        []byte           // nil when Note is set
	Note        ArchiveNote
}

// ArchiveWriter writes an archive an item at a time; infra/archive writes
// the ZIP and its index. It must not keep an item's Data.
type ArchiveWriter interface {
	Add(it *ArchiveItem) error
	// Finish writes the index and completes the archive.
	Finish() error
	// Close releases what the writer holds, finished or not.
	Close() error
}

// ArchiveFormat starts an archive on w.
type ArchiveFormat func(w io.Writer) (ArchiveWriter, error)

// ReportTitles reads reports' titles, for the archive's index.
type ReportTitles interface {
	ReportTitles(ctx context.Context, ids []domain.ReportID) (map[domain.ReportID]string, error)
}

// Archives exports the originals of an accounting period's approved
// reports, with their index (issue 16, DECISIONS 42).
type Archives struct {
	fin       *Finance
	originals OriginalStore
	blobs     Blobs
	titles    ReportTitles
	format    ArchiveFormat
}

// NewArchives returns the archive use case. fin decides who may export and
// reads the period's invoices as the finance export does.
func NewArchives(fin *Finance, originals OriginalStore, blobs Blobs, titles ReportTitles, format ArchiveFormat) *Archives {
	return &Archives{fin: fin, originals: originals, blobs: blobs, titles: titles, format: format}
}

// ArchiveJob is a checked archive export, ready to stream.
type ArchiveJob struct {
	FileName string // baoxiao-archive-2026-10-01_2026-10-31.zip
	a        *Archives
	filter   FinanceFilter
}

// ArchiveStats counts what an archive holds.
type ArchiveStats struct {
	Invoices int64 // invoices listed
	Files    int64 // originals written
	Bytes    int64 // their size
	Missing  int64 // originals recorded but not written (missing or corrupt)
}

// Prepare checks who asks and what for, before a byte is sent: finance and
// administrators, for a period of approval dates (DECISIONS 19, the
// finance export's filter).
func (a *Archives) Prepare(ctx context.Context, by domain.EmployeeID, f FinanceFilter) (*ArchiveJob, error) {
	if err := a.fin.authorize(ctx, by); err != nil {
		return nil, err
	}
	return a.OperatorPrepare(f)
}

// OperatorPrepare is Prepare for the command line, whose operator is
// trusted with the database already. Only the period of f counts.
func (a *Archives) OperatorPrepare(f FinanceFilter) (*ArchiveJob, error) {
	if f.FromOn == "" {
		return nil, domain.Invalid("from", "required: the first approval date, YYYY-MM-DD")
	}
	if f.ToOn == "" {
		return nil, domain.Invalid("to", "required: the last approval date, YYYY-MM-DD")
	}
	// Approval dates belong to approved reports only; paid ones keep
	// theirs (DECISIONS 39), so they are in too.
	period := FinanceFilter{
		DateField: ApprovedOn, From: f.From, To: f.To, FromOn: f.FromOn, ToOn: f.ToOn,
		ReportStatuses: []domain.ReportStatus{domain.ReportApproved, domain.ReportPaid},
	}
	return &ArchiveJob{
		FileName: fmt.Sprintf("baoxiao-archive-%s_%s.zip", f.FromOn, f.ToOn),
		a:        a, filter: period,
	}, nil
}

// Count is how many invoices the archive will list, for a progress bar.
func (j *ArchiveJob) Count(ctx context.Context) (int64, error) {
	t, err := j.a.fin.store.FinanceTotals(ctx, j.filter)
	return t.Count, err
}

// Run writes the archive to w: the invoices a page at a time, each
// original read and written before the next is read, so memory holds one
// page and one file however long the period. A missing or corrupt
// original is listed with a note rather than failing the archive; a
// storage that cannot answer fails it, and the archive is left unfinished
// so it cannot pass for a complete one. progress, when set, hears the
// running count of invoices after each page.
func (j *ArchiveJob) Run(ctx context.Context, w io.Writer, progress func(invoices int64)) (ArchiveStats, error) {
	var st ArchiveStats
	aw, err := j.a.format(w)
	if err != nil {
		return st, err
	}
	defer aw.Close()
	err = j.a.fin.approvedPages(ctx, j.filter, func(rows []FinanceRow) error {
		if len(rows) == 0 {
			return nil
		}
		ids := make([]domain.InvoiceID, len(rows))
		var reports []domain.ReportID
		for i, r := range rows {
			ids[i] = r.InvoiceID
			if i == 0 || r.ReportID != rows[i-1].ReportID {
				reports = append(reports, r.ReportID)
			}
		}
		origs, err := j.a.originals.Originals(ctx, ids...)
		if err != nil {
			return err
		}
		titles, err := j.a.titles.ReportTitles(ctx, reports)
		if err != nil {
			return err
		}
		for i := range rows {
			if err := j.add(ctx, aw, &rows[i], titles[rows[i].ReportID], origs[rows[i].InvoiceID], &st); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(st.Invoices)
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("archive: %w", err)
	}
	if err := aw.Finish(); err != nil {
		return st, fmt.Errorf("archive: finish: %w", err)
	}
	return st, nil
}

// add writes one invoice: each of its originals, or a row saying it has
// none.
func (j *ArchiveJob) add(ctx context.Context, aw ArchiveWriter, r *FinanceRow, title string, origs []domain.Original, st *ArchiveStats) error {
	st.Invoices++
	if len(origs) == 0 {
		return aw.Add(&ArchiveItem{Row: r, ReportTitle: title, Note: ArchiveNoOriginal})
	}
	for i := range origs {
		it := &ArchiveItem{Row: r, ReportTitle: title, Original: &origs[i]}
		data, err := j.a.blobs.Open(ctx, origs[i].SHA256)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			it.Note = ArchiveMissing
		case errors.Is(err, ErrBlobCorrupt):
			it.Note = ArchiveCorrupt
		case err != nil:
			return fmt.Errorf("read original %s of %s: %w", origs[i].SHA256, r.InvoiceID, err)
		default:
			it.Data = data
		}
		if it.Note != "" {
			st.Missing++
		} else {
			st.Files++
			st.Bytes += int64(len(data))
		}
		if err := aw.Add(it); err != nil {
			return err
		}
	}
	return nil
}

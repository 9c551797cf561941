package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
)

// recordingArchive keeps what it was given, as an archive writer would
// write it.
type recordingArchive struct {
	items            []ArchiveItem
	finished, closed bool
}

func (r *recordingArchive) Add(it *ArchiveItem) error {
	c := *it
	c.Data = nil // a writer must not keep the bytes
	r.items = append(r.items, c)
	return nil
}
func (r *recordingArchive) Finish() error { r.finished = true; return nil }
func (r *recordingArchive) Close() error  { r.closed = true; return nil }

// mapOriginals gives invoice i one original, "sum-i", except invoice 0.
type mapOriginals struct{ calls int }

func (m *mapOriginals) AddOriginal(context.Context, domain.Original) error { return nil }
func (m *mapOriginals) Originals(_ context.Context, ids ...domain.InvoiceID) (map[domain.InvoiceID][]domain.Original, error) {
	m.calls++
	out := map[domain.InvoiceID][]domain.Original{}
	for _, id := range ids {
		if id != "inv_0" {
			out[id] = []domain.Original{{InvoiceID: id, SHA256: "sum-" + string(id)}}
		}
	}
	return out, nil
}

// answerBlobs answers each sum from a table; unknown sums get bytes.
type answerBlobs map[string]error

func (b answerBlobs) Put(context.Context, string, []byte) error { return nil }
func (b answerBlobs) Has(context.Context, string) (bool, error) { return true, nil }
func (b answerBlobs) Open(_ context.Context, sum string) ([]byte, error) {
	if err := b[sum]; err != nil {
		return nil, err
	}
	return []byte(sum), nil
}

type titles struct{}

func (titles) ReportTitles(_ context.Context, ids []domain.ReportID) (map[domain.ReportID]string, error) {
	out := map[domain.ReportID]string{}
	for _, id := range ids {
		out[id] = "title of " + string(id)
	}
	return out, nil
}

func archiveFixture(blobs Blobs) (*Archives, *recordingArchive, *mapOriginals) {
	rows := make([]FinanceRow, 1500) // two pages
	for i := range rows {
		rows[i] = FinanceRow{InvoiceID: domain.InvoiceID(fmt.Sprintf("inv_%d", i)), ReportID: domain.ReportID(fmt.Sprintf("rpt_%d", i/4))}
	}
	fin := NewFinance(FinanceDeps{Store: &fakeFinanceStore{rows: rows}})
	rec := &recordingArchive{}
	origs := &mapOriginals{}
	return NewArchives(fin, origs, blobs, titles{}, func(io.Writer) (ArchiveWriter, error) { return rec, nil }), rec, origs
}

func TestArchiveRun(t *testing.T) {
	a, rec, origs := archiveFixture(answerBlobs{"sum-inv_1": domain.ErrNotFound, "sum-inv_2": fmt.Errorf("blob: %w", ErrBlobCorrupt)})
	f, _ := FinanceParams{From: "2026-10-01", To: "2026-10-31", Employee: "emp-li"}.Parse()
	job, err := a.OperatorPrepare(f)
	if err != nil || job.FileName != "baoxiao-archive-2026-10-01_2026-10-31.zip" {
		t.Fatalf("prepare: %v %+v", err, job)
	}
	if job.filter.Employee != "" || job.filter.DateField != ApprovedOn {
		t.Errorf("the archive filters on the period only: %+v", job.filter)
	}
	st, err := job.Run(context.Background(), io.Discard, nil)
	if err != nil || !rec.finished || !rec.closed {
		t.Fatalf("run: %v, finished %v closed %v", err, rec.finished, rec.closed)
	}
	if st != (ArchiveStats{Invoices: 1500, Files: 1497, Missing: 2, Bytes: st.Bytes}) || st.Bytes == 0 || origs.calls != 2 {
		t.Errorf("stats %+v after %d originals reads", st, origs.calls)
	}
	for i, want := range []ArchiveNote{ArchiveNoOriginal, ArchiveMissing, ArchiveCorrupt, ""} {
		if it := rec.items[i]; it.Note != want || it.ReportTitle != "title of rpt_0" || (want == ArchiveNoOriginal) != (it.Original == nil) {
			t.Errorf("item %d = %+v, want note %q", i, it, want)
		}
	}
}

// A storage that cannot answer fails the archive, which is left
// unfinished so it cannot pass for a complete one.
func TestArchiveStorageFailure(t *testing.T) {
	a, rec, _ := archiveFixture(answerBlobs{"sum-inv_1200": errors.New("connection reset")})
	f, _ := FinanceParams{From: "2026-10-01", To: "2026-10-31"}.Parse()
	job, _ := a.OperatorPrepare(f)
	if _, err := job.Run(context.Background(), io.Discard, nil); err == nil || rec.finished || !rec.closed {
		t.Fatalf("run: %v, finished %v closed %v", err, rec.finished, rec.closed)
	}
	if len(rec.items) != 1200 {
		t.Errorf("%d items written before the failure, want 1200", len(rec.items))
	}
}

func TestArchivePrepareNeedsPeriodAndRole(t *testing.T) {
	a, _, _ := archiveFixture(answerBlobs{})
	for field, p := range map[string]FinanceParams{"from": {To: "2026-10-31"}, "to": {From: "2026-10-01"}} {
		f, _ := p.Parse()
		var de *domain.Error
		if _, err := a.OperatorPrepare(f); !errors.As(err, &de) || de.Details["fields"].(map[string]string)[field] == "" {
			t.Errorf("%s missing: %v", field, err)
		}
	}
	a.fin.employees = staticEmployees{}
	f, _ := FinanceParams{From: "2026-10-01", To: "2026-10-31"}.Parse()
	if _, err := a.Prepare(context.Background(), "emp-nobody", f); !errors.Is(err, domain.ErrAuthRequired) {
		t.Errorf("unknown employee: %v", err)
	}
}

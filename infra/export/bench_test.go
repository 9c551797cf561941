package export_test

import (
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/export"
)

// benchRows are typical rows, made once so that making them is not timed.
var benchRows = func() []app.FinanceRow {
	rows := make([]app.FinanceRow, 1000)
	for i := range rows {
		r := sampleRows()[0]
		r.InvoiceID = domain.InvoiceID(fmt.Sprintf("inv_%020d", i))
		r.ID.Number = fmt.Sprintf("%08d", i)
		r.Seller.Name = fmt.Sprintf("深圳市第%d号商贸有限公司", i%2000)
		r.Amount = domain.MoneyFromCents(int64(1000 + i*37))
		r.ApprovedAt = r.ApprovedAt.Add(time.Duration(i) * time.Second)
		rows[i] = r
	}
	return rows
}()

// writeRows exports n rows to io.Discard and answers the largest live
// heap seen, measured after a collection every 20,000 rows.
func writeRows(b *testing.B, format string, n int) (peak uint64) {
	var sf app.SheetFormat
	for _, f := range export.Formats() {
		if f.Name == format {
			sf = f
		}
	}
	sheet, err := sf.New(io.Discard, app.SheetMeta{From: "2026-01-01", To: "2026-12-31"})
	if err != nil {
		b.Fatal(err)
	}
	var totals app.FinanceTotals
	var ms runtime.MemStats
	for i := range n {
		r := &benchRows[i%len(benchRows)]
		if err := sheet.WriteRow(r); err != nil {
			b.Fatal(err)
		}
		totals.Add(r)
		if i%20000 == 0 || i == n-1 {
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			b.StartTimer()
		}
	}
	if err := sheet.Close(totals); err != nil {
		b.Fatal(err)
	}
	return peak
}

// BenchmarkExport writes exports of growing length: time and allocations
// per row stay the same, and the live heap does not grow with the rows
// (DECISIONS 22). The run fails if 200,000 rows hold 4 MiB more than
// 1,000 do.
//
//	go test ./infra/export -run '^$' -bench Export -benchmem
func BenchmarkExport(b *testing.B) {
	for _, format := range []string{"csv", "xlsx"} {
		var small uint64
		for _, n := range []int{1000, 200_000} {
			b.Run(fmt.Sprintf("%s/rows=%d", format, n), func(b *testing.B) {
				var peak uint64
				for b.Loop() {
					peak = max(peak, writeRows(b, format, n))
				}
				b.ReportMetric(float64(peak)/(1<<20), "live-heap-MiB")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
				if n == 1000 {
					small = peak
				} else if small > 0 && peak > small+4<<20 {
					b.Fatalf("live heap grew from %d to %d bytes with the rows", small, peak)
				}
			})
		}
	}
}

package parse_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/baoxiao/baoxiao/infra/intake/parse"
)

// BenchmarkParse reports the parse rate per format (files/s) over the real
// samples, read in place; skipped when they are absent.
func BenchmarkParse(b *testing.B) {
	dir := samplesDir(b)
	for _, format := range []string{"xml", "ofd", "pdf", "img"} {
		b.Run(format, func(b *testing.B) {
			paths, _ := filepath.Glob(filepath.Join(dir, "einvoice", format, "*"))
			if len(paths) == 0 {
				b.Skipf("no %s samples", format)
			}
			files := make([][]byte, len(paths))
			for i, p := range paths {
				data, err := os.ReadFile(p)
				if err != nil {
					b.Fatal(err)
				}
				files[i] = data
			}
			b.ResetTimer()
			n := 0
			for b.Loop() {
				if _, err := parse.Parse("bench", files[n%len(files)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

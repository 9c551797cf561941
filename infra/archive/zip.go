// Package archive writes the accounting archive of approved reports'
// originals (issue 16, DECISIONS 42): a ZIP streamed as it is made, one
// folder per report named by its number, each original once under a safe
// file name, and index.csv and index.xlsx at the root listing every
// invoice of the period with its file, size, SHA-256 and source.
//
//	BX-2026-000123/044031900111_12345678_inv_0a1b2c.pdf   (a wallet PDF)
//	BX-2026-000123/dzfp_24442000000012345678_某公司.xml   (names holding the number stay)
//	BX-2026-000124/…
//	index.csv
//	index.xlsx
//
// Memory holds one original at a time. The index cannot be written into
// the ZIP while the originals are (a ZIP entry is written whole), so both
// index files grow in temporary files, written by the finance export's
// streaming table writers, and are copied in at the end.
package archive

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/export"
)

// chinaTime: times are shown as printed in China (DECISIONS 19).
var chinaTime = time.FixedZone("Asia/Shanghai", 8*60*60)

// Index file names at the root of the ZIP.
const (
	IndexCSV  = "index.csv"
	IndexXLSX = "index.xlsx"
)

// Columns are the index's columns, in order; README lists them.
var Columns = []export.Column{
	{Header: "报销单号", Width: 16},
	{Header: "报销单标题", Width: 20},
	{Header: "审批时间", Width: 20},
	{Header: "员工编号", Width: 12},
	{Header: "员工", Width: 10},
	{Header: "发票代码", Width: 14},
	{Header: "发票号码", Width: 22},
	{Header: "销售方名称", Width: 28},
	{Header: "价税合计", Width: 14, Money: true},
	{Header: "文件", Width: 48},
	{Header: "媒体类型", Width: 18},
	{Header: "大小（字节）", Width: 12},
	{Header: "SHA-256", Width: 66},
	{Header: "来源", Width: 12},
	{Header: "说明", Width: 30},
}

// The index's column positions, for the tests and the benchmark.
const (
	ColReport = 0
	ColFile   = 9
	ColSize   = 11
	ColSHA256 = 12
	ColNote   = 14
)

// notes are the index's words for an invoice without a file, with the
// code after them so a script can find them.
var notes = map[app.ArchiveNote]string{
	app.ArchiveNoOriginal: "无原件（no_original）",
	app.ArchiveMissing:    "原件在存储中缺失（missing）",
	app.ArchiveCorrupt:    "原件已损坏，SHA-256 不符，未放入（corrupt）",
}

// Format returns the archive format for app.NewArchives; the index's
// temporary files go to tempDir ("" is the system's).
func Format(tempDir string) app.ArchiveFormat {
	return func(w io.Writer) (app.ArchiveWriter, error) { return New(w, tempDir) }
}

// Writer writes one archive.
type Writer struct {
	out     *bufio.Writer
	zip     *zip.Writer
	tmpCSV  *os.File
	tmpXLSX *os.File
	csv     *export.CSVTable
	xlsx    *export.XLSXTable
	values  []string
	started time.Time
	folders map[domain.ReportID]*folder
	lastAt  time.Time // the approval time of the last item
}

// New starts an archive on w.
func New(w io.Writer, tempDir string) (*Writer, error) {
	a := &Writer{values: make([]string, len(Columns)), started: time.Now(), folders: map[domain.ReportID]*folder{}}
	var err error
	if a.tmpCSV, err = os.CreateTemp(tempDir, "baoxiao-index-*.csv"); err != nil {
		return nil, fmt.Errorf("archive index: %w", err)
	}
	if a.tmpXLSX, err = os.CreateTemp(tempDir, "baoxiao-index-*.xlsx"); err != nil {
		a.Close()
		return nil, fmt.Errorf("archive index: %w", err)
	}
	if a.csv, err = export.NewCSVTable(a.tmpCSV, Columns); err != nil {
		a.Close()
		return nil, err
	}
	if a.xlsx, err = export.NewXLSXTable(a.tmpXLSX, "归档索引", Columns); err != nil {
		a.Close()
		return nil, err
	}
	a.out = bufio.NewWriterSize(w, 64<<10)
	a.zip = zip.NewWriter(a.out)
	// One compressor for the whole archive: a flate writer holds about a
	// megabyte, and entries are written one after the other. Best speed:
	// the XML shrinks nearly as much, PDFs are stored as they are.
	fw, err := flate.NewWriter(nil, flate.BestSpeed)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.zip.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		fw.Reset(w)
		return fw, nil
	})
	return a, nil
}

// folderOf is the report's folder. Rows come in approval order and a
// report's invoices share its approval time, so once the time moves on no
// earlier report comes back: the names used are forgotten then, and
// memory stays bounded however many reports the archive holds.
func (a *Writer) folderOf(r *app.FinanceRow) *folder {
	if !r.ApprovedAt.Equal(a.lastAt) {
		clear(a.folders)
		a.lastAt = r.ApprovedAt
	}
	f := a.folders[r.ReportID]
	if f == nil {
		// Report numbers are unique and already safe (BX-2026-000123);
		// one that is not keeps its report id to stay unique.
		name := safeName(r.ReportNumber, string(r.ReportID))
		if name != r.ReportNumber {
			name = safeName(name+"_"+string(r.ReportID), string(r.ReportID))
		}
		f = &folder{name: name, used: map[string]bool{}}
		a.folders[r.ReportID] = f
	}
	return f
}

// fileName is an original's name in its folder: the stored name made
// safe, led by the invoice's code and number unless it holds the number
// already, so a folder reads as a list of invoices.
func fileName(it *app.ArchiveItem) string {
	r := it.Row
	id := strings.Trim(r.ID.Code+"_"+r.ID.Number, "_")
	if id == "" {
		id = string(r.InvoiceID)
	}
	name := safeName(it.Original.Name, "original")
	if r.ID.Number == "" || !strings.Contains(name, r.ID.Number) {
		name = safeName(id+"_"+name, id)
	}
	return withExt(name, it.Original.MediaType)
}

// Add writes an original into its report's folder, and its index row.
func (a *Writer) Add(it *app.ArchiveItem) error {
	entry := ""
	if it.Original != nil && it.Note == "" {
		f := a.folderOf(it.Row)
		entry = f.name + "/" + f.unique(fileName(it))
		if err := a.writeEntry(entry, it.Original, it.Data); err != nil {
			return err
		}
	}
	return a.indexRow(it, entry)
}

func (a *Writer) writeEntry(name string, o *domain.Original, data []byte) error {
	method := zip.Store // PDF and OFD are compressed already
	if compressible(o.MediaType, name) {
		method = zip.Deflate
	}
	modified := o.CreatedAt
	if modified.IsZero() {
		modified = a.started
	}
	w, err := a.zip.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: modified.In(chinaTime)})
	if err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	return nil
}

// compressible is text, which deflate shrinks (XML invoices by 80 %).
func compressible(mediaType, name string) bool {
	return strings.Contains(mediaType, "xml") || strings.HasPrefix(mediaType, "text/") ||
		strings.HasSuffix(strings.ToLower(name), ".xml")
}

func (a *Writer) indexRow(it *app.ArchiveItem, entry string) error {
	r := it.Row
	v := a.values
	clear(v)
	v[0], v[1], v[3], v[4] = r.ReportNumber, it.ReportTitle, string(r.Employee.ID), r.Employee.Name
	if !r.ApprovedAt.IsZero() {
		v[2] = r.ApprovedAt.In(chinaTime).Format(time.DateTime)
	}
	v[5], v[6], v[7], v[8] = r.ID.Code, r.ID.Number, r.Seller.Name, r.Amount.String()
	v[ColFile] = entry
	if o := it.Original; o != nil {
		v[10], v[ColSize], v[ColSHA256], v[13] = o.MediaType, strconv.FormatInt(o.Size, 10), o.SHA256, string(o.Source)
	}
	if it.Note != "" {
		v[ColNote] = notes[it.Note]
	}
	if err := a.csv.Row(v); err != nil {
		return fmt.Errorf("archive index: %w", err)
	}
	if err := a.xlsx.Row(v); err != nil {
		return fmt.Errorf("archive index: %w", err)
	}
	return nil
}

// Finish completes both index files, copies them into the ZIP and writes
// its directory.
func (a *Writer) Finish() error {
	if err := a.csv.Close(nil); err != nil {
		return fmt.Errorf("archive index: %w", err)
	}
	if err := a.xlsx.Close(nil); err != nil {
		return fmt.Errorf("archive index: %w", err)
	}
	for _, f := range []struct {
		name   string
		file   *os.File
		method uint16
	}{{IndexCSV, a.tmpCSV, zip.Deflate}, {IndexXLSX, a.tmpXLSX, zip.Store}} { // an XLSX is a ZIP already
		if _, err := f.file.Seek(0, io.SeekStart); err != nil {
			return err
		}
		w, err := a.zip.CreateHeader(&zip.FileHeader{Name: f.name, Method: f.method, Modified: a.started.In(chinaTime)})
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, f.file); err != nil {
			return fmt.Errorf("archive %s: %w", f.name, err)
		}
	}
	if err := a.zip.Close(); err != nil {
		return err
	}
	return a.out.Flush()
}

// Close removes the temporary index files.
func (a *Writer) Close() error {
	for _, f := range []*os.File{a.tmpCSV, a.tmpXLSX} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
	return nil
}

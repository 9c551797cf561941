package service_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/archive"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// openedArchive is an archive ZIP read back: its originals by entry name
// and both index files' rows, header first.
type openedArchive struct {
	files     map[string][]byte
	names     []string // in ZIP order
	csv, xlsx [][]string
}

func openArchive(t *testing.T, body []byte) openedArchive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the archive is no ZIP: %v", err)
	}
	a := openedArchive{files: map[string][]byte{}}
	var csvData, xlsxData []byte
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc) // checks the entry's CRC-32 too
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		a.names = append(a.names, f.Name)
		switch f.Name {
		case archive.IndexCSV:
			csvData = data
		case archive.IndexXLSX:
			xlsxData = data
		default:
			a.files[f.Name] = data
		}
	}
	if csvData == nil || xlsxData == nil {
		t.Fatalf("index files missing: %v", a.names)
	}
	if a.csv, err = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvData, []byte("\uFEFF")))).ReadAll(); err != nil {
		t.Fatalf("index.csv: %v", err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(xlsxData))
	if err != nil {
		t.Fatalf("index.xlsx: %v", err)
	}
	defer x.Close()
	if a.xlsx, err = x.GetRows(x.GetSheetName(0)); err != nil {
		t.Fatal(err)
	}
	for i := range a.xlsx { // GetRows leaves trailing empty cells out
		a.xlsx[i] = append(a.xlsx[i], make([]string, len(archive.Columns)-len(a.xlsx[i]))...)
	}
	if !slices.EqualFunc(a.csv, a.xlsx, slices.Equal) {
		t.Fatalf("index.csv and index.xlsx disagree:\n%v\n%v", a.csv, a.xlsx)
	}
	return a
}

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// blobTamper removes or overwrites stored bytes behind the driver's back.
type blobTamper struct {
	remove, overwrite func(t *testing.T, sum string)
}

func TestArchiveExport(t *testing.T) {
	for _, driver := range []string{"dir", "s3"} {
		t.Run(driver, func(t *testing.T) { testArchiveExport(t, driver) })
	}
}

func testArchiveExport(t *testing.T, driver string) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		// The index grows in temporary files: none may be left behind.
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		var a *testkit.AppServer
		var tamper blobTamper
		switch driver {
		case "dir":
			a = testkit.App(t, db, testkit.WithoutWorker())
			path := func(sum string) string { return filepath.Join(a.Cfg.Storage.Dir, sum[:2], sum) }
			tamper = blobTamper{
				remove:    func(t *testing.T, sum string) { must(t, os.Remove(path(sum))) },
				overwrite: func(t *testing.T, sum string) { must(t, os.WriteFile(path(sum), []byte("<x>tampered</x>"), 0o600)) },
			}
		case "s3":
			fake := testkit.S3(t)
			a = testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv(fake.Env()...))
			key := func(sum string) string { return fake.Config.Prefix + sum[:2] + "/" + sum }
			tamper = blobTamper{
				remove: func(t *testing.T, sum string) {
					_, err := fake.Backend.DeleteObject(fake.Config.Bucket, key(sum))
					must(t, err)
				},
				overwrite: func(t *testing.T, sum string) {
					b := []byte("<x>tampered</x>")
					_, err := fake.Backend.PutObject(fake.Config.Bucket, key(sum), map[string]string{}, bytes.NewReader(b), int64(len(b)), nil)
					must(t, err)
				},
			}
		}
		li, wang, mgr, fin := a.Login(t, "emp-li"), a.Login(t, "emp-wang"), a.Login(t, "mgr-zhao"), a.Login(t, "fin-chen")
		invs := importN(t, a, li, 3)
		a1, a2, b1 := invs[0], invs[1], invs[2]
		save := func(inv map[string]any, name, mediaType, content string) string {
			t.Helper()
			o, err := a.Svc.Originals.Save(context.Background(), domain.InvoiceID(inv["id"].(string)), name, mediaType, domain.SourceUpload, []byte(content))
			must(t, err)
			return o.SHA256
		}
		// a1: two files stored under one name, and a name that is a path.
		save(a1, "invoice.pdf", "application/pdf", "%PDF-1.7 first")
		save(a1, "invoice.pdf", "application/pdf", "%PDF-1.7 second")
		xmlSum := save(a1, "../../etc/passwd", "application/xml", "<EInvoice>a1</EInvoice>")
		// a2: one good file, one the storage lost, one damaged; b1: none.
		save(a2, "a2.pdf", "application/pdf", "%PDF-1.7 a2")
		tamper.remove(t, save(a2, "a2.ofd", "application/ofd", "PK ofd a2"))
		tamper.overwrite(t, save(a2, "a2.xml", "application/xml", "<EInvoice>a2</EInvoice>"))
		repA := createReport(t, li, []map[string]any{a1, a2})
		repB := createReport(t, li, []map[string]any{b1})
		for _, r := range []map[string]any{repA, repB} {
			act(t, li, r, "submit", nil, http.StatusOK)
			act(t, mgr, r, "approve", nil, http.StatusOK)
		}
		// A submitted report's originals stay out.
		c1 := importN(t, a, wang, 1)[0]
		save(c1, "c1.pdf", "application/pdf", "%PDF-1.7 c1")
		act(t, wang, createReport(t, wang, []map[string]any{c1}), "submit", nil, http.StatusOK)

		// Pages open originals in a tab on our origin: an XML one is
		// served sandboxed, so an XHTML payload cannot run there.
		if res := li.Do(http.MethodGet, "/api/v1/invoices/"+a1["id"].(string)+"/originals/"+xmlSum, nil); res.Status != http.StatusOK ||
			!strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("XML original: %d, CSP %q", res.Status, res.Header.Get("Content-Security-Policy"))
		}

		// A month of approval dates, ending today in China.
		from, today := days(30)
		yesterday, _ := days(1)
		res := fin.Do(http.MethodGet, "/api/v1/finance/archive?"+query("from", from, "to", today), nil)
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
			res.Header.Get("Content-Disposition") != `attachment; filename="baoxiao-archive-`+from+"_"+today+`.zip"` {
			t.Fatalf("archive: %d %v %.200s", res.Status, res.Header, res.Body)
		}
		got := openArchive(t, res.Body)
		numA, numB := repA["number"].(string), repB["number"].(string)

		// One folder per report; names are single safe segments.
		for name := range got.files {
			folder, file, ok := strings.Cut(name, "/")
			if !ok || strings.Contains(file, "/") || (folder != numA && folder != numB) ||
				strings.Contains(name, "..") || strings.ContainsAny(name, `\:`) {
				t.Errorf("entry %q is not <report number>/<file>", name)
			}
		}
		if len(got.files) != 4 || got.names[len(got.names)-2] != archive.IndexCSV || got.names[len(got.names)-1] != archive.IndexXLSX {
			t.Fatalf("entries %v, want 4 originals then the index", got.names)
		}
		// Every invoice of the period is listed: a1 thrice, a2 thrice, b1
		// once; every file's SHA-256 and size match its row.
		rows := got.csv[1:]
		if len(rows) != 7 {
			t.Fatalf("index rows %v", rows)
		}
		listed := map[string]bool{}
		notes := map[string]int{}
		for _, r := range rows {
			if r[archive.ColReport] != numA && r[archive.ColReport] != numB {
				t.Errorf("row of report %q", r[archive.ColReport])
			}
			if r[archive.ColNote] != "" {
				notes[r[archive.ColNote]]++
				if r[archive.ColFile] != "" {
					t.Errorf("a row with a note names a file: %v", r)
				}
				continue
			}
			data, ok := got.files[r[archive.ColFile]]
			if !ok || hexSum(data) != r[archive.ColSHA256] || r[archive.ColSize] != strconv.Itoa(len(data)) {
				t.Errorf("row %v: file in the ZIP %v, hash %s", r, ok, hexSum(data))
			}
			listed[r[archive.ColFile]] = true
		}
		if len(listed) != len(got.files) {
			t.Errorf("files %v, listed %v", got.names, listed)
		}
		for code, n := range map[string]int{"no_original": 1, "missing": 1, "corrupt": 1} {
			found := 0
			for note, k := range notes {
				if strings.Contains(note, code) {
					found += k
				}
			}
			if found != n {
				t.Errorf("%d rows noted %s, want %d: %v", found, code, n, notes)
			}
		}
		// Clashing names are told apart; a path keeps its last segment.
		id1 := "044031900111_" + a1["invoice_number"].(string)
		for _, want := range []string{numA + "/" + id1 + "_invoice.pdf", numA + "/" + id1 + "_invoice (2).pdf", numA + "/" + id1 + "_passwd.xml"} {
			if _, ok := got.files[want]; !ok {
				t.Errorf("no %q in %v", want, got.names)
			}
		}
		if got.csv[0][0] != "报销单号" || rows[0][1] != "十月差旅" {
			t.Errorf("header %v, first row %v", got.csv[0], rows[0])
		}

		// An empty period: a valid ZIP of just the index.
		empty := fin.Do(http.MethodGet, "/api/v1/finance/archive?"+query("from", "2025-01-01", "to", "2025-01-31"), nil)
		if e := openArchive(t, empty.Body); empty.Status != http.StatusOK || len(e.names) != 2 || len(e.csv) != 1 {
			t.Errorf("empty period: %d %v %v", empty.Status, e.names, e.csv)
		}

		// Bad periods are request.invalid naming the field.
		for q, field := range map[string]string{
			query("from", today, "to", yesterday): "to", query("from", "2026-13-01", "to", today): "from",
			query("from", "yesterday", "to", today): "from", query("to", today): "from", query("from", today): "to",
		} {
			res := fin.Do(http.MethodGet, "/api/v1/finance/archive?"+q, nil)
			fields, _ := res.JSON["error"].(map[string]any)["details"].(map[string]any)["fields"].(map[string]any)
			if res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" || fields[field] == nil {
				t.Errorf("%s: %d %s", q, res.Status, res.Body)
			}
		}
		// Only finance and administrators.
		for _, c := range []*testkit.Client{li, mgr} {
			if res := c.Do(http.MethodGet, "/api/v1/finance/archive?"+query("from", today, "to", today), nil); res.Status != http.StatusForbidden || res.ErrorCode() != "auth.forbidden" {
				t.Errorf("non-finance: %d %s", res.Status, res.Body)
			}
		}
		if res := a.Client(t).Do(http.MethodGet, "/api/v1/finance/archive?"+query("from", today, "to", today), nil); res.Status != http.StatusUnauthorized {
			t.Errorf("signed out: %d", res.Status)
		}
		if admin := a.Login(t, "admin").Do(http.MethodGet, "/api/v1/finance/archive?"+query("from", today, "to", today), nil); admin.Status != http.StatusOK {
			t.Errorf("admin: %d", admin.Status)
		}

		// The command line writes the same archive.
		out := filepath.Join(t.TempDir(), "oct.zip")
		if msg, err := runCLI(t, a, db, "archive", "--from", from, "--to", today, "--out", out); err != nil ||
			!strings.Contains(msg, "2 originals missing or corrupt") {
			t.Fatalf("baoxiao archive: %v %q", err, msg)
		}
		body, err := os.ReadFile(out)
		must(t, err)
		cli := openArchive(t, body)
		if !slices.Equal(cli.names, got.names) || !slices.EqualFunc(cli.csv, got.csv, slices.Equal) {
			t.Errorf("CLI archive differs:\n%v\n%v", cli.names, got.names)
		}
		bad := filepath.Join(t.TempDir(), "bad.zip")
		if _, err := runCLI(t, a, db, "archive", "--from", today, "--to", yesterday, "--out", bad); err == nil || !strings.Contains(err.Error(), "to") {
			t.Errorf("CLI with to before from: %v", err)
		}
		if _, err := os.Stat(bad); err == nil {
			t.Error("a refused archive wrote a file")
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

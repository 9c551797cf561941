// Command archive benchmarks the archive export of originals (issue 16):
// time and peak RSS of writing the ZIP of a month's approved reports, on
// SQLite and the dir storage driver, with n originals.
//
//	go run ./bench/archive               # 10,000 originals
//	go run ./bench/archive -n 50000 -keep
//
// It seeds employees, n invoices in reports of four, all approved in one
// month, and one original each: 70 % PDF-like files of 20–60 KiB (random
// bytes, stored as they are) and 30 % XML files of 4–12 KiB (deflated).
// Then, each in a child process so its peak RSS is its own: "read" opens
// every original in turn and discards it (the floor: the storage and the
// database alone), and "archive" writes the ZIP to a file by the same code
// as GET /api/v1/finance/archive. Last it opens the ZIP and checks every
// file against both index files' SHA-256, so a fast wrong archive fails.
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/archive"
	"github.com/baoxiao/baoxiao/infra/storage"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

var (
	flagN     = flag.Int("n", 10_000, "originals (one per invoice)")
	flagDir   = flag.String("dir", "", "work directory (default: a new temporary one, removed at the end)")
	flagKeep  = flag.Bool("keep", false, "keep the work directory")
	flagPhase = flag.String("phase", "", "internal: run one phase (read, archive) in this process")
)

const perReport = 4

// month is the period archived: every report is approved in it.
var month = time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

func main() {
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()
	if *flagPhase != "" {
		if err := phase(ctx, *flagDir, *flagPhase); err != nil {
			log.Fatal(err)
		}
		return
	}
	dir := *flagDir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "bench-archive-*"); err != nil {
			log.Fatal(err)
		}
	}
	if !*flagKeep {
		defer os.RemoveAll(dir)
	}
	began := time.Now()
	bytesIn, err := seed(ctx, dir, *flagN)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("seeded %d originals (%.1f MiB) in %s; %s %s/%s, %d CPUs", *flagN, mib(bytesIn),
		time.Since(began).Round(time.Second), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())

	fmt.Printf("\narchive export of %d originals in %d reports (each phase in its own process)\n", *flagN, (*flagN+perReport-1)/perReport)
	fmt.Printf("%-8s %9s %9s %12s %12s %10s %12s\n", "phase", "seconds", "CPU s", "MiB read", "MiB written", "MiB/s", "peak RSS MiB")
	for _, ph := range []string{"read", "archive"} {
		secs, cpu, rss, err := child(dir, ph)
		if err != nil {
			log.Fatalf("%s: %v", ph, err)
		}
		out := 0.0
		if ph == "archive" {
			st, _ := os.Stat(filepath.Join(dir, "archive.zip"))
			out = mib(st.Size())
		}
		fmt.Printf("%-8s %9.2f %9.2f %12.1f %12.1f %10.1f %12.1f\n", ph, secs, cpu, mib(bytesIn), out, mib(bytesIn)/secs, rss)
	}
	files, err := verify(filepath.Join(dir, "archive.zip"))
	if err != nil {
		log.Fatalf("verify: %v", err)
	}
	fmt.Printf("verified: the ZIP opens, %d files, each one's SHA-256 matches index.csv and index.xlsx's row\n", files)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// child runs one phase in a child process and answers its wall time, its
// CPU time (user + system: steadier than the wall time on a busy machine)
// and its peak RSS.
func child(dir, ph string) (wall, cpu, rssMiB float64, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	cmd := exec.Command(self, "-dir", dir, "-phase", ph)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	began := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, 0, err
	}
	wall = time.Since(began).Seconds()
	cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	return wall, cpu, float64(rss) / 1024, nil
}

func open(ctx context.Context, dir string) (*bun.DB, *storage.Dir, error) {
	db, err := store.Open(ctx, "sqlite", filepath.Join(dir, "bench.db"), 4)
	if err != nil {
		return nil, nil, err
	}
	blobs, err := storage.NewDir(filepath.Join(dir, "originals"))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, blobs, nil
}

// seed stores the employees, invoices, approved reports and originals,
// and answers the originals' total size.
func seed(ctx context.Context, dir string, n int) (int64, error) {
	db, blobs, err := open(ctx, dir)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	m, err := store.NewMigrator(db)
	if err != nil {
		return 0, err
	}
	if _, err := m.Up(ctx); err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
		return 0, err
	}
	st := store.New(db)
	now := month.UTC()
	mgr, err := addEmployee(ctx, st, "mgr-00", "", domain.RoleApprover)
	if err != nil {
		return 0, err
	}
	var emps []*domain.Employee
	for i := range 20 {
		e, err := addEmployee(ctx, st, domain.EmployeeID(fmt.Sprintf("emp-%02d", i)), mgr.ID())
		if err != nil {
			return 0, err
		}
		emps = append(emps, e)
	}
	origs := store.NewOriginals(db)
	rng := rand.New(rand.NewPCG(1, 2))
	var total int64
	var batch []*domain.Invoice
	for i := range n {
		owner := emps[(i/perReport)%len(emps)]
		inv, err := domain.NewInvoice(domain.NewInvoiceID(now), owner.ID(), testkit.Facts("o-"+string(owner.ID()), i), domain.StatusInit, nil, now)
		if err != nil {
			return 0, err
		}
		if err := st.Invoices.Add(ctx, inv); err != nil {
			return 0, err
		}
		o, data := original(rng, inv, i)
		if err := blobs.Put(ctx, o.SHA256, data); err != nil {
			return 0, err
		}
		if err := origs.AddOriginal(ctx, o); err != nil {
			return 0, err
		}
		total += o.Size
		if batch = append(batch, inv); len(batch) == perReport || i == n-1 {
			if err := approvedReport(ctx, db, st, owner, mgr.ID(), batch, i); err != nil {
				return 0, err
			}
			batch = nil
		}
	}
	return total, nil
}

func addEmployee(ctx context.Context, st *store.Store, id, manager domain.EmployeeID, roles ...domain.Role) (*domain.Employee, error) {
	e, err := domain.NewEmployee(domain.EmployeeData{
		ID: id, Name: "员工 " + string(id), ManagerID: manager, Roles: roles,
		Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: "wxsandbox", OpenID: "o-" + string(id)}},
	}, month.UTC())
	if err != nil {
		return nil, err
	}
	return e, st.Employees.Add(ctx, e)
}

// original makes invoice i's original: a PDF-like file of random bytes or
// an XML one.
func original(rng *rand.Rand, inv *domain.Invoice, i int) (domain.Original, []byte) {
	var data []byte
	o := domain.Original{InvoiceID: inv.ID(), Source: domain.SourceUpload, CreatedAt: month.UTC()}
	if rng.IntN(10) < 7 {
		data = make([]byte, 20<<10+rng.IntN(40<<10))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		copy(data, "%PDF-1.7\n")
		o.Name, o.MediaType = fmt.Sprintf("dzfp_%08d.pdf", i), "application/pdf"
	} else {
		var b bytes.Buffer
		fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EInvoice><InvoiceNumber>%08d</InvoiceNumber>", i)
		for size := 4<<10 + rng.IntN(8<<10); b.Len() < size; {
			fmt.Fprintf(&b, "<IssuItemInformation><ItemName>*餐饮服务*餐费%d</ItemName><TotaltaxIncludedAmount>%d.%02d</TotaltaxIncludedAmount></IssuItemInformation>", rng.IntN(100), rng.IntN(1000), rng.IntN(100))
		}
		b.WriteString("</EInvoice>")
		data = b.Bytes()
		o.Name, o.MediaType = fmt.Sprintf("%08d.xml", i), "application/xml"
	}
	sum := sha256.Sum256(data)
	o.SHA256, o.Size = hex.EncodeToString(sum[:]), int64(len(data))
	return o, data
}

// approvedReport stores a report of the invoices and marks it approved
// at a time in the month, as an approval leaves it for finance (the report
// and its invoices' copied columns).
func approvedReport(ctx context.Context, db *bun.DB, st *store.Store, owner *domain.Employee, approver domain.EmployeeID, invs []*domain.Invoice, i int) error {
	r, err := st.Reports.Create(ctx, month.Year(), func(number string) (*domain.Report, error) {
		return domain.NewReport(domain.NewReportID(month.UTC()), number, "十月差旅", owner, invs, month.UTC())
	})
	if err != nil {
		return err
	}
	at := month.UTC().Add(time.Duration(i) * 2 * time.Minute)
	if _, err := db.NewUpdate().Table("reports").Set("status = ?", string(domain.ReportApproved)).
		Set("approver_id = ?", string(approver)).Set("decided_at = ?", at).Where("id = ?", string(r.ID())).Exec(ctx); err != nil {
		return err
	}
	_, err = db.NewUpdate().Table("invoices").Set("report_status = ?", string(domain.ReportApproved)).
		Set("approved_at = ?", at).Where("id IN (SELECT invoice_id FROM report_invoices WHERE report_id = ?)", string(r.ID())).Exec(ctx)
	return err
}

// phase runs "read" or "archive" in this process.
func phase(ctx context.Context, dir, ph string) error {
	db, blobs, err := open(ctx, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if ph == "read" {
		var sums []string
		if err := db.NewSelect().Table("invoice_originals").Column("sha256").Scan(ctx, &sums); err != nil {
			return err
		}
		for _, s := range sums {
			data, err := blobs.Open(ctx, s)
			if err != nil {
				return err
			}
			if _, err := io.Discard.Write(data); err != nil {
				return err
			}
		}
		return nil
	}
	fin := app.NewFinance(app.FinanceDeps{Store: store.NewFinance(db)})
	defer fin.Close()
	archives := app.NewArchives(fin, store.NewOriginals(db), blobs, store.NewFinance(db), archive.Format(dir))
	f, err := app.FinanceParams{From: month.Format(time.DateOnly), To: month.AddDate(0, 1, -1).Format(time.DateOnly)}.Parse()
	if err != nil {
		return err
	}
	job, err := archives.OperatorPrepare(f)
	if err != nil {
		return err
	}
	out, err := os.Create(filepath.Join(dir, "archive.zip"))
	if err != nil {
		return err
	}
	defer out.Close()
	st, err := job.Run(ctx, out, nil)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(st)
	log.Printf("archive: %s", b)
	return out.Close()
}

// verify opens the ZIP and checks each file against its index row.
func verify(path string) (int, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return 0, err
	}
	defer zr.Close()
	sums := map[string]string{}
	var csvIndex, xlsxIndex []byte
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return 0, err
		}
		h := sha256.New()
		var w io.Writer = h
		var buf bytes.Buffer
		if f.Name == archive.IndexCSV || f.Name == archive.IndexXLSX {
			w = &buf
		}
		if _, err := io.Copy(w, rc); err != nil { // checks the CRC-32 too
			return 0, fmt.Errorf("%s: %w", f.Name, err)
		}
		rc.Close()
		switch f.Name {
		case archive.IndexCSV:
			csvIndex = buf.Bytes()
		case archive.IndexXLSX:
			xlsxIndex = buf.Bytes()
		default:
			sums[f.Name] = hex.EncodeToString(h.Sum(nil))
		}
	}
	csvRows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvIndex, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		return 0, fmt.Errorf("index.csv: %w", err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(xlsxIndex))
	if err != nil {
		return 0, fmt.Errorf("index.xlsx: %w", err)
	}
	defer x.Close()
	xlsxRows, err := x.GetRows(x.GetSheetName(0))
	if err != nil {
		return 0, fmt.Errorf("index.xlsx: %w", err)
	}
	for name, rows := range map[string][][]string{archive.IndexCSV: csvRows, archive.IndexXLSX: xlsxRows} {
		if len(rows)-1 != len(sums) {
			return 0, fmt.Errorf("%s lists %d rows, the ZIP holds %d files", name, len(rows)-1, len(sums))
		}
		for _, r := range rows[1:] {
			if sums[r[archive.ColFile]] != r[archive.ColSHA256] {
				return 0, fmt.Errorf("%s: %s: SHA-256 %s, the index says %s", name, r[archive.ColFile], sums[r[archive.ColFile]], r[archive.ColSHA256])
			}
		}
	}
	return len(sums), nil
}

package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/uptrace/bun"
	"golang.org/x/term"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/service"
)

const exportUsage = `usage: baoxiao export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|xlsx] [--out FILE|-]
       [--employee ID] [--seller-tax-number N] [--wechat-status S] [--min-amount X] [--max-amount X] [--q TEXT]`

// financeFlags are the search filters both export and reconcile take.
func financeFlags(fs *flag.FlagSet, p *app.FinanceParams) {
	fs.StringVar(&p.From, "from", "", "first date, YYYY-MM-DD (Asia/Shanghai)")
	fs.StringVar(&p.To, "to", "", "last date, YYYY-MM-DD, inclusive")
	fs.StringVar(&p.Employee, "employee", "", "only this employee id")
	fs.StringVar(&p.SellerTaxNumber, "seller-tax-number", "", "only this seller tax number")
	fs.StringVar(&p.WeChatStatus, "wechat-status", "", "only these WeChat statuses, comma-separated")
	fs.StringVar(&p.MinAmount, "min-amount", "", "smallest amount, yuan")
	fs.StringVar(&p.MaxAmount, "max-amount", "", "largest amount, yuan")
	fs.StringVar(&p.Q, "q", "", "prefix of invoice number, seller name or tax number, employee name")
}

// exportOptions are export's flags.
type exportOptions struct {
	p           app.FinanceParams
	format, out string
}

func (o *exportOptions) declare(fs *flag.FlagSet) {
	financeFlags(fs, &o.p)
	fs.StringVar(&o.format, "format", "csv", "csv or xlsx")
	fs.StringVar(&o.out, "out", "", `output file (default: the dated file name in the current directory; "-" is stdout)`)
}

// runExport is `baoxiao export`: the approved invoices of a date range
// (by approval date) as CSV or XLSX, written by the same code as GET
// /api/v1/finance/export. A progress bar shows on a terminal; otherwise
// the command is quiet. The file appears only once complete.
func runExport(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, withProg(exportUsage)); fs.PrintDefaults() }
	var o exportOptions
	o.declare(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected %q\n%s", fs.Arg(0), withProg(exportUsage))
	}
	f, err := o.p.Parse()
	if err != nil {
		return err
	}

	fin, closeFin, err := openFinance(ctx, env)
	if err != nil {
		return err
	}
	defer closeFin()
	job, err := fin.OperatorExport(f, o.format)
	if err != nil {
		return err
	}
	var totals app.FinanceTotals
	path, shown, err := writeOut(ctx, env, "export", o.out, job.FileName, job.Count, func(w io.Writer, progress func(int64)) error {
		var nb *dropBOM
		if o.out == "-" {
			// The BOM is for spreadsheets opening a file; on stdout it goes
			// to a program (iconv -t gbk refuses U+FEFF), so it is dropped.
			nb = &dropBOM{w: w}
			w = nb
		}
		var err error
		totals, err = job.Run(ctx, w, progress)
		if err == nil && nb != nil {
			err = nb.flush()
		}
		return err
	})
	if err != nil {
		return err
	}
	if shown {
		fmt.Fprintf(env.Stderr, "%d invoices, amount %s (tax %s) → %s\n", totals.Count, totals.Amount, totals.Tax, path)
	}
	return nil
}

// writeOut writes a command's file: to stdout for "-", else through a
// temporary file to out (default: name), with a progress bar on a terminal
// (count is asked only then). It answers the path and whether the bar
// showed.
func writeOut(ctx context.Context, env Env, what, out, name string, count func(context.Context) (int64, error),
	run func(w io.Writer, progress func(int64)) error) (path string, shown bool, err error) {
	path = out
	if path == "" {
		path = name
	}
	bar := newBar(ctx, env.Stderr, what, func() (int64, error) { return count(ctx) })
	write := func(w io.Writer) error { return run(w, bar.set) }
	if path == "-" {
		err = write(env.Stdout)
	} else {
		err = writeFileAtomically(path, write)
	}
	bar.finish()
	return path, bar.visible(), err
}

// writeFileAtomically writes through a temporary file in the same
// directory and renames it into place on success only, so a failed export
// leaves no file that looks complete.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, nothing to remove
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// bar is a progress bar on a terminal and nothing elsewhere.
type bar struct{ pb *progressbar.ProgressBar }

// newBar shows a bar on w when w is a terminal; total is asked only then.
func newBar(ctx context.Context, w io.Writer, what string, total func() (int64, error)) *bar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &bar{}
	}
	n, err := total()
	if err != nil || ctx.Err() != nil {
		n = -1 // unknown: a spinner
	}
	return &bar{pb: progressbar.NewOptions64(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("invoices"),
		progressbar.OptionShowIts(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)}
}

func (b *bar) visible() bool { return b.pb != nil }

func (b *bar) set(n int64) {
	if b.pb != nil {
		if b.pb.GetMax64() >= 0 && n > b.pb.GetMax64() {
			b.pb.ChangeMax64(n) // approvals arrived meanwhile
		}
		_ = b.pb.Set64(n)
	}
}

func (b *bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}

// openFinance opens the database, applies pending migrations and builds the
// finance service, for the export and reconcile commands. close releases
// both.
func openFinance(ctx context.Context, env Env) (*app.Finance, func(), error) {
	db, err := openMigrated(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	fin, closeFin, err := service.Finance(ctx, env.Cfg, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return fin, func() { closeFin(); db.Close() }, nil
}

// openMigrated opens the database and applies pending migrations.
func openMigrated(ctx context.Context, env Env) (*bun.DB, error) {
	db, m, err := OpenDB(ctx, env.Cfg)
	if err != nil {
		return nil, err
	}
	if _, err := m.Up(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return db, nil
}

// dropBOM passes a stream through without its leading UTF-8 byte-order
// mark, if it has one.
type dropBOM struct {
	w    io.Writer
	head []byte // the first bytes, while they may still be a BOM
	done bool
}

const utf8BOM = "\uFEFF"

func (d *dropBOM) Write(p []byte) (int, error) {
	if d.done {
		return d.w.Write(p)
	}
	n := min(len(utf8BOM)-len(d.head), len(p))
	d.head = append(d.head, p[:n]...)
	switch {
	case !strings.HasPrefix(utf8BOM, string(d.head)):
		d.done = true
		if _, err := d.w.Write(d.head); err != nil {
			return 0, err
		}
	case len(d.head) == len(utf8BOM):
		d.done = true // the BOM: dropped
	default:
		return len(p), nil // too short to tell yet
	}
	if _, err := d.w.Write(p[n:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// flush writes what was held back of a stream shorter than a BOM.
func (d *dropBOM) flush() error {
	if d.done || len(d.head) == 0 {
		return nil
	}
	d.done = true
	_, err := d.w.Write(d.head)
	return err
}

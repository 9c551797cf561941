package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/service"
)

const archiveUsage = `usage: baoxiao archive --from YYYY-MM-DD --to YYYY-MM-DD [--out FILE|-]`

// runArchive is `baoxiao archive`: the originals of the reports approved
// in a period, one folder per report, with index.csv and index.xlsx, as
// GET /api/v1/finance/archive writes them. The file appears only once
// complete; a progress bar shows on a terminal.
func runArchive(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("archive", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, archiveUsage); fs.PrintDefaults() }
	var p app.FinanceParams
	fs.StringVar(&p.From, "from", "", "first approval date, YYYY-MM-DD (Asia/Shanghai)")
	fs.StringVar(&p.To, "to", "", "last approval date, YYYY-MM-DD, inclusive")
	out := fs.String("out", "", `output file (default: the dated file name in the current directory; "-" is stdout)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("archive: unexpected %q\n%s", fs.Arg(0), archiveUsage)
	}
	f, err := p.Parse()
	if err != nil {
		return err
	}
	db, m, err := OpenDB(ctx, env.Cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	archives, closeArchives, err := service.Archives(env.Cfg, db)
	if err != nil {
		return err
	}
	defer closeArchives()
	job, err := archives.OperatorPrepare(f)
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = job.FileName
	}

	bar := newBar(ctx, env.Stderr, "archive", func() (int64, error) { return job.Count(ctx) })
	var st app.ArchiveStats
	write := func(w io.Writer) error {
		st, err = job.Run(ctx, w, func(n int64) { bar.set(n) })
		return err
	}
	if path == "-" {
		err = write(env.Stdout)
	} else {
		err = writeFileAtomically(path, write)
	}
	bar.finish()
	if err != nil {
		return err
	}
	if st.Missing > 0 {
		// Said even off a terminal: the archive is short of files.
		fmt.Fprintf(env.Stderr, "archive: %d originals missing or corrupt, listed in the index with a note\n", st.Missing)
	}
	if bar.visible() {
		fmt.Fprintf(env.Stderr, "%d invoices, %d files, %d bytes → %s\n", st.Invoices, st.Files, st.Bytes, path)
	}
	return nil
}

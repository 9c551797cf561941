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

// archiveOptions are archive's flags.
type archiveOptions struct {
	p   app.FinanceParams
	out string
}

func (o *archiveOptions) declare(fs *flag.FlagSet) {
	fs.StringVar(&o.p.From, "from", "", "first approval date, YYYY-MM-DD (Asia/Shanghai)")
	fs.StringVar(&o.p.To, "to", "", "last approval date, YYYY-MM-DD, inclusive")
	fs.StringVar(&o.out, "out", "", `output file (default: the dated file name in the current directory; "-" is stdout)`)
}

// runArchive is `baoxiao archive`: the originals of the reports approved
// in a period, one folder per report, with index.csv and index.xlsx, as
// GET /api/v1/finance/archive writes them. The file appears only once
// complete; a progress bar shows on a terminal.
func runArchive(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("archive", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, withProg(archiveUsage)); fs.PrintDefaults() }
	var o archiveOptions
	o.declare(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("archive: unexpected %q\n%s", fs.Arg(0), withProg(archiveUsage))
	}
	f, err := o.p.Parse()
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	archives, closeArchives, err := service.Archives(env.Cfg, db)
	if err != nil {
		return err
	}
	defer closeArchives()
	job, err := archives.OperatorPrepare(f)
	if err != nil {
		return err
	}
	var st app.ArchiveStats
	path, shown, err := writeOut(ctx, env, "archive", o.out, job.FileName, job.Count, func(w io.Writer, progress func(int64)) error {
		var err error
		st, err = job.Run(ctx, w, progress)
		return err
	})
	if err != nil {
		return err
	}
	if st.Missing > 0 {
		// Said even off a terminal: the archive is short of files.
		fmt.Fprintf(env.Stderr, "archive: %d originals missing or corrupt, listed in the index with a note\n", st.Missing)
	}
	if shown {
		fmt.Fprintf(env.Stderr, "%d invoices, %d files, %d bytes → %s\n", st.Invoices, st.Files, st.Bytes, path)
	}
	return nil
}

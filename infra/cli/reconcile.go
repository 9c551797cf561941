package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/baoxiao/baoxiao/app"
)

const reconcileUsage = `usage: baoxiao reconcile --from YYYY-MM-DD --to YYYY-MM-DD [--date-field issued_on|imported_on|approved_on] [--repair]`

// reconcileOptions are reconcile's flags.
type reconcileOptions struct {
	p      app.FinanceParams
	repair bool
}

func (o *reconcileOptions) declare(fs *flag.FlagSet) {
	fs.StringVar(&o.p.From, "from", "", "first date, YYYY-MM-DD (Asia/Shanghai)")
	fs.StringVar(&o.p.To, "to", "", "last date, YYYY-MM-DD, inclusive")
	fs.StringVar(&o.p.DateField, "date-field", "issued_on", "the date the range applies to")
	fs.BoolVar(&o.repair, "repair", false, "queue the missing WeChat changes through the outbox")
}

// runReconcile is `baoxiao reconcile`: compare our invoices in a date
// range with WeChat's status, list the mismatches on stdout and, with
// --repair, queue the missing changes through the outbox (the serving
// instances' workers deliver them). It exits non-zero when the run fails.
func runReconcile(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, withProg(reconcileUsage)); fs.PrintDefaults() }
	var o reconcileOptions
	o.declare(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("reconcile: unexpected %q\n%s", fs.Arg(0), withProg(reconcileUsage))
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

	bar := newBar(ctx, env.Stderr, "reconcile", func() (int64, error) {
		return fin.OperatorCount(ctx, f)
	})
	run, err := fin.ReconcileNow(ctx, "cli", f, func(n int) { bar.set(int64(n)) })
	bar.finish()
	if err != nil {
		return err
	}
	if run.State == app.ReconcileDone && o.repair {
		if run, err = fin.RepairNow(ctx, run.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stdout, "run %s: %s; checked %d, skipped %d (a change on its way), mismatches %d\n",
		run.ID, run.State, run.Checked, run.Pending, run.Mismatches)
	if run.Error != "" {
		fmt.Fprintln(env.Stdout, run.Error)
	}
	if run.Mismatches > 0 {
		tw := newTable(env.Stdout, "INVOICE", "REPORT", "OURS", "WECHAT", "KIND", "REPAIR", "REASON")
		var after int64
		for {
			ms, err := fin.OperatorMismatches(ctx, run.ID, after, 500)
			if err != nil {
				return err
			}
			for _, mm := range ms {
				after = mm.ID
				tw.row(string(mm.InvoiceID), dash(mm.ReportNumber), string(mm.Expected),
					dash(string(mm.WeChat)), string(mm.Kind), dash(string(mm.Repair)), mm.Reason)
			}
			if len(ms) < 500 {
				break
			}
		}
		if err := tw.flush(); err != nil {
			return err
		}
	}
	if run.State != app.ReconcileDone {
		if err := unreachable(ctx, env.Cfg, wechatBases(env.Cfg)); err != nil {
			return fmt.Errorf("reconcile: %w", err)
		}
		return errReconcileFailed
	}
	return nil
}

var errReconcileFailed = errors.New("reconcile: the run failed")

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

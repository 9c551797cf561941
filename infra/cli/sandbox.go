package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/web"
)

const sandboxUsage = `usage: baoxiao sandbox [--listen :8090] [--public-base URL] [--callback-base URL] [--db FILE|DSN] [--driver sqlite|mysql]

Runs the WeChat sandbox on its own (DECISIONS 25), with the configuration's credentials
(the demo ones by default). Instances in live mode point their wechat.*_base keys at it.`

// sandboxOptions are sandbox's flags.
type sandboxOptions struct{ listen, public, callbacks, dsn, driver string }

// declare declares the flags; the database file defaults to dataDir.
func (o *sandboxOptions) declare(fs *flag.FlagSet, dataDir string) {
	fs.StringVar(&o.listen, "listen", ":8090", "listen address")
	fs.StringVar(&o.public, "public-base", "", "URL the sandbox is reached at (default http://localhost<listen>)")
	fs.StringVar(&o.callbacks, "callback-base", "", "baoxiao's URL for event pushes (default: none)")
	fs.StringVar(&o.dsn, "db", filepath.Join(dataDir, "sandbox.db"), "SQLite file, or a MySQL DSN with --driver mysql")
	fs.StringVar(&o.driver, "driver", "sqlite", "sqlite or mysql")
}

// Sandbox runs the WeChat sandbox on its own (DECISIONS 25): its own
// database and port, the credentials of the configuration (the demo ones
// by default), event pushes to --callback-base. Instances of baoxiao in
// live mode point their wechat.*_base keys at it.
func Sandbox(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() { fmt.Fprintln(env.Stderr, withProg(sandboxUsage)); fs.PrintDefaults() }
	var o sandboxOptions
	o.declare(fs, env.Cfg.DataDir)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sandbox: unexpected %q\n%s", fs.Arg(0), withProg(sandboxUsage))
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	if o.public == "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		o.public = "http://localhost:" + port
	}
	db, err := store.Open(ctx, o.driver, o.dsn, 8)
	if err != nil {
		return err
	}
	defer db.Close()

	cfg := env.Cfg
	opts := sandbox.Options{PublicBase: strings.TrimSuffix(o.public, "/"), Logger: env.Log, CompanyName: cfg.Company.Name}
	opts.OA.AppID, opts.OA.AppSecret = cfg.WeChat.OA.AppID, cfg.WeChat.OA.AppSecret.Reveal()
	opts.OA.CallbackToken, opts.OA.EncodingAESKey = cfg.WeChat.OA.CallbackToken.Reveal(), cfg.WeChat.OA.EncodingAESKey.Reveal()
	opts.Work.CorpID, opts.Work.AgentID, opts.Work.Secret = cfg.WeChat.Work.CorpID, cfg.WeChat.Work.AgentID, cfg.WeChat.Work.Secret.Reveal()
	opts.Work.CallbackToken, opts.Work.EncodingAESKey = cfg.WeChat.Work.CallbackToken.Reveal(), cfg.WeChat.Work.EncodingAESKey.Reveal()
	if base := strings.TrimSuffix(o.callbacks, "/"); base != "" {
		opts.OA.CallbackURL = base + "/wechat/oa/callback"
		if opts.Work.EncodingAESKey != "" {
			opts.Work.CallbackURL = base + "/wechat/work/callback"
		}
	}
	sb, err := sandbox.New(ctx, db, opts)
	if err != nil {
		return err
	}
	defer sb.Close()
	if err := sb.Seed(ctx); err != nil {
		return fmt.Errorf("seed sandbox: %w", err)
	}
	env.Log.Info("WeChat sandbox serving", "listen", ln.Addr().String(), "public_base", opts.PublicBase)
	err = web.Serve(ctx, sb.App(), ln, 5*time.Second)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

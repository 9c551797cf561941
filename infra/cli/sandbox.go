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

// Sandbox runs the WeChat sandbox on its own (DECISIONS 25): its own
// database and port, the credentials of the configuration (the demo ones
// by default), event pushes to --callback-base. Instances of baoxiao in
// live mode point their wechat.*_base keys at it.
func Sandbox(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	listen := fs.String("listen", ":8090", "listen address")
	public := fs.String("public-base", "", "URL the sandbox is reached at (default http://localhost<listen>)")
	callbacks := fs.String("callback-base", "", "baoxiao's URL for event pushes (default: none)")
	dsn := fs.String("db", filepath.Join(env.Cfg.DataDir, "sandbox.db"), "SQLite file, or a MySQL DSN with --driver mysql")
	driver := fs.String("driver", "sqlite", "sqlite or mysql")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if *public == "" {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		*public = "http://localhost:" + port
	}
	db, err := store.Open(ctx, *driver, *dsn, 8)
	if err != nil {
		return err
	}
	defer db.Close()

	cfg := env.Cfg
	opts := sandbox.Options{PublicBase: strings.TrimSuffix(*public, "/"), Logger: env.Log, CompanyName: cfg.Company.Name}
	opts.OA.AppID, opts.OA.AppSecret = cfg.WeChat.OA.AppID, cfg.WeChat.OA.AppSecret.Reveal()
	opts.OA.CallbackToken, opts.OA.EncodingAESKey = cfg.WeChat.OA.CallbackToken.Reveal(), cfg.WeChat.OA.EncodingAESKey.Reveal()
	opts.Work.CorpID, opts.Work.AgentID, opts.Work.Secret = cfg.WeChat.Work.CorpID, cfg.WeChat.Work.AgentID, cfg.WeChat.Work.Secret.Reveal()
	opts.Work.CallbackToken, opts.Work.EncodingAESKey = cfg.WeChat.Work.CallbackToken.Reveal(), cfg.WeChat.Work.EncodingAESKey.Reveal()
	if base := strings.TrimSuffix(*callbacks, "/"); base != "" {
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

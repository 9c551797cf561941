// Command baoxiao is the reimbursement backend for WeChat e-invoices.
//
//	baoxiao [--config file] serve            run the service (default)
//	baoxiao [--config file] migrate up|down|status
//	baoxiao [--config file] config           print the effective config, secrets redacted
//	baoxiao version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/web"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = ""

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "baoxiao:", err)
		os.Exit(1)
	}
}

const usage = `usage: baoxiao [--config file] <command>

commands:
  serve                    run the service (default)
  migrate [up|down|status] apply, roll back (last group) or list migrations
  config                   print the effective configuration, secrets redacted
  version                  print the version
`

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("baoxiao", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", "", "YAML config file (also $BAOXIAO_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmd, rest := "serve", fs.Args()
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	if cmd == "version" {
		fmt.Fprintln(stdout, buildVersion())
		return nil
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		return err
	}
	logger := newLogger(cfg.Log, stderr)
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case "serve":
		return serve(ctx, cfg, logger)
	case "migrate":
		return migrateCmd(ctx, cfg, rest, stdout)
	case "config":
		out, err := cfg.Redacted()
		if err != nil {
			return err
		}
		_, err = stdout.Write(out)
		return err
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel()}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(web.NewLogHandler(h))
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func openDB(ctx context.Context, cfg *config.Config) (*bun.DB, *store.Migrator, error) {
	db, err := store.Open(ctx, cfg.Database.Driver, cfg.Database.DSN.Reveal(), cfg.Database.MaxOpenConns)
	if err != nil {
		return nil, nil, err
	}
	m, err := store.NewMigrator(db)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return db, m, nil
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	started := time.Now()
	db, migrator, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := migrator.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "names", applied)
	}

	svc, err := service.New(ctx, cfg, db, service.Options{Logger: log, Ready: migrator, Version: buildVersion()})
	if err != nil {
		return err
	}
	defer svc.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return web.Serve(ctx, svc.App, ln, cfg.ShutdownTimeout) })
	g.Go(func() error { return svc.Worker.Run(ctx) })
	log.Info("baoxiao serving", "mode", cfg.Mode, "listen", ln.Addr().String(), "url", cfg.PublicURL,
		"database", cfg.Database.Driver, "startup", time.Since(started).Round(time.Millisecond))
	err = g.Wait()
	log.Info("baoxiao stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func migrateCmd(ctx context.Context, cfg *config.Config, args []string, stdout io.Writer) error {
	action := "up"
	if len(args) > 0 {
		action = args[0]
	}
	db, m, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		names, err := m.Up(ctx)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "nothing to migrate")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "applied", n)
		}
	case "down":
		names, err := m.Down(ctx)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(stdout, "nothing to roll back")
		}
		for _, n := range names {
			fmt.Fprintln(stdout, "rolled back", n)
		}
	case "status":
		status, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range status {
			state := "pending"
			if s.Applied {
				state = "applied " + s.At.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%-30s %s\n", s.Name, state)
		}
	default:
		return fmt.Errorf("migrate: unknown action %q (up, down or status)", action)
	}
	return nil
}

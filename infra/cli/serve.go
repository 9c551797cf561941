// Package cli implements baoxiao's subcommands; main.go only parses the
// command line and dispatches here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/web"
)

// Serve runs the service until ctx ends: migrations first, then the HTTP
// server and the outbox worker.
func Serve(ctx context.Context, cfg *config.Config, log *slog.Logger, version string) error {
	started := time.Now()
	db, migrator, err := OpenDB(ctx, cfg)
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

	svc, err := service.New(ctx, cfg, db, service.Options{Logger: log, Ready: migrator, Version: version})
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
	g.Go(func() error { return svc.WebhookWorker.Run(ctx) })
	g.Go(func() error { return svc.NoticeWorker.Run(ctx) })
	g.Go(func() error { return svc.PDFFetcher.Run(ctx) })
	if svc.MailboxWorker != nil {
		g.Go(func() error { return svc.MailboxWorker.Run(ctx) })
	}
	log.Info("baoxiao serving", "mode", cfg.Mode, "listen", ln.Addr().String(), "url", cfg.PublicURL,
		"database", cfg.Database.Driver, "startup", time.Since(started).Round(time.Millisecond))
	err = g.Wait()
	log.Info("baoxiao stopped")
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// OpenDB opens the configured database and its migrator.
func OpenDB(ctx context.Context, cfg *config.Config) (*bun.DB, *store.Migrator, error) {
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

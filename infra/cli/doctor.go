package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/baoxiao/baoxiao/infra/mailbox"
	"github.com/baoxiao/baoxiao/infra/storage"
	"github.com/baoxiao/baoxiao/infra/wechat"
)

// Doctor checks what `serve` needs — configuration, database, migrations,
// Redis, WeChat — and prints what is wrong in plain words. It exits non-zero
// when anything is.
func Doctor(ctx context.Context, env Env, _ []string) error {
	cfg := env.Cfg
	failed := 0
	check := func(name string, fn func(ctx context.Context) (string, error)) {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		detail, err := fn(ctx)
		if err != nil {
			failed++
			fmt.Fprintf(env.Stdout, "✗ %-10s %v\n", name, err)
			return
		}
		fmt.Fprintf(env.Stdout, "✓ %-10s %s\n", name, detail)
	}
	check("config", func(context.Context) (string, error) {
		return fmt.Sprintf("mode %s, database %s, public URL %s", cfg.Mode, cfg.Database.Driver, cfg.PublicURL), nil
	})
	check("database", func(ctx context.Context) (string, error) {
		db, m, err := OpenDB(ctx, cfg)
		if err != nil {
			return "", err
		}
		defer db.Close()
		n, err := m.Pending(ctx)
		if err != nil {
			return "", fmt.Errorf("reachable, but the migration table cannot be read (run `%s migrate up`): %w", Prog, err)
		}
		if n > 0 {
			return "", fmt.Errorf("reachable, %d migrations pending: run `%s migrate up` (serve does it at start)", n, Prog)
		}
		return "reachable, migrations applied", nil
	})
	if cfg.Storage.Driver == storage.DriverS3 {
		// The endpoint and bucket only: never the keys.
		check("storage", func(ctx context.Context) (string, error) {
			s3, err := storage.NewS3(cfg.Storage.S3)
			if err != nil {
				return "", err
			}
			msg, err := s3.Check(ctx)
			return "s3 " + cfg.Storage.S3.Endpoint + ": " + msg, err
		})
	}
	cache := wechat.NewMemoryCache()
	if url := cfg.Cache.RedisURL.Reveal(); url != "" {
		check("redis", func(ctx context.Context) (string, error) {
			c, err := wechat.NewRedisCache(ctx, url)
			if err != nil {
				return "", err
			}
			cache = c
			return "reachable", nil
		})
		defer cache.Close()
	}
	if cfg.Sandbox() {
		fmt.Fprintln(env.Stdout, "· wechat     sandbox mode: WeChat is the embedded sandbox, started by serve")
	} else {
		oa, work := wechat.FromConfig(cfg, cache, nil)
		if oa == nil && work == nil {
			failed++
			fmt.Fprintln(env.Stdout, "✗ wechat     no channel is configured")
		}
		if oa != nil {
			check("wechat oa", func(ctx context.Context) (string, error) {
				return "token and jsapi ticket fetched from " + cfg.WeChat.APIBase, oa.Check(ctx)
			})
		}
		if work != nil {
			check("wechat work", func(ctx context.Context) (string, error) {
				return "token and jsapi ticket fetched from " + cfg.WeChat.WorkAPIBase, work.Check(ctx)
			})
		}
	}
	if m := cfg.Intake.IMAP; m.Enabled() {
		// Read-only: the folders are created by serve, not here.
		check("mailbox", func(ctx context.Context) (string, error) {
			return mailbox.Check(ctx, mailbox.OptionsFrom(m, env.Log))
		})
	}
	if failed > 0 {
		return fmt.Errorf("%d checks failed", failed)
	}
	return nil
}

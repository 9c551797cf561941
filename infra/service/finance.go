package service

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/archive"
	"github.com/baoxiao/baoxiao/infra/export"
	"github.com/baoxiao/baoxiao/infra/storage"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/wechat"
)

// newFinance builds the finance service: search and exports on the
// database, reconciliation through the WeChat channels, repairs through
// the outbox (wake, when set, tells the worker).
func newFinance(cfg *config.Config, db bun.IDB, channels app.Channels, wake func(), fence *app.Fence) *app.Finance {
	st := store.New(db)
	return app.NewFinance(app.FinanceDeps{
		Store: store.NewFinance(db), Employees: st.Employees, Formats: export.Formats(),
		Runs: store.NewFinance(db), Tx: store.TxRunner{Store: st}, Channels: channels,
		BatchSize: cfg.WeChat.BatchSize, Queued: wake,
		Fence: fence,
	})
}

// Finance builds the finance service alone, for the export and reconcile
// commands: no HTTP server, no sandbox, no outbox worker. Reconciliation
// reads WeChat through the configured channels; in sandbox mode those are
// served by a running `baoxiao serve`. Repairs are queued in the outbox,
// which the serving instances' workers deliver. Call close when done.
func Finance(ctx context.Context, cfg *config.Config, db *bun.DB) (fin *app.Finance, close func() error, err error) {
	cache := wechat.NewMemoryCache()
	var closers []func() error
	if url := cfg.Cache.RedisURL.Reveal(); url != "" {
		if cache, err = wechat.NewRedisCache(ctx, url); err != nil {
			return nil, nil, fmt.Errorf("cache.redis_url: %w", err)
		}
		closers = append(closers, cache.Close)
	}
	oa, work := wechat.FromConfig(cfg, cache, nil)
	channels := app.Channels{}
	if oa != nil {
		channels[domain.ChannelOA] = oa
	}
	if work != nil {
		channels[domain.ChannelWork] = work
	}
	st := store.New(db)
	fence := app.NewFence(store.NewWriteClaims(db), store.TxRunner{Store: st}, app.SystemClock{}, instanceName())
	fin = newFinance(cfg, db, channels, nil, fence)
	closers = append(closers, fin.Close)
	return fin, func() error {
		var first error
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil && first == nil {
				first = err
			}
		}
		return first
	}, nil
}

// newArchives builds the archive export of originals (issue 16) on the
// finance reads and the configured storage.
func newArchives(fin *app.Finance, db bun.IDB, blobs app.Blobs) *app.Archives {
	return app.NewArchives(fin, store.NewOriginals(db), blobs, store.NewFinance(db), archive.Format(""))
}

// Archives builds the archive export alone, for `baoxiao archive`: the
// database and the configured storage, nothing of WeChat. Call close when
// done.
func Archives(cfg *config.Config, db *bun.DB) (arch *app.Archives, close func() error, err error) {
	blobs, err := storage.Open(cfg.Storage, db)
	if err != nil {
		return nil, nil, err
	}
	fin := app.NewFinance(app.FinanceDeps{Store: store.NewFinance(db), Employees: store.New(db).Employees})
	return newArchives(fin, db, blobs), fin.Close, nil
}

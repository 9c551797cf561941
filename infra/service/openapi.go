package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/webhook"
	"github.com/baoxiao/baoxiao/web"
)

// addOpenAPI assembles the ERP open API (both profiles), the webhooks with
// their delivery worker, and the PC QR import, and hands them to the web
// layer through deps.
func (s *Service) addOpenAPI(cfg *config.Config, db *bun.DB, opts Options, deps *web.Deps) error {
	clock := app.SystemClock{}
	st := s.Store
	box, err := store.NewSecretBox(cfg.Auth.DataKey.Reveal())
	if err != nil {
		return fmt.Errorf("open API: %w", err)
	}
	s.OpenAPI = app.NewOpenAPI(store.NewApps(db), box, store.NewNonces(db), store.NewIdempotency(db), store.NewCallLog(db), clock)
	qr := store.NewQRImports(db)
	s.QRImports = app.NewQRImports(qr, s.Invoices, st.Invoices, st.Employees, clock)
	s.ERP = app.NewERP(app.ERPDeps{
		Invoices: s.Invoices, Reports: s.Reports, Finance: s.Finance, Repo: st.Invoices, Store: store.NewOpenQueries(db),
		Links: qr, Employees: st.Employees, Channels: s.Channels, Tx: store.TxRunner{Store: st}, Fence: s.Fence, Clock: clock,
	})

	hooks := store.NewWebhooks(db)
	wopts := opts.Webhooks
	if wopts.ID == "" {
		wopts.ID = opts.WorkerID
	}
	if wopts.ID == "" {
		wopts.ID = instanceName()
	}
	if wopts.Tidy == nil {
		wopts.Tidy = func(ctx context.Context) error {
			return errors.Join(s.OpenAPI.Tidy(ctx), s.QRImports.Tidy(ctx), s.QRLogins.Tidy(ctx), s.Auth.TidySessions(ctx))
		}
	}
	targets, err := app.NewWebhookTargets(cfg.Webhooks.AllowHosts)
	if err != nil {
		return err
	}
	if wopts.Targets == nil {
		wopts.Targets = targets
	}
	s.WebhookTargets = targets
	s.Webhooks = app.NewWebhooks(hooks, box, st.Employees, clock, func() { s.WebhookWorker.Wake() })
	s.Webhooks.RestrictTargets(targets)
	s.WebhookWorker = webhook.New(hooks, s.Webhooks, wopts)
	// Decisions queue webhook events beside their WeChat changes: wake both.
	s.Reports.OnQueued(func() { s.Worker.Wake(); s.WebhookWorker.Wake() })
	if deps.Events != nil {
		deps.Events.PublishIn(store.TxRunner{Store: st})
	}

	deps.OpenAPI, deps.ERP, deps.QRImports, deps.Webhooks = s.OpenAPI, s.ERP, s.QRImports, s.Webhooks
	s.addPayment(cfg, db, box, opts.clockOr(clock), deps)
	return nil
}

package store

import (
	"context"

	"github.com/baoxiao/baoxiao/app"
)

// Repos returns the store's repositories as the app layer sees them.
func (s *Store) Repos() app.Repos {
	return app.Repos{Reports: s.Reports, Invoices: s.Invoices, Outbox: s.Outbox, Webhooks: NewWebhooks(s.db), Notices: NewNotices(s.db), Staff: s.Employees}
}

// TxRunner runs app use cases' transactions on a Store.
type TxRunner struct{ Store *Store }

// InTx implements app.TxRunner.
func (t TxRunner) InTx(ctx context.Context, fn func(ctx context.Context, r app.Repos) error) error {
	return t.Store.InTx(ctx, func(ctx context.Context, tx *Store) error { return fn(ctx, tx.Repos()) })
}

var _ app.TxRunner = TxRunner{}

package outbox

import (
	"context"
	"log/slog"
	"time"
)

// Poll runs round until ctx ends: at once again while a round filled its
// claim (more is waiting), else after a wake-up or poll. A failed round is
// logged as "<name> round failed" and the loop goes on. The outbox and
// the webhook workers both run this way.
func Poll(ctx context.Context, name string, round func(context.Context) (int, error), claimLimit int, wake <-chan struct{}, poll time.Duration) error {
	for {
		n, err := round(ctx)
		if err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, name+" round failed", "err", err)
		}
		if n >= claimLimit {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-time.After(poll):
		}
	}
}

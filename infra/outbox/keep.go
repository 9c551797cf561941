package outbox

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Kept is a claim kept alive while its round delivers: Keep renews its
// lease every lease/3 and notes the rows it lost. The outbox and the
// webhook workers both keep their claims this way.
type Kept struct {
	lease  time.Duration
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	lost    map[int64]bool
	renewed time.Time // the last successful renewal, or the start
}

// Keep renews a round's claim every lease/3 until Stop. renew extends the
// lease of the claimed rows still held and returns the ids no longer held;
// a failed renewal is logged and tried again at the next tick.
//
// A claim that could not be renewed for most of a lease counts as lost
// whole: by then another instance may hold its rows. The margin (a sixth
// of the lease) covers the claim's own latency and some clock skew
// between instances.
func Keep(ctx context.Context, lease time.Duration, renew func(ctx context.Context) (lost []int64, err error)) *Kept {
	ctx, cancel := context.WithCancel(ctx)
	k := &Kept{lease: lease, cancel: cancel, done: make(chan struct{}), lost: map[int64]bool{}, renewed: time.Now()}
	go k.run(ctx, renew)
	return k
}

func (k *Kept) run(ctx context.Context, renew func(ctx context.Context) ([]int64, error)) {
	defer close(k.done)
	every := max(k.lease/3, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lost, err := renew(ctx)
		if err != nil {
			if ctx.Err() == nil {
				slog.WarnContext(ctx, "renew claim failed", "err", err)
			}
			continue
		}
		k.mu.Lock()
		k.renewed = time.Now()
		for _, id := range lost {
			k.lost[id] = true
		}
		k.mu.Unlock()
	}
}

// Held reports whether the claim still holds row id, as far as the last
// renewal knows: a worker sends only rows it holds. Rows already finished
// may read as not held.
func (k *Kept) Held(id int64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return !k.lost[id] && time.Since(k.renewed) < k.lease-k.lease/6
}

// Stop ends the renewals and waits for the last one to return.
func (k *Kept) Stop() {
	k.cancel()
	<-k.done
}

// Package notify delivers queued notices: a worker in every serve
// instance claims them from the shared lease queue (DECISIONS 31, 46),
// like the outbox and the webhook deliveries, and hands each to
// app/notify's Sender, which picks the channel (DECISIONS 47). A notice
// that keeps failing ends failed and is listed to admins; it never touches
// the decision it is about (DECISIONS 36).
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/infra/outbox"
)

// Queue is the notices table as the worker uses it.
type Queue interface {
	Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]notify.Notice, error)
	Renew(ctx context.Context, lease string, ids []int64, now time.Time, d time.Duration) (lost []int64, err error)
	Finish(ctx context.Context, id int64, lease string, r notify.Result, next, now time.Time) error
}

// Deliverer sends one notice.
type Deliverer interface {
	Deliver(ctx context.Context, n notify.Notice) notify.Result
}

// Options tune a worker; zero values take the defaults.
type Options struct {
	ID          string
	Lease       time.Duration // default 2m
	Poll        time.Duration // default 1s
	ClaimLimit  int           // default 32
	Parallel    int           // default 8
	MaxAttempts int           // default 12
	MaxAge      time.Duration // default 24h
	Now         func() time.Time
	// Backoff is the wait before retry n; default doubles from 1s to 10m.
	Backoff func(n int) time.Duration
	// QuotaWait is the wait after a quota errcode (45009); default 10m.
	QuotaWait time.Duration
}

// Worker delivers notices.
type Worker struct {
	queue Queue
	send  Deliverer
	opts  Options
	wake  chan struct{}
}

// New returns a worker.
func New(queue Queue, send Deliverer, opts Options) *Worker {
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.ClaimLimit <= 0 {
		opts.ClaimLimit = 32
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 12
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	if opts.Backoff == nil {
		opts.Backoff = backoff
	}
	if opts.QuotaWait <= 0 {
		opts.QuotaWait = 10 * time.Minute
	}
	if opts.ID == "" {
		opts.ID = fmt.Sprintf("notices-%08x", rand.Uint32())
	}
	return &Worker{queue: queue, send: send, opts: opts, wake: make(chan struct{}, 1)}
}

// Wake makes an idle worker look at the queue now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	return outbox.Poll(ctx, "notice", w.RunOnce, w.opts.ClaimLimit, w.wake, w.opts.Poll)
}

// RunOnce claims due notices, delivers them and returns how many.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	items, err := w.queue.Claim(ctx, w.opts.ID, w.opts.Now(), w.opts.Lease, w.opts.ClaimLimit)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	ids := make([]int64, len(items))
	for i, n := range items {
		ids[i] = n.ID
	}
	kept := outbox.Keep(ctx, w.opts.Lease, func(ctx context.Context) ([]int64, error) {
		return w.queue.Renew(ctx, items[0].Lease, ids, w.opts.Now(), w.opts.Lease)
	})
	defer kept.Stop()
	// One recipient's notices go one after another, in order: WeCom drops
	// a member's excess messages silently, so they are never sent at once.
	byRecipient := map[string][]notify.Notice{}
	var order []string
	for _, n := range items {
		k := string(n.Recipient)
		if _, ok := byRecipient[k]; !ok {
			order = append(order, k)
		}
		byRecipient[k] = append(byRecipient[k], n)
	}
	sem := make(chan struct{}, w.opts.Parallel)
	var wg sync.WaitGroup
	for _, k := range order {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, n := range byRecipient[k] {
				if !kept.Held(n.ID) {
					slog.WarnContext(ctx, "notice claim lost, not sending", "notice", n.ID)
					continue
				}
				w.deliver(ctx, n)
			}
		}()
	}
	wg.Wait()
	return len(items), nil
}

func (w *Worker) deliver(ctx context.Context, n notify.Notice) {
	r := w.send.Deliver(ctx, n)
	now := w.opts.Now()
	var next time.Time
	if r.State == notify.StatePending {
		if n.Attempts+1 >= w.opts.MaxAttempts || now.Sub(n.CreatedAt) > w.opts.MaxAge {
			r.State = notify.StateFailed
			slog.WarnContext(ctx, "notice failed for good", "notice", n.ID, "event", n.Event, "errcode", r.Errcode)
		} else if r.Quota {
			next = now.Add(w.opts.QuotaWait)
		} else {
			next = now.Add(w.opts.Backoff(n.Attempts))
		}
	}
	// Finish even if ctx is ending: WeChat may already have the message.
	err := w.queue.Finish(context.WithoutCancel(ctx), n.ID, n.Lease, r, next, now)
	switch {
	case errors.Is(err, app.ErrClaimLost):
		slog.WarnContext(ctx, "notice claim lost before finish", "notice", n.ID, "err", err)
	case err != nil:
		slog.ErrorContext(ctx, "finish notice", "notice", n.ID, "err", err)
	}
}

func backoff(n int) time.Duration {
	d := min(time.Second<<min(n, 10), 10*time.Minute)
	return d/2 + rand.N(d/2)
}

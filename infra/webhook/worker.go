// Package webhook delivers queued webhook events to their endpoints. A
// worker runs in every serve instance; deliveries are claimed by lease,
// like the outbox's, so instances never send the same delivery at once
// and a crash loses nothing. Delivery is at least once: receivers
// de-duplicate on the event id.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/infra/outbox"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Queue is the delivery table as the worker uses it.
type Queue interface {
	Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]app.WebhookDelivery, error)
	// Renew extends the claim's lease on ids and returns those it lost.
	Renew(ctx context.Context, lease string, ids []int64, now time.Time, d time.Duration) (lost []int64, err error)
	// Finish returns app.ErrClaimLost when the claim no longer holds the row.
	Finish(ctx context.Context, id int64, lease string, a app.WebhookAttempt, now time.Time) error
	Endpoint(ctx context.Context, id string) (app.WebhookEndpoint, error)
}

// Secrets opens endpoints' signing secrets.
type Secrets interface {
	OpenSecret(e app.WebhookEndpoint) (string, error)
}

// Options tune a worker; zero values take the defaults.
type Options struct {
	ID          string        // names this instance in leases
	Lease       time.Duration // how long a claim lasts (default 2m)
	Poll        time.Duration // idle wait between claims (default 1s)
	ClaimLimit  int           // deliveries per claim (default 16)
	Parallel    int           // deliveries sent at once (default 8)
	Timeout     time.Duration // per request (default 10s)
	MaxAttempts int           // then the delivery fails (default 15)
	MaxAge      time.Duration // a delivery older than this fails on its next error (default 72h)
	Now         func() time.Time
	// Backoff is the wait before retry n (0-based); default doubles from
	// 1s to 10m with jitter.
	Backoff func(n int) time.Duration
	// Client sends the deliveries; nil builds one that dials only what
	// Targets allows, checked on the resolved address.
	Client *http.Client
	// Targets is the operator's allow-list (webhooks.allow_hosts); nil
	// allows public addresses only.
	Targets *app.WebhookTargets
	// Tidy, when set, runs every TidyEvery (default 10m): housekeeping
	// that every instance may do (expired nonces, old sessions).
	Tidy      func(ctx context.Context) error
	TidyEvery time.Duration
}

// Worker delivers webhook events.
type Worker struct {
	queue   Queue
	secrets Secrets
	opts    Options
	wake    chan struct{}
}

// New returns a worker.
func New(queue Queue, secrets Secrets, opts Options) *Worker {
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.ClaimLimit <= 0 {
		opts.ClaimLimit = 16
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 8
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 15
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 72 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	if opts.Backoff == nil {
		opts.Backoff = backoff
	}
	if opts.TidyEvery <= 0 {
		opts.TidyEvery = 10 * time.Minute
	}
	if opts.ID == "" {
		opts.ID = fmt.Sprintf("webhooks-%08x", rand.Uint32())
	}
	if opts.Client == nil {
		opts.Client = &http.Client{
			Transport: GuardedTransport(opts.Targets),
			// A redirect is not a delivery: receivers answer 2xx themselves.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Worker{queue: queue, secrets: secrets, opts: opts, wake: make(chan struct{}, 1)}
}

// Wake makes an idle worker look at the queue now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, tidying the open API's tables every
// TidyEvery on the way.
func (w *Worker) Run(ctx context.Context) error {
	var lastTidy time.Time
	round := func(ctx context.Context) (int, error) {
		if w.opts.Tidy != nil && time.Since(lastTidy) >= w.opts.TidyEvery {
			lastTidy = time.Now()
			if err := w.opts.Tidy(ctx); err != nil && ctx.Err() == nil {
				slog.ErrorContext(ctx, "open API housekeeping failed", "err", err)
			}
		}
		return w.RunOnce(ctx)
	}
	return outbox.Poll(ctx, "webhook", round, w.opts.ClaimLimit, w.wake, w.opts.Poll)
}

// RunOnce claims due deliveries, sends them and returns how many it
// handled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	items, err := w.queue.Claim(ctx, w.opts.ID, w.opts.Now(), w.opts.Lease, w.opts.ClaimLimit)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	// Slow receivers (Timeout each, Parallel at once) may outlast the
	// lease: renew it while sending.
	ids := make([]int64, len(items))
	for i, d := range items {
		ids[i] = d.ID
	}
	kept := outbox.Keep(ctx, w.opts.Lease, func(ctx context.Context) ([]int64, error) {
		return w.queue.Renew(ctx, items[0].Lease, ids, w.opts.Now(), w.opts.Lease)
	})
	defer kept.Stop()
	sem := make(chan struct{}, w.opts.Parallel)
	var wg sync.WaitGroup
	for _, d := range items {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if !kept.Held(d.ID) {
				slog.WarnContext(ctx, "webhook claim lost, not sending", "delivery", d.ID, "endpoint", d.EndpointID)
				return
			}
			w.deliver(ctx, d)
		}()
	}
	wg.Wait()
	return len(items), nil
}

func (w *Worker) deliver(ctx context.Context, d app.WebhookDelivery) {
	ep, err := w.queue.Endpoint(ctx, d.EndpointID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !ep.Active {
		w.finish(ctx, d, app.WebhookAttempt{State: app.WebhookFailed, Error: "the endpoint was removed"})
		return
	}
	if err != nil {
		w.retry(ctx, d, 0, "load endpoint: "+err.Error())
		return
	}
	secret, err := w.secrets.OpenSecret(ep)
	if err != nil {
		// A changed auth.data_key: no retry helps until it is fixed.
		w.finish(ctx, d, app.WebhookAttempt{State: app.WebhookFailed, Error: "cannot open the endpoint's secret (was auth.data_key changed?)"})
		return
	}
	status, err := w.post(ctx, ep.URL, secret, d)
	switch {
	case err != nil:
		w.retry(ctx, d, 0, err.Error())
	case status >= 200 && status < 300:
		w.finish(ctx, d, app.WebhookAttempt{State: app.WebhookDone, Status: status})
	default:
		w.retry(ctx, d, status, "the receiver answered HTTP "+strconv.Itoa(status))
	}
}

// post sends one delivery, signed, and answers the receiver's status.
func (w *Worker) post(ctx context.Context, target, secret string, d app.WebhookDelivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, errors.New("the endpoint URL is invalid")
	}
	ts := w.opts.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "baoxiao-webhooks/1")
	req.Header.Set("X-Baoxiao-Event", d.EventType)
	req.Header.Set("X-Baoxiao-Event-Id", d.EventID)
	req.Header.Set("X-Baoxiao-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("X-Baoxiao-Webhook-Signature", "t="+strconv.FormatInt(ts, 10)+",v1="+app.WebhookSignature(secret, ts, d.Payload))
	res, err := w.opts.Client.Do(req)
	if err != nil {
		// url.Error's text repeats the URL, which may carry a receiver's
		// token: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, fmt.Errorf("send: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, nil
}

func (w *Worker) retry(ctx context.Context, d app.WebhookDelivery, status int, msg string) {
	now := w.opts.Now()
	if d.Attempts+1 >= w.opts.MaxAttempts || now.Sub(d.CreatedAt) > w.opts.MaxAge {
		slog.WarnContext(ctx, "webhook delivery failed for good", "delivery", d.ID, "endpoint", d.EndpointID, "event", d.EventType, "status", status)
		w.finish(ctx, d, app.WebhookAttempt{State: app.WebhookFailed, Status: status, Error: msg})
		return
	}
	w.finish(ctx, d, app.WebhookAttempt{State: app.WebhookPending, Next: now.Add(w.opts.Backoff(d.Attempts)), Status: status, Error: msg})
}

func (w *Worker) finish(ctx context.Context, d app.WebhookDelivery, a app.WebhookAttempt) {
	// Finish even if ctx is ending: the receiver may already have it.
	err := w.queue.Finish(context.WithoutCancel(ctx), d.ID, d.Lease, a, w.opts.Now())
	switch {
	case errors.Is(err, app.ErrClaimLost):
		// Another worker holds the delivery now; receivers de-duplicate on
		// the event id, and the result is the new holder's to record.
		slog.WarnContext(ctx, "webhook claim lost before finish", "delivery", d.ID, "endpoint", d.EndpointID, "state", a.State, "err", err)
	case err != nil:
		slog.ErrorContext(ctx, "finish webhook delivery", "delivery", d.ID, "err", err)
	}
}

// backoff doubles from 1s up to 10m; half is random so instances don't
// retry in step.
func backoff(n int) time.Duration {
	d := min(time.Second<<min(n, 10), 10*time.Minute)
	return d/2 + rand.N(d/2)
}

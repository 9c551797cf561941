// Package outbox delivers queued invoice status changes to WeChat. A worker
// runs in every serve instance; rows are claimed by lease, so instances
// never send the same row at once, and a crash anywhere loses nothing: an
// unfinished row is claimed again when its lease runs out.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Queue is the outbox table as the worker uses it.
type Queue interface {
	Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]app.OutboxItem, error)
	// Renew extends the claim's lease on ids and returns those it lost.
	Renew(ctx context.Context, lease string, ids []int64, now time.Time, d time.Duration) (lost []int64, err error)
	// Finish returns app.ErrClaimLost when the claim no longer holds the row.
	Finish(ctx context.Context, id int64, lease string, a app.OutboxAttempt, now time.Time) error
}

// Invoices is what the worker reads and records of invoices.
type Invoices interface {
	Get(ctx context.Context, id domain.InvoiceID) (*domain.Invoice, error)
	Update(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error)
}

// Options tune a worker; zero values take the defaults.
type Options struct {
	ID          string        // names this instance in leases
	Lease       time.Duration // how long a claim lasts (default 30s)
	Poll        time.Duration // idle wait between claims (default 1s)
	ClaimLimit  int           // rows per claim (default 500)
	MaxAttempts int           // then the row fails (default 20)
	MaxAge      time.Duration // a row older than this fails on its next error (default 24h)
	Now         func() time.Time
	// Backoff is the wait before retry n (0-based); default doubles from
	// 1s to 10m with jitter.
	Backoff func(n int) time.Duration
	// Busy is the wait before a row whose invoice another writer holds is
	// tried again (default 250ms).
	Busy time.Duration
}

// Worker delivers the outbox.
type Worker struct {
	queue    Queue
	invoices Invoices
	channels app.Channels
	fence    *app.Fence
	opts     Options
	wake     chan struct{}
}

// New returns a worker.
func New(queue Queue, invoices Invoices, channels app.Channels, fence *app.Fence, opts Options) *Worker {
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.ClaimLimit <= 0 {
		opts.ClaimLimit = 500
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 20
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
	if opts.Busy <= 0 {
		opts.Busy = 250 * time.Millisecond
	}
	if opts.ID == "" {
		opts.ID = fmt.Sprintf("worker-%08x", rand.Uint32())
	}
	return &Worker{queue: queue, invoices: invoices, channels: channels, fence: fence, opts: opts, wake: make(chan struct{}, 1)}
}

// Wake makes an idle worker look at the queue now, so a decision reaches
// WeChat in milliseconds rather than at the next poll.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	return Poll(ctx, "outbox", w.RunOnce, w.opts.ClaimLimit, w.wake, w.opts.Poll)
}

// RunOnce claims due rows, delivers them and returns how many it handled.
//
// Delivery follows the ordered write path (DECISIONS 31): the worker takes
// the invoices' write claims first and only then compares each row's
// generation with the invoice's, so a row overtaken by a newer decision is
// dropped, and a newer decision's write cannot reach WeChat before this
// one is answered. A row whose invoice another writer holds waits a moment.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	items, err := w.queue.Claim(ctx, w.opts.ID, w.opts.Now(), w.opts.Lease, w.opts.ClaimLimit)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	// A round of 500 rows may outlast the lease: renew it while sending.
	// One claim's items share its token.
	rowIDs := make([]int64, len(items))
	for i, it := range items {
		rowIDs[i] = it.ID
	}
	kept := Keep(ctx, w.opts.Lease, func(ctx context.Context) ([]int64, error) {
		return w.queue.Renew(ctx, items[0].Lease, rowIDs, w.opts.Now(), w.opts.Lease)
	})
	defer kept.Stop()
	items = w.newestPerInvoice(ctx, items)
	ids := make([]domain.InvoiceID, len(items))
	for i, it := range items {
		ids[i] = it.InvoiceID
	}
	hold, busy, err := w.fence.TryHold(ctx, ids)
	if err != nil {
		for _, it := range items {
			w.postpone(ctx, it)
		}
		return len(items), err
	}
	defer hold.Release(ctx)

	type groupKey struct {
		channel domain.Channel
		openid  string
		target  domain.WeChatStatus
	}
	groups := map[groupKey][]app.OutboxItem{}
	var order []groupKey
	for _, it := range items {
		if slices.Contains(busy, it.InvoiceID) {
			w.postpone(ctx, it)
			continue
		}
		// Read under the claim: a decision committed before this read is
		// seen; one committed after it waits for the claim.
		inv, err := w.invoices.Get(ctx, it.InvoiceID)
		if errors.Is(err, domain.ErrNotFound) || err == nil && inv.StatusGeneration() > it.Generation {
			// A newer decision overtook this one (DECISIONS 7).
			w.finish(ctx, it, app.OutboxAttempt{State: app.OutboxSuperseded})
			continue
		}
		if err != nil {
			w.postpone(ctx, it)
			continue
		}
		if inv.Status() == domain.StatusCancel && it.Target == domain.StatusInit {
			// Red-flushed by the issuer: nothing is left to release.
			w.finish(ctx, it, app.OutboxAttempt{State: app.OutboxDone, Message: "the invoice was cancelled (红冲) in WeChat; nothing to unlock"})
			continue
		}
		k := groupKey{it.Channel, it.OpenID, it.Target}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], it)
	}
	for _, k := range order {
		var held []app.OutboxItem
		for _, it := range groups[k] {
			switch {
			case !kept.Held(it.ID):
				// Another worker may hold the row now: not ours to send.
				slog.WarnContext(ctx, "outbox claim lost, not sending", "outbox_id", it.ID, "invoice", it.InvoiceID)
			case !hold.Holds(it.InvoiceID):
				// The invoice's write claim was lost during a long round.
				w.postpone(ctx, it)
			default:
				held = append(held, it)
			}
		}
		if len(held) > 0 {
			w.deliverGroup(ctx, k.channel, k.openid, k.target, held)
		}
	}
	return len(items), nil
}

// newestPerInvoice keeps one row per invoice, the newest generation's; the
// others are superseded.
func (w *Worker) newestPerInvoice(ctx context.Context, items []app.OutboxItem) []app.OutboxItem {
	newest := map[domain.InvoiceID]int{}
	var out []app.OutboxItem
	for _, it := range items {
		i, seen := newest[it.InvoiceID]
		switch {
		case !seen:
			newest[it.InvoiceID] = len(out)
			out = append(out, it)
		case it.Generation >= out[i].Generation:
			w.finish(ctx, out[i], app.OutboxAttempt{State: app.OutboxSuperseded})
			out[i] = it
		default:
			w.finish(ctx, it, app.OutboxAttempt{State: app.OutboxSuperseded})
		}
	}
	return out
}

// postpone gives a row back, due again shortly, without counting an
// attempt: another writer holds its invoice.
func (w *Worker) postpone(ctx context.Context, it app.OutboxItem) {
	w.finish(ctx, it, app.OutboxAttempt{State: app.OutboxPending, Next: w.opts.Now().Add(w.opts.Busy)})
}

func (w *Worker) deliverGroup(ctx context.Context, ch domain.Channel, openid string, target domain.WeChatStatus, items []app.OutboxItem) {
	wc, err := w.channels.Get(ch)
	if err != nil {
		for _, it := range items {
			w.retry(ctx, it, app.OutboxAttempt{Message: "channel not configured: " + string(ch)})
		}
		return
	}
	refs := make([]app.CardRef, len(items))
	for i, it := range items {
		refs[i] = it.Ref
	}
	start := time.Now()
	err = wc.SetStatusBatch(ctx, openid, target, refs)
	took := time.Since(start)
	if err == nil {
		for _, it := range items {
			w.delivered(ctx, it, target, took)
		}
		return
	}
	var we *app.WeChatError
	if errors.As(err, &we) && we.Kind == app.Retryable {
		for _, it := range items {
			w.retry(ctx, it, attemptOf(we, took))
		}
		return
	}
	// The batch names no culprit, or may have happened: settle each alone.
	for _, it := range items {
		w.deliverOne(ctx, wc, it)
	}
}

func attemptOf(we *app.WeChatError, took time.Duration) app.OutboxAttempt {
	return app.OutboxAttempt{Errcode: we.Errcode, Message: we.Error(), Latency: took}
}

// deliverOne sends one change; when WeChat refuses or the outcome is
// unknown it re-reads the invoice and decides from what WeChat holds.
func (w *Worker) deliverOne(ctx context.Context, wc app.WeChat, it app.OutboxItem) {
	start := time.Now()
	err := wc.SetStatus(ctx, it.Ref, it.Target)
	took := time.Since(start)
	if err == nil {
		w.delivered(ctx, it, it.Target, took)
		return
	}
	var we *app.WeChatError
	if !errors.As(err, &we) {
		w.retry(ctx, it, app.OutboxAttempt{Message: err.Error(), Latency: took})
		return
	}
	a := attemptOf(we, took)
	switch we.Kind {
	case app.Retryable:
		w.retry(ctx, it, a)
		return
	case app.Misconfigured:
		// No retry helps a bad secret; an admin retries once it is fixed.
		w.fail(ctx, it, a)
		return
	}
	cur, rerr := wc.Invoice(ctx, it.Ref)
	if rerr != nil {
		w.retry(ctx, it, a)
		return
	}
	switch {
	case cur.Status == it.Target:
		// Already there: an earlier attempt whose answer was lost.
		w.delivered(ctx, it, it.Target, took)
	case cur.Status == domain.StatusCancel && it.Target == domain.StatusInit:
		// Red-flushed by the issuer: released for good, nothing to unlock.
		w.record(ctx, it, domain.StatusCancel)
		w.finish(ctx, it, app.OutboxAttempt{State: app.OutboxDone, Errcode: a.Errcode, Message: "the invoice was cancelled (红冲) in WeChat; nothing to unlock", Latency: took})
	case cur.Status == domain.StatusCancel:
		w.record(ctx, it, domain.StatusCancel)
		a.Message = "the invoice was cancelled (红冲) in WeChat"
		w.fail(ctx, it, a)
	case cur.Status == domain.StatusClosure:
		w.record(ctx, it, domain.StatusClosure)
		a.Message = "the invoice is already reimbursed (CLOSURE) in WeChat and cannot change"
		w.fail(ctx, it, a)
	case it.Target == domain.StatusClosure && cur.Status == domain.StatusInit:
		// 72039: a closure needs a lock first (the lock was lost or undone).
		if err := wc.SetStatus(ctx, it.Ref, domain.StatusLock); err != nil {
			a.Message = "lock before closure: " + err.Error()
			w.retry(ctx, it, a)
			return
		}
		if err := wc.SetStatus(ctx, it.Ref, domain.StatusClosure); err != nil {
			a.Message = "closure after lock: " + err.Error()
			w.retry(ctx, it, a)
			return
		}
		w.delivered(ctx, it, domain.StatusClosure, time.Since(start))
	case we.Kind == app.Refused:
		w.fail(ctx, it, a)
	default:
		w.retry(ctx, it, a)
	}
}

func (w *Worker) delivered(ctx context.Context, it app.OutboxItem, status domain.WeChatStatus, took time.Duration) {
	w.record(ctx, it, status)
	w.finish(ctx, it, app.OutboxAttempt{State: app.OutboxDone, Latency: took})
}

// record notes WeChat's status on the invoice unless a newer decision is
// already under way for it.
func (w *Worker) record(ctx context.Context, it app.OutboxItem, status domain.WeChatStatus) {
	_, err := w.invoices.Update(ctx, it.InvoiceID, func(inv *domain.Invoice) error {
		if inv.StatusGeneration() == it.Generation || status.Final() {
			inv.RecordWeChatStatus(status, w.opts.Now())
		}
		return nil
	})
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		slog.ErrorContext(ctx, "record WeChat status", "invoice", it.InvoiceID, "err", err)
	}
}

// retry schedules another attempt, or fails the row once it is out of
// attempts or too old.
func (w *Worker) retry(ctx context.Context, it app.OutboxItem, a app.OutboxAttempt) {
	now := w.opts.Now()
	if it.Attempts+1 >= w.opts.MaxAttempts || now.Sub(it.CreatedAt) > w.opts.MaxAge {
		w.fail(ctx, it, a)
		return
	}
	a.State, a.Next = app.OutboxPending, now.Add(w.opts.Backoff(it.Attempts))
	w.finish(ctx, it, a)
}

func (w *Worker) fail(ctx context.Context, it app.OutboxItem, a app.OutboxAttempt) {
	slog.WarnContext(ctx, "outbox change failed for good", "outbox_id", it.ID, "invoice", it.InvoiceID, "target", it.Target, "errcode", a.Errcode)
	a.State = app.OutboxFailed
	w.finish(ctx, it, a)
}

func (w *Worker) finish(ctx context.Context, it app.OutboxItem, a app.OutboxAttempt) {
	// Finish even if ctx is ending: WeChat has already been told.
	err := w.queue.Finish(context.WithoutCancel(ctx), it.ID, it.Lease, a, w.opts.Now())
	switch {
	case errors.Is(err, app.ErrClaimLost):
		// Another worker holds the row now, or a newer decision superseded
		// it: the result is theirs to record, not ours to retry.
		slog.WarnContext(ctx, "outbox claim lost before finish", "outbox_id", it.ID, "invoice", it.InvoiceID, "state", a.State, "err", err)
	case err != nil:
		slog.ErrorContext(ctx, "finish outbox row", "outbox_id", it.ID, "err", err)
	}
}

// backoff doubles from 1s up to 10m; half is random so instances don't
// retry in step.
func backoff(n int) time.Duration {
	d := min(time.Second<<min(n, 10), 10*time.Minute)
	return d/2 + rand.N(d/2)
}

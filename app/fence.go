package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// WriteClaims are the per-invoice write claims: whoever sends an invoice's
// status to WeChat holds its claim for the call. Acquire answers what it
// got; Renew and Release answer the claims the owner had lost.
type WriteClaims interface {
	Acquire(ctx context.Context, ids []domain.InvoiceID, owner string, now time.Time, ttl time.Duration) ([]domain.InvoiceID, error)
	Renew(ctx context.Context, ids []domain.InvoiceID, owner string, until time.Time) ([]domain.InvoiceID, error)
	Release(ctx context.Context, ids []domain.InvoiceID, owner string) ([]domain.InvoiceID, error)
}

// Fence orders every status write to WeChat per invoice (DECISIONS 31;
// the argument is in docs/status-sync.md). A writer — submit's lock and
// its compensation, the outbox worker, an ERP status call — holds the
// invoices' write claims while it calls WeChat, and checks the invoice's
// status generation only once it holds them: a newer decision's write
// then waits for the claim and lands after, never before. A claim that ran
// out while its holder was still sending (a stall longer than the claim)
// is found at release, and the invoice's newest target is queued again,
// so the last write WeChat sees is the newest one.
type Fence struct {
	claims WriteClaims
	tx     TxRunner
	clock  Clock
	name   string
	// TTL is how long a claim lasts unrenewed; it is renewed every TTL/3.
	TTL time.Duration
	// Wait is how long a synchronous writer (submit, ERP) waits for claims
	// another writer holds before it gives up with wechat.unavailable.
	Wait   time.Duration
	queued func()
	busy   func()
}

// NewFence returns the write path's fence; name identifies the instance
// in claims (it is shortened to fit).
func NewFence(claims WriteClaims, tx TxRunner, clock Clock, name string) *Fence {
	return &Fence{claims: claims, tx: tx, clock: clock, name: name, TTL: 30 * time.Second, Wait: 5 * time.Second}
}

// OnQueued registers fn to run after a corrective write was queued.
func (f *Fence) OnQueued(fn func()) { f.queued = fn }

// OnBusy registers fn to run each time HoldAll finds a claim another
// writer holds, before it waits: tests know then that a writer is
// waiting, instead of guessing from how long it has not finished. Set it
// before the fence is used.
func (f *Fence) OnBusy(fn func()) { f.busy = fn }

// ErrWriteBusy answers a synchronous writer that could not get the claims.
var ErrWriteBusy = domain.ErrWeChatUnavailable.WithMessage(
	"another change of these invoices is being sent to WeChat; nothing was changed, try again in a moment")

// claimOwner is bounded to 64 bytes (the column): 40 of the name, "/",
// 16 hex characters of randomness.
func claimOwner(name string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	if len(name) > 40 {
		name = name[:40]
		for !utf8.ValidString(name) {
			name = name[:len(name)-1]
		}
	}
	return name + "/" + hex.EncodeToString(b[:])
}

// Hold is a set of invoices one writer holds the claims of. Claims are
// renewed in the background until Release.
type Hold struct {
	f     *Fence
	owner string
	ids   []domain.InvoiceID

	mu   sync.Mutex
	lost []domain.InvoiceID
	stop chan struct{}
	done chan struct{}
}

// TryHold claims what it can of ids now and answers the hold (possibly
// empty) and the invoices another writer holds.
func (f *Fence) TryHold(ctx context.Context, ids []domain.InvoiceID) (*Hold, []domain.InvoiceID, error) {
	ids = uniqueIDs(ids)
	owner := claimOwner(f.name)
	got, err := f.claims.Acquire(ctx, ids, owner, f.clock.Now(), f.TTL)
	if err != nil {
		return nil, nil, err
	}
	h := &Hold{f: f, owner: owner, ids: got, stop: make(chan struct{}), done: make(chan struct{})}
	go h.renew(context.WithoutCancel(ctx))
	var busy []domain.InvoiceID
	for _, id := range ids {
		if !slices.Contains(got, id) {
			busy = append(busy, id)
		}
	}
	return h, busy, nil
}

// HoldAll claims every one of ids, waiting up to f.Wait for claims other
// writers hold; it answers ErrWriteBusy if they are not all free by then.
func (f *Fence) HoldAll(ctx context.Context, ids []domain.InvoiceID) (*Hold, error) {
	ids = uniqueIDs(ids)
	owner := claimOwner(f.name)
	deadline := time.Now().Add(f.Wait)
	for pause := 10 * time.Millisecond; ; pause = min(pause*2, 200*time.Millisecond) {
		got, err := f.claims.Acquire(ctx, ids, owner, f.clock.Now(), f.TTL)
		if err != nil {
			return nil, err
		}
		if len(got) == len(ids) {
			h := &Hold{f: f, owner: owner, ids: got, stop: make(chan struct{}), done: make(chan struct{})}
			go h.renew(context.WithoutCancel(ctx))
			return h, nil
		}
		if f.busy != nil {
			f.busy()
		}
		if time.Now().Add(pause).After(deadline) {
			// Give back the part we got: holding it would stall the others.
			if _, err := f.claims.Release(context.WithoutCancel(ctx), got, owner); err != nil {
				slog.ErrorContext(ctx, "release WeChat write claims", "err", err)
			}
			return nil, ErrWriteBusy
		}
		select {
		case <-ctx.Done():
			_, _ = f.claims.Release(context.WithoutCancel(ctx), got, owner)
			return nil, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// Holds reports whether id is held and its claim was not found lost.
func (h *Hold) Holds(id domain.InvoiceID) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Contains(h.ids, id) && !slices.Contains(h.lost, id)
}

func (h *Hold) renew(ctx context.Context) {
	defer close(h.done)
	if len(h.ids) == 0 {
		<-h.stop
		return
	}
	t := time.NewTicker(h.f.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		lost, err := h.f.claims.Renew(ctx, h.ids, h.owner, h.f.clock.Now().Add(h.f.TTL))
		if err != nil {
			slog.ErrorContext(ctx, "renew WeChat write claims", "err", err)
			continue
		}
		if len(lost) > 0 {
			h.mu.Lock()
			for _, id := range lost {
				if !slices.Contains(h.lost, id) {
					h.lost = append(h.lost, id)
				}
			}
			h.mu.Unlock()
		}
	}
}

// Release gives the claims back. Where a claim was lost while held —
// another writer may have written in between, in either order — the
// invoice's newest target is queued again at its current generation.
func (h *Hold) Release(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	close(h.stop)
	<-h.done
	lost, err := h.f.claims.Release(ctx, h.ids, h.owner)
	if err != nil {
		// The claims run out on their own; the writes were made under them.
		slog.ErrorContext(ctx, "release WeChat write claims", "err", err)
		return
	}
	if len(lost) == 0 {
		return
	}
	slog.WarnContext(ctx, "WeChat write claims were lost while sending; queueing the newest targets again", "invoices", len(lost))
	if err := h.f.Reassert(ctx, lost); err != nil {
		slog.ErrorContext(ctx, "queue corrective WeChat writes", "err", err)
	}
}

// Reassert queues a write of each invoice's newest target (superseding
// what is pending for it), so that target is the last write WeChat sees.
// It is a decision of its own, a new generation with the same target: a
// writer in flight with the claims now (a submit between its lock and its
// commit) then sees that someone wrote behind it, and queues its write
// instead of recording it as what WeChat holds. Invoices with no
// decision, or whose final status is already recorded, are left alone.
func (f *Fence) Reassert(ctx context.Context, ids []domain.InvoiceID) error {
	queued := false
	err := f.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		queued = false
		var changes []StatusChange
		for _, id := range ids {
			inv, err := tx.Invoices.Get(ctx, id)
			if errors.Is(err, domain.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if inv.StatusGeneration() == 0 || inv.Status().Final() || inv.Channel() == "" {
				continue
			}
			if inv, err = tx.Invoices.Update(ctx, id, func(inv *domain.Invoice) error {
				_, err := inv.RequestStatus(inv.Target(), f.clock.Now())
				return err
			}); err != nil {
				return err
			}
			changes = append(changes, changeOf(inv, inv.Target()))
		}
		queued = len(changes) > 0
		return tx.Outbox.Enqueue(ctx, changes, f.clock.Now())
	})
	if err == nil && queued && f.queued != nil {
		f.queued()
	}
	return err
}

// changeOf is the outbox change moving inv to target at its current
// generation.
func changeOf(inv *domain.Invoice, target domain.WeChatStatus) StatusChange {
	f := inv.Facts()
	return StatusChange{
		InvoiceID: inv.ID(), ReportID: inv.ReportID(), Channel: f.Channel, OpenID: f.OwnerOpenID,
		Ref: CardRef{CardID: f.CardID, EncryptCode: f.EncryptCode}, Target: target,
		Generation: inv.StatusGeneration(),
	}
}

func uniqueIDs(ids []domain.InvoiceID) []domain.InvoiceID {
	out := make([]domain.InvoiceID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

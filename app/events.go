package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// InvoiceEvent is WeChat's update_invoice_status push.
type InvoiceEvent struct {
	Channel    domain.Channel
	OpenID     string // FromUserName: the wallet owner
	CreateTime int64
	CardID     string
	Code       string // the plain code, which our stored invoices do not carry
	Status     string
}

// EventLog remembers applied events.
type EventLog interface {
	Seen(ctx context.Context, key string) (bool, error)
	Record(ctx context.Context, key string, now time.Time) error
}

// InvoicesByCard finds and records invoices named by an event.
type InvoicesByCard interface {
	ByCardAndOwner(ctx context.Context, ch domain.Channel, cardID, openid string) ([]*domain.Invoice, error)
	Get(ctx context.Context, id domain.InvoiceID) (*domain.Invoice, error)
	Update(ctx context.Context, id domain.InvoiceID, fn func(*domain.Invoice) error) (*domain.Invoice, error)
}

// Events applies WeChat's event pushes.
type Events struct {
	log      EventLog
	invoices InvoicesByCard
	channels Channels
	clock    Clock
	tx       TxRunner // set by PublishIn: status changes queue webhook events
	fence    *Fence   // set by OrderWith: re-reads hold the write claim
	notifier Notifier // set by NotifyWith
}

// OrderWith makes re-reads hold the invoices' write claims, ordered with
// every status write (DECISIONS 31).
func (e *Events) OrderWith(f *Fence) { e.fence = f }

// NewEvents returns the event handler.
func NewEvents(log EventLog, invoices InvoicesByCard, channels Channels, clock Clock) *Events {
	return &Events{log: log, invoices: invoices, channels: channels, clock: clock}
}

// key de-duplicates WeChat's retries. FromUserName+CreateTime alone is not
// enough: one batch update emits several events in the same second.
func (ev InvoiceEvent) key() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s\x00%s\x00%s", ev.Channel, ev.OpenID, ev.CreateTime, ev.CardID, ev.Code, ev.Status))
	return hex.EncodeToString(h[:])
}

// InvoiceStatusChanged applies an update_invoice_status event. The event's
// Code is the plain code, so the invoices of that card in that wallet are
// re-read from WeChat and what WeChat says now is recorded. A CANCEL then
// blocks approval of a report holding the invoice.
func (e *Events) InvoiceStatusChanged(ctx context.Context, ev InvoiceEvent) error {
	key := ev.key()
	if seen, err := e.log.Seen(ctx, key); err != nil || seen {
		return err
	}
	wc, err := e.channels.Get(ev.Channel)
	if err != nil {
		return err
	}
	invs, err := e.invoices.ByCardAndOwner(ctx, ev.Channel, ev.CardID, ev.OpenID)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if err := e.reread(ctx, wc, inv.ID()); err != nil {
			return err
		}
	}
	return e.log.Record(ctx, key, e.clock.Now())
}

// reread reads one invoice from WeChat and records what it says. The read
// holds the invoice's write claim (DECISIONS 31), so no write of ours is in
// flight while it reads and records. Where another writer holds the
// invoice, only a final status (CANCEL, CLOSURE) is recorded: that writer
// records what it wrote, but a cancellation is the issuer's and must not
// be missed. The record moves only if no decision came after the read
// began.
func (e *Events) reread(ctx context.Context, wc WeChat, id domain.InvoiceID) error {
	onlyFinal := false
	if e.fence != nil {
		hold, busy, err := e.fence.TryHold(ctx, []domain.InvoiceID{id})
		if err != nil {
			return err
		}
		defer hold.Release(ctx)
		onlyFinal = len(busy) > 0
	}
	inv, err := e.invoices.Get(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	f := inv.Facts()
	cur, err := wc.Invoice(ctx, CardRef{CardID: f.CardID, EncryptCode: f.EncryptCode})
	if err != nil {
		// WeChat will push again; reconciliation catches the rest.
		return fmt.Errorf("re-read invoice %s after event: %w", inv.ID(), err)
	}
	if cur.Status == inv.Status() || onlyFinal && !cur.Status.Final() {
		return nil
	}
	if err := e.recordStatus(ctx, inv.ID(), cur.Status, inv.StatusGeneration()); err != nil {
		return err
	}
	slog.InfoContext(ctx, "invoice status changed in WeChat", "invoice", inv.ID(), "status", cur.Status)
	return nil
}

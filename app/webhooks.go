package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/domain"
)

// The outbound webhook events.
const (
	EventReportSubmitted  = "report.submitted"
	EventReportApproved   = "report.approved"
	EventReportRejected   = "report.rejected"
	EventReportWithdrawn  = "report.withdrawn"
	EventInvoiceCancelled = "invoice.cancelled"
	EventSyncFailed       = "sync.failed"
	// EventReportPaid: a cashier recorded the report's payment (issue 17).
	EventReportPaid = "report.paid"
)

// WebhookEventTypes lists every event an endpoint may subscribe to.
var WebhookEventTypes = []string{
	EventReportSubmitted, EventReportApproved, EventReportRejected, EventReportWithdrawn,
	EventInvoiceCancelled, EventSyncFailed, EventReportPaid,
}

// WebhookEvent is something that happened, as sent to endpoints:
// {"id","type","created_at","data"}.
type WebhookEvent struct {
	ID   string
	Type string
	At   time.Time
	Data map[string]any
}

// WebhookQueue queues an event for every endpoint that wants it, in the
// transaction that made the event (Repos.Webhooks).
type WebhookQueue interface {
	Publish(ctx context.Context, ev WebhookEvent) error
}

// WebhookEndpoint is a URL that receives events, signed with its secret.
type WebhookEndpoint struct {
	ID           string
	URL          string
	Events       []string // empty: every event
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	SealedSecret string
}

// Wants reports whether the endpoint subscribes to an event type.
func (e WebhookEndpoint) Wants(eventType string) bool {
	return e.Active && (len(e.Events) == 0 || slices.Contains(e.Events, eventType))
}

// WebhookState is where a delivery is.
type WebhookState string

// The delivery states.
const (
	WebhookPending WebhookState = "pending"
	WebhookDone    WebhookState = "done"
	WebhookFailed  WebhookState = "failed"
)

// WebhookDelivery is one event on its way to one endpoint.
type WebhookDelivery struct {
	ID            int64
	EndpointID    string
	EventID       string
	EventType     string
	Payload       []byte // the JSON body sent
	State         WebhookState
	Attempts      int
	NextAttemptAt time.Time
	LastStatus    int // the receiver's last HTTP status; 0 when none came
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeliveredAt   time.Time
	Lease         string // the claim token; set on claimed deliveries only
}

// WebhookAttempt is the outcome of one delivery attempt: done and failed
// end the delivery; pending schedules a retry at Next.
type WebhookAttempt struct {
	State  WebhookState
	Next   time.Time
	Status int
	Error  string
}

// WebhookStore keeps endpoints and what admins see of deliveries.
type WebhookStore interface {
	AddEndpoint(ctx context.Context, e WebhookEndpoint) error
	Endpoints(ctx context.Context) ([]WebhookEndpoint, error)
	Endpoint(ctx context.Context, id string) (WebhookEndpoint, error)
	DisableEndpoint(ctx context.Context, id string, now time.Time) error
	Deliveries(ctx context.Context, state WebhookState, before int64, limit int) ([]WebhookDelivery, error)
	RequeueDelivery(ctx context.Context, id int64, now time.Time) error
}

// Webhooks lets admins configure endpoints and watch and retry deliveries.
type Webhooks struct {
	store     WebhookStore
	sealer    Sealer
	employees EmployeeDirectory
	clock     Clock
	requeued  func()
	targets   *WebhookTargets // nil: public addresses only
}

// RestrictTargets sets the operator's allow-list of webhook hosts; until
// then (or with nil) endpoints may point at public addresses only.
func (w *Webhooks) RestrictTargets(t *WebhookTargets) { w.targets = t }

// NewWebhooks returns the webhook admin service; requeued (may be nil)
// runs after a retry, e.g. to wake the delivery worker.
func NewWebhooks(store WebhookStore, sealer Sealer, employees EmployeeDirectory, clock Clock, requeued func()) *Webhooks {
	return &Webhooks{store: store, sealer: sealer, employees: employees, clock: clock, requeued: requeued}
}

func (w *Webhooks) admin(ctx context.Context, by domain.EmployeeID) error {
	e, err := w.employees.Get(ctx, by)
	if err != nil || !e.Active() {
		return domain.ErrAuthRequired
	}
	if !e.HasRole(domain.RoleAdmin) {
		return domain.ErrForbidden.WithMessage("administrators only")
	}
	return nil
}

func webhookAAD(id string) string { return "webhook_endpoints:" + id }

// AddEndpoint registers a URL for events (none: all of them) and returns
// its signing secret, shown this once.
func (w *Webhooks) AddEndpoint(ctx context.Context, by domain.EmployeeID, rawURL string, events []string) (WebhookEndpoint, string, error) {
	if err := w.admin(ctx, by); err != nil {
		return WebhookEndpoint{}, "", err
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(rawURL) > 1000 {
		return WebhookEndpoint{}, "", domain.Invalid("url", "must be an absolute http or https URL of at most 1000 characters")
	}
	if err := w.targets.check(ctx, u.Hostname()); err != nil {
		return WebhookEndpoint{}, "", err
	}
	var evs []string
	for _, ev := range events {
		if !slices.Contains(WebhookEventTypes, ev) {
			return WebhookEndpoint{}, "", domain.Invalid("events", "unknown event "+strconv.Quote(ev)+"; known: "+strings.Join(WebhookEventTypes, ", "))
		}
		if !slices.Contains(evs, ev) {
			evs = append(evs, ev)
		}
	}
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	now := w.clock.Now()
	e := WebhookEndpoint{ID: "whk_" + hex.EncodeToString(b), URL: u.String(), Events: evs, Active: true, CreatedAt: now, UpdatedAt: now}
	secret := "whsec_" + randomText(32)
	if e.SealedSecret, err = w.sealer.Seal(secret, webhookAAD(e.ID)); err != nil {
		return WebhookEndpoint{}, "", err
	}
	if err := w.store.AddEndpoint(ctx, e); err != nil {
		return WebhookEndpoint{}, "", err
	}
	return e, secret, nil
}

// Endpoints lists the endpoints, removed ones too.
func (w *Webhooks) Endpoints(ctx context.Context, by domain.EmployeeID) ([]WebhookEndpoint, error) {
	if err := w.admin(ctx, by); err != nil {
		return nil, err
	}
	return w.store.Endpoints(ctx)
}

// RemoveEndpoint stops sending to an endpoint; its undelivered events
// fail on their next attempt.
func (w *Webhooks) RemoveEndpoint(ctx context.Context, by domain.EmployeeID, id string) error {
	if err := w.admin(ctx, by); err != nil {
		return err
	}
	return w.store.DisableEndpoint(ctx, id, w.clock.Now())
}

// Deliveries lists deliveries in a state ("" for all), newest first.
func (w *Webhooks) Deliveries(ctx context.Context, by domain.EmployeeID, state string, before int64, limit int) ([]WebhookDelivery, error) {
	if err := w.admin(ctx, by); err != nil {
		return nil, err
	}
	switch WebhookState(state) {
	case "", WebhookPending, WebhookDone, WebhookFailed:
	default:
		return nil, domain.Invalid("state", "must be pending, done or failed")
	}
	return w.store.Deliveries(ctx, WebhookState(state), before, limit)
}

// Retry puts a failed delivery back in the queue, due now.
func (w *Webhooks) Retry(ctx context.Context, by domain.EmployeeID, id int64) error {
	if err := w.admin(ctx, by); err != nil {
		return err
	}
	if err := w.store.RequeueDelivery(ctx, id, w.clock.Now()); err != nil {
		return err
	}
	if w.requeued != nil {
		w.requeued()
	}
	return nil
}

// OpenSecret is an endpoint's signing secret, for the delivery worker.
func (w *Webhooks) OpenSecret(e WebhookEndpoint) (string, error) {
	return w.sealer.Open(e.SealedSecret, webhookAAD(e.ID))
}

// WebhookSignature signs a delivery: lowercase hex HMAC-SHA256(secret,
// "<unix timestamp>.<body>"). The X-Baoxiao-Webhook-Signature header
// carries it as "t=<timestamp>,v1=<signature>".
func WebhookSignature(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

func newEventID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "evt_" + hex.EncodeToString(b)
}

// publish queues ev in tx's transaction; without a webhook queue (tests
// of the bare workflow) it does nothing.
func publish(ctx context.Context, tx Repos, ev WebhookEvent) error {
	if tx.Webhooks == nil {
		return nil
	}
	return tx.Webhooks.Publish(ctx, ev)
}

// reportEvent is report.<status> for a report that just moved.
func reportEvent(r *domain.Report, now time.Time) WebhookEvent {
	ids := make([]string, 0, len(r.InvoiceIDs()))
	for _, id := range r.InvoiceIDs() {
		ids = append(ids, string(id))
	}
	return WebhookEvent{ID: newEventID(), Type: "report." + string(r.Status()), At: now, Data: map[string]any{
		"report": map[string]any{
			"id": string(r.ID()), "number": r.Number(), "title": r.Title(), "status": string(r.Status()),
			"employee_id": string(r.EmployeeID()), "approver_id": string(r.ApproverOfRecord()),
			"total": r.Total().String(), "invoice_ids": ids,
		},
	}}
}

// ReportEvent is report.<status> for a report that just moved, for the
// capabilities in their own packages (payment's report.paid).
func ReportEvent(r *domain.Report, now time.Time) WebhookEvent { return reportEvent(r, now) }

func invoiceCancelledEvent(inv *domain.Invoice, now time.Time) WebhookEvent {
	id := inv.BusinessID()
	var report any
	if inv.ReportID() != "" {
		report = string(inv.ReportID())
	}
	return WebhookEvent{ID: newEventID(), Type: EventInvoiceCancelled, At: now, Data: map[string]any{
		"invoice": map[string]any{
			"id": string(inv.ID()), "invoice_code": id.Code, "invoice_number": id.Number,
			"owner_id": string(inv.OwnerID()), "report_id": report, "amount": inv.Amount().String(),
		},
	}}
}

// SyncFailedEvent is sync.failed: WeChat was not told a decision about an
// invoice, for good (the outbox row failed; an admin may retry it).
func SyncFailedEvent(it OutboxItem, errcode int, msg string, now time.Time) WebhookEvent {
	var report any
	if it.ReportID != "" {
		report = string(it.ReportID)
	}
	return WebhookEvent{ID: newEventID(), Type: EventSyncFailed, At: now, Data: map[string]any{
		"outbox_id": it.ID, "invoice_id": string(it.InvoiceID), "report_id": report,
		"target_status": string(it.Target), "errcode": errcode, "error": msg,
	}}
}

// PublishIn makes Events record status changes in a transaction of tx
// that also queues invoice.cancelled when WeChat says CANCEL.
func (e *Events) PublishIn(tx TxRunner) { e.tx = tx }

// recordStatus records what WeChat says of an invoice now.
// gen is the invoice's generation when the read began: a read older than
// the newest decision does not move the record (final statuses aside).
func (e *Events) recordStatus(ctx context.Context, id domain.InvoiceID, status domain.WeChatStatus, gen int64) error {
	var was domain.WeChatStatus
	apply := func(inv *domain.Invoice) error {
		was = inv.Status()
		inv.RecordObservedStatus(status, gen, e.clock.Now())
		return nil
	}
	if e.tx == nil {
		_, err := e.invoices.Update(ctx, id, apply)
		return err
	}
	return e.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		inv, err := tx.Invoices.Update(ctx, id, apply)
		if err != nil || status != domain.StatusCancel || was == domain.StatusCancel {
			return err
		}
		if err := notifyCancelled(ctx, e.notifier, tx, inv, e.clock.Now()); err != nil {
			return err
		}
		return publish(ctx, tx, invoiceCancelledEvent(inv, e.clock.Now()))
	})
}

// recordCancelled records a CANCEL found by approval's re-read, with its
// invoice.cancelled event in the same transaction.
func (s *Reports) recordCancelled(ctx context.Context, id domain.InvoiceID) error {
	return s.tx.InTx(ctx, func(ctx context.Context, tx Repos) error {
		var was domain.WeChatStatus
		inv, err := tx.Invoices.Update(ctx, id, func(inv *domain.Invoice) error {
			was = inv.Status()
			return inv.ApplyStatus(domain.StatusCancel, s.clock.Now())
		})
		if err != nil || was == domain.StatusCancel {
			return err
		}
		if err := notifyCancelled(ctx, s.notifier, tx, inv, s.clock.Now()); err != nil {
			return err
		}
		return publish(ctx, tx, invoiceCancelledEvent(inv, s.clock.Now()))
	})
}

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store/lease"
)

// Webhooks stores webhook endpoints and their deliveries. Deliveries are
// queued in the transaction that makes the event (Publish on a Store bound
// to that transaction) and handed to workers by lease, like the outbox.
type Webhooks struct{ db bun.IDB }

// NewWebhooks returns the webhook store on db.
func NewWebhooks(db bun.IDB) *Webhooks { return &Webhooks{db: db} }

type endpointRow struct {
	bun.BaseModel `bun:"table:webhook_endpoints"`

	ID           string `bun:",pk"`
	URL          string `bun:"url"`
	Events       string
	SecretSealed string
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (r endpointRow) toApp() app.WebhookEndpoint {
	var evs []string
	if r.Events != "" {
		evs = strings.Split(r.Events, ",")
	}
	return app.WebhookEndpoint{
		ID: r.ID, URL: r.URL, Events: evs, Active: r.Active, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		SealedSecret: r.SecretSealed,
	}
}

type deliveryRow struct {
	bun.BaseModel `bun:"table:webhook_deliveries"`

	ID            int64 `bun:",pk,autoincrement"`
	EndpointID    string
	EventID       string
	EventType     string
	Payload       string
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time `bun:",nullzero"`
	LastStatus    int
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeliveredAt   time.Time `bun:",nullzero"`
}

func (r deliveryRow) toApp() app.WebhookDelivery {
	return app.WebhookDelivery{
		ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, EventType: r.EventType, Payload: []byte(r.Payload),
		State: app.WebhookState(r.State), Attempts: r.Attempts, NextAttemptAt: utc(r.NextAttemptAt),
		LastStatus: r.LastStatus, LastError: r.LastError, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		DeliveredAt: utc(r.DeliveredAt),
	}
}

// eventBody is the JSON every endpoint receives.
type eventBody struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	CreatedAt string         `json:"created_at"`
	Data      map[string]any `json:"data"`
}

// Publish queues ev for every active endpoint that subscribes to it.
func (s *Webhooks) Publish(ctx context.Context, ev app.WebhookEvent) error {
	var eps []endpointRow
	if err := s.db.NewSelect().Model(&eps).Where("active = ?", true).OrderExpr("id").Scan(ctx); err != nil {
		return fmt.Errorf("webhook endpoints: %w", err)
	}
	var rows []deliveryRow
	var payload []byte
	for _, ep := range eps {
		if !ep.toApp().Wants(ev.Type) {
			continue
		}
		if payload == nil {
			var err error
			payload, err = json.Marshal(eventBody{ID: ev.ID, Type: ev.Type, CreatedAt: ev.At.In(app.Shanghai).Format(time.RFC3339), Data: ev.Data})
			if err != nil {
				return fmt.Errorf("encode %s event: %w", ev.Type, err)
			}
		}
		now := ev.At.UTC()
		rows = append(rows, deliveryRow{
			EndpointID: ep.ID, EventID: ev.ID, EventType: ev.Type, Payload: string(payload),
			State: string(app.WebhookPending), NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
		})
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := s.db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("queue %s event: %w", ev.Type, err)
	}
	return nil
}

// AddEndpoint stores a new endpoint.
func (s *Webhooks) AddEndpoint(ctx context.Context, e app.WebhookEndpoint) error {
	row := endpointRow{
		ID: e.ID, URL: e.URL, Events: strings.Join(e.Events, ","), SecretSealed: e.SealedSecret, Active: e.Active,
		CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
	}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("add webhook endpoint: %w", err)
	}
	return nil
}

// Endpoints lists every endpoint, oldest first.
func (s *Webhooks) Endpoints(ctx context.Context) ([]app.WebhookEndpoint, error) {
	var rows []endpointRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	out := make([]app.WebhookEndpoint, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
	}
	return out, nil
}

// Endpoint loads one endpoint.
func (s *Webhooks) Endpoint(ctx context.Context, id string) (app.WebhookEndpoint, error) {
	var row endpointRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return app.WebhookEndpoint{}, notFound(err, "webhook endpoint "+id)
	}
	return row.toApp(), nil
}

// DisableEndpoint stops an endpoint.
func (s *Webhooks) DisableEndpoint(ctx context.Context, id string, now time.Time) error {
	res, err := s.db.NewUpdate().Model((*endpointRow)(nil)).Set("active = ?", false).Set("updated_at = ?", now.UTC()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("disable webhook endpoint %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Endpoint(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// deliveryQueue is the webhook deliveries' lease queue, the outbox's.
var deliveryQueue = lease.New("webhook_deliveries")

// Claim leases up to limit due deliveries to worker until now+d; the
// conditional update gives each row to one worker only (see Outbox.Claim).
func (s *Webhooks) Claim(ctx context.Context, worker string, now time.Time, d time.Duration, limit int) ([]app.WebhookDelivery, error) {
	rows, token, err := claimRows[deliveryRow](ctx, s.db, deliveryQueue, worker, now, d, limit)
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	out := make([]app.WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
		out[i].Lease = token
	}
	return out, nil
}

// Renew extends to now+d the lease of those of ids that the claim token
// still holds, and returns the others (see Outbox.Renew).
func (s *Webhooks) Renew(ctx context.Context, token string, ids []int64, now time.Time, d time.Duration) ([]int64, error) {
	var lost []int64
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		lost, err = deliveryQueue.Renew(ctx, tx, token, ids, now, d)
		return err
	})
	return lost, err
}

// Finish records one attempt on a claimed delivery, if the claim token
// (WebhookDelivery.Lease) still holds it; otherwise it changes nothing and returns
// app.ErrClaimLost. Every finish counts as an attempt, so a delivery that
// keeps failing before its call (its endpoint unreadable) still ends.
func (s *Webhooks) Finish(ctx context.Context, id int64, token string, a app.WebhookAttempt, now time.Time) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		return deliveryQueue.Finish(ctx, tx, id, token, webhookOutcome(a, now), now)
	})
}

func webhookOutcome(a app.WebhookAttempt, now time.Time) lease.Outcome {
	return lease.Outcome{
		State: string(a.State), Next: a.Next, Error: a.Error, Tried: true,
		Set: func(u *bun.UpdateQuery) *bun.UpdateQuery {
			u = u.Set("last_status = ?", a.Status)
			if a.State == app.WebhookDone {
				u = u.Set("delivered_at = ?", now.UTC())
			}
			return u
		},
	}
}

// Deliveries lists deliveries in a state ("" for all), newest first,
// before the cursor id.
func (s *Webhooks) Deliveries(ctx context.Context, state app.WebhookState, before int64, limit int) ([]app.WebhookDelivery, error) {
	rows, err := listQueue[deliveryRow](ctx, s.db, string(state), before, limit)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	out := make([]app.WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
	}
	return out, nil
}

// RequeueDelivery puts a failed delivery back to pending, due now.
func (s *Webhooks) RequeueDelivery(ctx context.Context, id int64, now time.Time) error {
	ok, err := requeueFailed(ctx, s.db, (*deliveryRow)(nil), id, now)
	if err != nil {
		return fmt.Errorf("requeue webhook delivery %d: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("webhook delivery %d: %w", id, domain.ErrNotFound.WithMessage("no failed webhook delivery with this id"))
	}
	return nil
}

var (
	_ app.WebhookQueue = (*Webhooks)(nil)
	_ app.WebhookStore = (*Webhooks)(nil)
)

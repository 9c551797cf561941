package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Admin endpoints of the outbound webhooks: endpoints (created with their
// signing secret, shown once) and deliveries (watched and retried).

type webhookHandler struct{ hooks *app.Webhooks }

func registerWebhookAdmin(signedIn fiber.Router, deps Deps) {
	if deps.Webhooks == nil {
		return
	}
	h := &webhookHandler{hooks: deps.Webhooks}
	signedIn.Get("/admin/webhooks", h.list)
	signedIn.Post("/admin/webhooks", h.create)
	signedIn.Delete("/admin/webhooks/:id", h.remove)
	signedIn.Get("/admin/webhooks/deliveries", h.deliveries)
	signedIn.Post("/admin/webhooks/deliveries/:id/retry", retryByID(h.hooks.Retry))
}

type webhookEndpointView struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"secret,omitempty"` // on creation only
}

func newWebhookEndpointView(e app.WebhookEndpoint) webhookEndpointView {
	evs := e.Events
	if len(evs) == 0 {
		evs = app.WebhookEventTypes
	}
	return webhookEndpointView{ID: e.ID, URL: e.URL, Events: evs, Active: e.Active, CreatedAt: e.CreatedAt.In(shanghai)}
}

type createWebhookRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

func (r *createWebhookRequest) validate() error {
	if r.URL == "" {
		return domain.Invalid("url", "required")
	}
	return nil
}

func (h *webhookHandler) create(c *fiber.Ctx) error {
	var req createWebhookRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, secret, err := h.hooks.AddEndpoint(c.UserContext(), currentSession(c).EmployeeID, req.URL, req.Events)
	if err != nil {
		return err
	}
	v := newWebhookEndpointView(e)
	v.Secret = secret
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(v)
}

func (h *webhookHandler) list(c *fiber.Ctx) error {
	eps, err := h.hooks.Endpoints(c.UserContext(), currentSession(c).EmployeeID)
	if err != nil {
		return err
	}
	v := listView[webhookEndpointView]{Items: make([]webhookEndpointView, len(eps))}
	for i, e := range eps {
		v.Items[i] = newWebhookEndpointView(e)
	}
	return c.JSON(v)
}

func (h *webhookHandler) remove(c *fiber.Ctx) error {
	// No body is expected: an empty one is {}, a malformed one is refused, not ignored.
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	if err := h.hooks.RemoveEndpoint(c.UserContext(), currentSession(c).EmployeeID, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type webhookDeliveryView struct {
	ID            int64      `json:"id"`
	EndpointID    string     `json:"endpoint_id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastStatus    int        `json:"last_status"`
	LastError     string     `json:"last_error"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
}

func (h *webhookHandler) deliveries(c *fiber.Ctx) error {
	after, limit, err := page(c)
	if err != nil {
		return err
	}
	var before int64
	if after != "" {
		if before, err = strconv.ParseInt(after, 10, 64); err != nil {
			return domain.Invalid("cursor", "is not a cursor this API gave out")
		}
	}
	ds, err := h.hooks.Deliveries(c.UserContext(), currentSession(c).EmployeeID, c.Query("state"), before, limit)
	if err != nil {
		return err
	}
	v := listView[webhookDeliveryView]{Items: make([]webhookDeliveryView, len(ds))}
	for i, d := range ds {
		v.Items[i] = webhookDeliveryView{
			ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType, State: string(d.State),
			Attempts: d.Attempts, NextAttemptAt: d.NextAttemptAt.In(shanghai), LastStatus: d.LastStatus, LastError: d.LastError,
			CreatedAt: d.CreatedAt.In(shanghai), UpdatedAt: d.UpdatedAt.In(shanghai), DeliveredAt: timePtr(d.DeliveredAt),
		}
	}
	if len(ds) > 0 {
		v.NextCursor = nextCursor(len(ds), limit, strconv.FormatInt(ds[len(ds)-1].ID, 10))
	}
	return c.JSON(v)
}

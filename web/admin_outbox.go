package web

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

type outboxHandler struct{ admin *app.OutboxAdmin }

type outboxView struct {
	ID            int64     `json:"id"`
	InvoiceID     string    `json:"invoice_id"`
	ReportID      string    `json:"report_id"`
	Channel       string    `json:"channel"`
	Target        string    `json:"target_status"`
	State         string    `json:"state"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func (h *outboxHandler) list(c *fiber.Ctx) error {
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
	items, err := h.admin.List(c.UserContext(), currentSession(c).EmployeeID, c.Query("state"), before, limit)
	if err != nil {
		return err
	}
	v := listView[outboxView]{Items: make([]outboxView, len(items))}
	for i, it := range items {
		v.Items[i] = outboxView{
			ID: it.ID, InvoiceID: string(it.InvoiceID), ReportID: string(it.ReportID), Channel: string(it.Channel),
			Target: string(it.Target), State: string(it.State), Attempts: it.Attempts,
			NextAttemptAt: it.NextAttemptAt.In(shanghai), LastError: it.LastError,
			CreatedAt: it.CreatedAt.In(shanghai), UpdatedAt: it.UpdatedAt.In(shanghai),
		}
	}
	if len(items) > 0 {
		v.NextCursor = nextCursor(len(items), limit, strconv.FormatInt(items[len(items)-1].ID, 10))
	}
	return c.JSON(v)
}

// retryByID is an admin's retry of a failed queue row (outbox or webhook
// delivery): the id in the path, no body.
func retryByID(retry func(ctx context.Context, by domain.EmployeeID, id int64) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		// No body is expected: an empty one is {}, a malformed one is refused, not ignored.
		if err := decodeJSON(c, &struct{}{}); err != nil {
			return err
		}
		id, err := strconv.ParseInt(c.Params("id"), 10, 64)
		if err != nil {
			return domain.ErrNotFound
		}
		if err := retry(c.UserContext(), currentSession(c).EmployeeID, id); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/domain"
)

// The in-app inbox (everyone) and the admins' notice deliveries
// (DECISIONS 46, 47).

type noticesHandler struct{ inbox *notify.Inbox }

func registerNotices(signedIn fiber.Router, deps Deps) {
	if deps.Inbox == nil {
		return
	}
	h := &noticesHandler{inbox: deps.Inbox}
	signedIn.Get("/notifications", h.list)
	signedIn.Post("/notifications/read", h.read)
	signedIn.Get("/admin/notices", h.deliveries)
	signedIn.Post("/admin/notices/:id/retry", retryByID(h.inbox.Retry))
}

type notificationView struct {
	ID        int64      `json:"id"`
	Event     string     `json:"event"`
	ReportID  string     `json:"report_id"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

func cursorID(c *fiber.Ctx) (int64, int, error) {
	after, limit, err := page(c)
	if err != nil {
		return 0, 0, err
	}
	var before int64
	if after != "" {
		if before, err = strconv.ParseInt(after, 10, 64); err != nil || before <= 0 {
			return 0, 0, domain.Invalid("cursor", "is not a cursor this API gave out")
		}
	}
	return before, limit, nil
}

// GET /api/v1/notifications?unread=true
func (h *noticesHandler) list(c *fiber.Ctx) error {
	unread := false
	switch c.Query("unread") {
	case "", "false", "0":
	case "true", "1":
		unread = true
	default:
		return domain.Invalid("unread", "must be true or false")
	}
	before, limit, err := cursorID(c)
	if err != nil {
		return err
	}
	ns, n, err := h.inbox.List(c.UserContext(), currentSession(c).EmployeeID, unread, before, limit)
	if err != nil {
		return err
	}
	items := make([]notificationView, len(ns))
	for i, x := range ns {
		items[i] = notificationView{ID: x.ID, Event: x.Event, ReportID: string(x.ReportID), Title: x.Title, Body: x.Body,
			CreatedAt: x.CreatedAt.In(shanghai), ReadAt: timePtr(x.ReadAt)}
	}
	out := struct {
		Items      []notificationView `json:"items"`
		Unread     int                `json:"unread"`
		NextCursor *string            `json:"next_cursor"`
	}{Items: items, Unread: n}
	if len(ns) > 0 {
		out.NextCursor = nextCursor(len(ns), limit, strconv.FormatInt(ns[len(ns)-1].ID, 10))
	}
	return c.JSON(out)
}

// POST /api/v1/notifications/read {"ids":[…]} or {"all":true}
func (h *noticesHandler) read(c *fiber.Ctx) error {
	var req struct {
		IDs []int64 `json:"ids"`
		All bool    `json:"all"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	n, err := h.inbox.MarkRead(c.UserContext(), currentSession(c).EmployeeID, req.IDs, req.All)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"unread": n})
}

type noticeDeliveryView struct {
	ID            int64      `json:"id"`
	Event         string     `json:"event"`
	ReportID      string     `json:"report_id"`
	RecipientID   string     `json:"recipient_id"`
	State         string     `json:"state"`
	Channel       string     `json:"channel"`
	Attempts      int        `json:"attempts"`
	Errcode       int        `json:"errcode"`
	LastError     string     `json:"last_error"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
}

// GET /api/v1/admin/notices?state=failed
func (h *noticesHandler) deliveries(c *fiber.Ctx) error {
	before, limit, err := cursorID(c)
	if err != nil {
		return err
	}
	ns, err := h.inbox.Deliveries(c.UserContext(), currentSession(c).EmployeeID, c.Query("state"), before, limit)
	if err != nil {
		return err
	}
	v := listView[noticeDeliveryView]{Items: make([]noticeDeliveryView, len(ns))}
	for i, x := range ns {
		v.Items[i] = noticeDeliveryView{
			ID: x.ID, Event: x.Event, ReportID: string(x.ReportID), RecipientID: string(x.Recipient), State: x.State,
			Channel: x.Channel, Attempts: x.Attempts, Errcode: x.Errcode, LastError: x.LastError,
			NextAttemptAt: x.NextAttemptAt.In(shanghai), CreatedAt: x.CreatedAt.In(shanghai), DeliveredAt: timePtr(x.DeliveredAt),
		}
	}
	if len(ns) > 0 {
		v.NextCursor = nextCursor(len(ns), limit, strconv.FormatInt(ns[len(ns)-1].ID, 10))
	}
	return c.JSON(v)
}

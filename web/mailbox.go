package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
)

// registerMailbox adds the admins' list of mail that matched no employee
// (DECISIONS 48).
func registerMailbox(r fiber.Router, deps Deps) {
	if deps.Mailbox == nil {
		return
	}
	h := &mailboxHandler{mailbox: deps.Mailbox}
	r.Get("/admin/mailbox/unmatched", h.unmatched)
}

type mailboxHandler struct{ mailbox *intake.Mailbox }

type unmatchedMailView struct {
	ID         string     `json:"id"`
	MessageID  string     `json:"message_id"`
	From       string     `json:"from"`
	Subject    string     `json:"subject"`
	ReceivedAt *time.Time `json:"received_at"`
	Reason     string     `json:"reason"`
	RecordedAt time.Time  `json:"recorded_at"`
}

func (h *mailboxHandler) unmatched(c *fiber.Ctx) error {
	after, limit, err := page(c)
	if err != nil {
		return err
	}
	var before int64
	if after != "" {
		if before, err = strconv.ParseInt(after, 10, 64); err != nil || before <= 0 {
			return domain.Invalid("cursor", "is not a cursor this API gave out")
		}
	}
	recs, err := h.mailbox.Unmatched(c.UserContext(), currentSession(c).EmployeeID, before, limit)
	if err != nil {
		return err
	}
	v := listView[unmatchedMailView]{Items: make([]unmatchedMailView, len(recs))}
	for i, r := range recs {
		v.Items[i] = unmatchedMailView{
			ID: strconv.FormatInt(r.ID, 10), MessageID: r.MessageID, From: r.From, Subject: r.Subject,
			Reason: string(r.Reason), RecordedAt: r.RecordedAt.In(shanghai),
		}
		if !r.ReceivedAt.IsZero() {
			t := r.ReceivedAt.In(shanghai)
			v.Items[i].ReceivedAt = &t
		}
	}
	if len(recs) > 0 {
		v.NextCursor = nextCursor(len(recs), limit, strconv.FormatInt(recs[len(recs)-1].ID, 10))
	}
	return c.JSON(v)
}

// intakeAddress is the employee's mailbox address local+token@domain, or
// null when the mailbox has no address (DECISIONS 48).
func intakeAddress(m *intake.Mailbox, e *domain.Employee) *string {
	if a := m.AddressOf(e); a != "" {
		return &a
	}
	return nil
}

package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

type reassignRequest struct {
	ApproverID string `json:"approver_id"`
}

func (r *reassignRequest) validate() error {
	if strings.TrimSpace(r.ApproverID) == "" {
		return domain.Invalid("approver_id", "required")
	}
	return nil
}

// reassign gives a submitted report to another approver (admin; the
// history records it, DECISIONS 5).
func (h *reportHandler) reassign(c *fiber.Ctx) error {
	var req reassignRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.reports.Reassign(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")), domain.EmployeeID(strings.TrimSpace(req.ApproverID)))
	if err != nil {
		return err
	}
	return h.send(c, d)
}

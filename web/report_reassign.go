package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// stepRequest names an approver for a step (DECISIONS 44); step 0 or
// absent means the current step.
type stepRequest struct {
	ApproverID string `json:"approver_id"`
	Step       *int   `json:"step"`
	Comment    string `json:"comment"`
}

func (r *stepRequest) validate() error {
	if strings.TrimSpace(r.ApproverID) == "" {
		return domain.Invalid("approver_id", "required")
	}
	if r.Step != nil && (*r.Step < 1 || *r.Step > 50) {
		return domain.Invalid("step", "must be a step number of the report's plan")
	}
	return nil
}

func (r *stepRequest) step() int {
	if r.Step == nil {
		return 0
	}
	return *r.Step
}

// reassign gives a step of a submitted report to another approver (admin;
// the history records it, DECISIONS 5, 44).
func (h *reportHandler) reassign(c *fiber.Ctx) error {
	var req stepRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.reports.Reassign(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")),
		domain.EmployeeID(strings.TrimSpace(req.ApproverID)), req.step())
	if err != nil {
		return err
	}
	return h.send(c, d)
}

// transfer hands the caller's place in a step to another approver (转交).
func (h *reportHandler) transfer(c *fiber.Ctx) error {
	var req stepRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.reports.Transfer(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")),
		domain.EmployeeID(strings.TrimSpace(req.ApproverID)), req.step(), req.Comment)
	if err != nil {
		return err
	}
	return h.send(c, d)
}

type batchApproveRequest struct {
	IDs     []string `json:"ids"`
	Comment string   `json:"comment"`
}

func (r *batchApproveRequest) validate() error {
	if len(r.IDs) == 0 {
		return domain.Invalid("ids", "at least one report id")
	}
	if len(r.IDs) > app.MaxBatch {
		return domain.Invalid("ids", "at most 50 reports at a time")
	}
	for _, id := range r.IDs {
		if strings.TrimSpace(id) == "" {
			return domain.Invalid("ids", "must not hold an empty id")
		}
	}
	return nil
}

type batchFailureView struct {
	ID    string    `json:"id"`
	Error errorView `json:"error"`
}

type batchApproveView struct {
	Approved []reportView       `json:"approved"`
	Failed   []batchFailureView `json:"failed"`
}

// approveMany approves several reports from the 待我审批 list; one that
// cannot be approved is listed with its error.
func (h *reportHandler) approveMany(c *fiber.Ctx) error {
	var req batchApproveRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ids := make([]domain.ReportID, len(req.IDs))
	for i, id := range req.IDs {
		ids[i] = domain.ReportID(strings.TrimSpace(id))
	}
	done, failed, err := h.reports.ApproveMany(c.UserContext(), currentSession(c).EmployeeID, ids, req.Comment)
	if err != nil {
		return err
	}
	v := batchApproveView{Approved: make([]reportView, len(done)), Failed: make([]batchFailureView, len(failed))}
	for i, d := range done {
		v.Approved[i] = newReportView(d)
	}
	for i, f := range failed {
		v.Failed[i] = batchFailureView{ID: string(f.ID), Error: errorViewOf(f.Err)}
	}
	return c.JSON(v)
}

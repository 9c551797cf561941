package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

type reportHandler struct {
	reports *app.Reports
	// originals, when set, adds each invoice's originals to one report's
	// view, for the approver and finance who open them.
	originals *app.Originals
}

func invoiceIDs(ids []string) []domain.InvoiceID {
	if ids == nil {
		return nil
	}
	out := make([]domain.InvoiceID, len(ids))
	for i, id := range ids {
		out[i] = domain.InvoiceID(id)
	}
	return out
}

type createReportRequest struct {
	Title      string   `json:"title"`
	InvoiceIDs []string `json:"invoice_ids"`
}

func (r *createReportRequest) validate() error {
	if strings.TrimSpace(r.Title) == "" {
		return domain.Invalid("title", "required")
	}
	if len(r.InvoiceIDs) > app.MaxImport {
		return domain.Invalid("invoice_ids", "at most 100 invoices per report")
	}
	return nil
}

func (h *reportHandler) create(c *fiber.Ctx) error {
	var req createReportRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.reports.Create(c.UserContext(), currentSession(c).EmployeeID, req.Title, invoiceIDs(req.InvoiceIDs))
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return h.send(c, d)
}

func (h *reportHandler) list(c *fiber.Ctx) error {
	after, limit, err := page(c)
	if err != nil {
		return err
	}
	var statuses []domain.ReportStatus
	if s := c.Query("status"); s != "" {
		for part := range strings.SplitSeq(s, ",") {
			switch st := domain.ReportStatus(part); st {
			case domain.ReportDraft, domain.ReportSubmitted, domain.ReportApproved, domain.ReportPaid, domain.ReportRejected, domain.ReportWithdrawn:
				statuses = append(statuses, st)
			default:
				return domain.Invalid("status", "must be draft, submitted, approved, paid, rejected or withdrawn (comma-separated)")
			}
		}
	}
	ds, err := h.reports.List(c.UserContext(), currentSession(c).EmployeeID, c.Query("scope"), c.Query("q"), statuses, domain.ReportID(after), limit)
	if err != nil {
		return err
	}
	v := listView[reportView]{Items: make([]reportView, len(ds))}
	for i, d := range ds {
		v.Items[i] = newReportView(d)
	}
	if err := h.withOriginals(c, v.Items); err != nil {
		return err
	}
	if len(ds) > 0 {
		v.NextCursor = nextCursor(len(ds), limit, string(ds[len(ds)-1].Report.ID()))
	}
	return c.JSON(v)
}

func (h *reportHandler) get(c *fiber.Ctx) error {
	d, err := h.reports.Get(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")))
	if err != nil {
		return err
	}
	vs := []reportView{newReportView(d)}
	if err := h.withOriginals(c, vs); err != nil {
		return err
	}
	v := vs[0]
	return c.JSON(v)
}

type editReportRequest struct {
	Version    *int64   `json:"version"`
	Title      *string  `json:"title"`
	InvoiceIDs []string `json:"invoice_ids"`
	// Purpose (事由) and ExpenseTypes (invoice id → code) are issue 17's.
	Purpose      *string           `json:"purpose"`
	ExpenseTypes map[string]string `json:"expense_types"`
}

func (r *editReportRequest) validate() error {
	if r.Version == nil {
		return domain.Invalid("version", "required: the version you edited")
	}
	if len(r.InvoiceIDs) > app.MaxImport {
		return domain.Invalid("invoice_ids", "at most 100 invoices per report")
	}
	return nil
}

func (h *reportHandler) edit(c *fiber.Ctx) error {
	var req editReportRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.reports.EditReport(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")), *req.Version, req.edit())
	if err != nil {
		return err
	}
	return h.send(c, d)
}

func (h *reportHandler) delete(c *fiber.Ctx) error {
	// No body is expected: an empty one is {}, a malformed one is refused, not ignored.
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	if err := h.reports.Delete(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *reportHandler) submit(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	d, err := h.reports.Submit(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")))
	if err != nil {
		return err
	}
	return h.send(c, d)
}

func (h *reportHandler) withdraw(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	d, err := h.reports.Withdraw(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")))
	if err != nil {
		return err
	}
	return h.send(c, d)
}

type approveRequest struct {
	Comment string `json:"comment"`
}

func (h *reportHandler) approve(c *fiber.Ctx) error {
	var req approveRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.reports.Approve(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")), req.Comment)
	if err != nil {
		return err
	}
	return h.send(c, d)
}

type rejectRequest struct {
	Reason string `json:"reason"`
}

func (r *rejectRequest) validate() error {
	if strings.TrimSpace(r.Reason) == "" {
		return domain.Invalid("reason", "required when rejecting")
	}
	return nil
}

func (h *reportHandler) reject(c *fiber.Ctx) error {
	var req rejectRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.reports.Reject(c.UserContext(), currentSession(c).EmployeeID, domain.ReportID(c.Params("id")), req.Reason)
	if err != nil {
		return err
	}
	return h.send(c, d)
}

// send answers the report with its invoices' originals.
func (h *reportHandler) send(c *fiber.Ctx, d *app.ReportDetails) error {
	vs := []reportView{newReportView(d)}
	if err := h.withOriginals(c, vs); err != nil {
		return err
	}
	v := vs[0]
	return c.JSON(v)
}

// withOriginals adds each invoice's originals to the reports' views (one
// query for all), so approvers and finance can open them (DECISIONS 42).
func (h *reportHandler) withOriginals(c *fiber.Ctx, vs []reportView) error {
	return addReportOriginals(c, h.originals, vs)
}

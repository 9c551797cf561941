package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

// openUploadView is the upload's answer in the open API's invoice shape.
type openUploadView struct {
	Imported []openInvoiceView   `json:"imported"`
	Failed   []uploadFailureView `json:"failed"`
	Files    []uploadFileView    `json:"files"`
}

// uploadFiles is POST /open/v1/invoices/upload (DECISIONS 40): an ERP's
// invoice files for one employee, signed like every /open/v1 call (the
// signature covers the multipart body as sent) and idempotent by key.
func (h *openHandler) uploadFiles(c *fiber.Ctx) error {
	files, err := multipartFiles(c, "files")
	if err != nil {
		return err
	}
	var owner string
	if form, err := c.MultipartForm(); err == nil && len(form.Value["employee_id"]) == 1 {
		owner = form.Value["employee_id"][0]
	}
	results, err := h.intake.ImportForERP(c.UserContext(), h.employees, domain.EmployeeID(owner), files)
	if err != nil {
		return err
	}
	lines, failed, invs := fileOutcomes(results)
	views, err := h.invoiceViews(c.UserContext(), invs)
	if err != nil {
		return err
	}
	return c.JSON(openUploadView{Imported: views, Failed: failed, Files: lines})
}

package web

import (
	"fmt"
	"io"
	"mime/multipart"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
)

// uploadHandler takes invoice files (POST /api/v1/invoices/upload,
// DECISIONS 38): the one multipart call under /api/v1.
type uploadHandler struct {
	intake    *intake.Service
	originals *app.Originals
	auth      *app.Auth
	origins   []string // h5.origins
}

// uploadView answers API.md's shape, plus one line per file (or bundle
// entry) saying what became of it.
type uploadView struct {
	Imported []invoiceView       `json:"imported"`
	Failed   []uploadFailureView `json:"failed"`
	Files    []uploadFileView    `json:"files"`
}

type uploadFailureView struct {
	File  string    `json:"file"`
	Error errorView `json:"error"`
}

type uploadFileView struct {
	File        string   `json:"file"`
	Outcome     string   `json:"outcome"`
	InvoiceID   *string  `json:"invoice_id"`
	NeedsReview []string `json:"needs_review,omitempty"`
}

func (h *uploadHandler) upload(c *fiber.Ctx) error {
	if err := checkUploadOrigin(c, h.origins); err != nil {
		return err
	}
	files, err := multipartFiles(c, "files")
	if err != nil {
		return err
	}
	me, err := h.auth.Actor(c.UserContext(), currentSession(c))
	if err != nil {
		return err
	}
	results, err := h.intake.Import(c.UserContext(), me.ID(), domain.SourceUpload, files)
	if err != nil {
		return err
	}
	v, err := h.view(c, me, results)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// view answers the invoices once each, with their originals.
func (h *uploadHandler) view(c *fiber.Ctx, me *domain.Employee, results []intake.FileResult) (uploadView, error) {
	files, failed, invs := fileOutcomes(results)
	v := uploadView{Imported: []invoiceView{}, Failed: failed, Files: files}
	ids := make([]domain.InvoiceID, len(invs))
	for i, inv := range invs {
		ids[i] = inv.ID()
	}
	origs, err := h.originals.Of(c.UserContext(), ids...)
	if err != nil {
		return v, err
	}
	people := map[domain.EmployeeID]*domain.Employee{me.ID(): me}
	for _, inv := range invs {
		iv := newInvoiceView(inv, people)
		iv.withOriginals(origs[inv.ID()])
		v.Imported = append(v.Imported, iv)
	}
	return v, nil
}

// fileOutcomes splits intake results into a line per file, the failures,
// and each invoice once, in order of first mention.
func fileOutcomes(results []intake.FileResult) ([]uploadFileView, []uploadFailureView, []*domain.Invoice) {
	files, failed := []uploadFileView{}, []uploadFailureView{}
	var invs []*domain.Invoice
	seen := map[domain.InvoiceID]int{}
	for _, r := range results {
		fv := uploadFileView{File: r.File, Outcome: string(r.Outcome), NeedsReview: r.NeedsReview}
		if r.Invoice != nil {
			id := string(r.Invoice.ID())
			fv.InvoiceID = &id
			if i, ok := seen[r.Invoice.ID()]; ok {
				invs[i] = r.Invoice // the later answer is the newer state
			} else {
				seen[r.Invoice.ID()] = len(invs)
				invs = append(invs, r.Invoice)
			}
		}
		if r.Err != nil {
			failed = append(failed, uploadFailureView{File: r.File,
				Error: errorView{Code: r.Err.Code, Message: r.Err.Message, Details: r.Err.Details}})
		}
		files = append(files, fv)
	}
	return files, failed, invs
}

// checkUploadOrigin is the upload's CSRF defence (DECISIONS 38): a
// cross-site form can post multipart, so a browser's Origin must be one of
// h5.origins and its Sec-Fetch-Site same-origin. Clients that send neither
// (curl, ERP servers) are not browsers acting for someone else.
func checkUploadOrigin(c *fiber.Ctx, origins []string) error {
	if o := c.Get(fiber.HeaderOrigin); o != "" && !slices.Contains(origins, strings.ToLower(strings.TrimRight(o, "/"))) {
		return domain.ErrForbidden.WithMessage("uploads are accepted only from the configured H5 origins (h5.origins)")
	}
	if s := c.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" {
		return domain.ErrForbidden.WithMessage("uploads are accepted only from this site's own pages")
	}
	return nil
}

// multipartFiles reads the files of field; each is read up to one byte
// over the per-file limit, so the intake can say which file is too large.
func multipartFiles(c *fiber.Ctx, field string) ([]intake.File, error) {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEMultipartForm) {
		return nil, domain.ErrUnsupportedMedia.WithMessage("the request body must be multipart/form-data with the files in the field \"" + field + "\"")
	}
	form, err := c.MultipartForm()
	if err != nil {
		return nil, domain.Invalid(field, "the multipart body cannot be read: "+err.Error())
	}
	defer form.RemoveAll()
	headers := form.File[field]
	if len(headers) == 0 {
		return nil, domain.Invalid(field, "send at least one file in the field \""+field+"\"")
	}
	if len(headers) > intake.MaxFiles {
		return nil, domain.Invalid(field, fmt.Sprintf("at most %d files at once", intake.MaxFiles))
	}
	files := make([]intake.File, 0, len(headers))
	for _, fh := range headers {
		data, err := readPart(fh)
		if err != nil {
			return nil, err
		}
		files = append(files, intake.File{Name: displayName(fh.Filename), Data: data})
	}
	return files, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload part: %w", err)
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, intake.MaxFileSize+1))
}

// displayName keeps a file name for display only: the last path element,
// no control characters, at most 200 characters.
func displayName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" {
		name = "file"
	}
	return name
}

package web

import (
	"mime"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

type originalView struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Source    string `json:"source"`
}

func newOriginalView(o domain.Original) originalView {
	return originalView{Name: o.Name, MediaType: o.MediaType, SHA256: o.SHA256, Size: o.Size, Source: string(o.Source)}
}

type pdfStatusView struct {
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
}

// withOriginals adds the invoice's originals and the preferred one
// (DECISIONS 42) to its view.
func (v *invoiceView) withOriginals(os []domain.Original) {
	list := make([]originalView, len(os))
	for i, o := range os {
		list[i] = newOriginalView(o)
	}
	v.Originals = &list
	if p, ok := domain.PreferredOriginal(os); ok {
		ov := newOriginalView(p)
		v.Original = &ov
	}
}

func (h *invoiceHandler) preferredOriginal(c *fiber.Ctx) error {
	return h.original(c, app.PreferredOriginal)
}

func (h *invoiceHandler) pdf(c *fiber.Ctx) error { return h.original(c, app.PDFOriginal) }

func (h *invoiceHandler) originalByHash(c *fiber.Ctx) error {
	w := c.Params("sha256")
	if !domain.ValidSHA256(w) {
		return domain.ErrNotFound
	}
	return h.original(c, w)
}

// original serves the original which names (a SHA-256, the preferred one
// or the PDF) to those who may see the invoice.
func (h *invoiceHandler) original(c *fiber.Ctx, which string) error {
	if h.originals == nil {
		return domain.ErrNotFound
	}
	sess := currentSession(c)
	o, data, err := h.originals.Open(c.UserContext(), sess.EmployeeID, domain.InvoiceID(c.Params("id")), which)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, o.MediaType)
	disp := mime.FormatMediaType("inline", map[string]string{"filename": safeFileName(o.Name)})
	if disp == "" {
		disp = `inline; filename="original"`
	}
	c.Set(fiber.HeaderContentDisposition, disp)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Content-SHA256", o.SHA256)
	if o.MediaType != "application/pdf" {
		// The pages open originals in a tab on our origin: an uploaded XML
		// could be XHTML with a script. Sandboxed, it is shown, never run.
		// (A PDF's scripts run in the viewer, not the page; the viewer
		// itself may refuse a sandbox.)
		c.Set(fiber.HeaderContentSecurityPolicy, "sandbox; default-src 'none'; style-src 'unsafe-inline'")
	}
	return c.Send(data)
}

// safeFileName keeps a stored name's base, without path separators,
// control characters or quotes; empty becomes "original".
func safeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == ';' {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		return "original"
	}
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	return name
}

// addOriginals sets the preferred original of each row of a finance page:
// one query a page.
func (h *financeHandler) addOriginals(c *fiber.Ctx, rows []financeInvoiceView) error {
	if h.originals == nil || len(rows) == 0 {
		return nil
	}
	ids := make([]domain.InvoiceID, len(rows))
	for i, r := range rows {
		ids[i] = domain.InvoiceID(r.ID)
	}
	origs, err := h.originals.Of(c.UserContext(), ids...)
	if err != nil {
		return err
	}
	for i := range rows {
		if p, ok := domain.PreferredOriginal(origs[ids[i]]); ok {
			ov := newOriginalView(p)
			rows[i].Original = &ov
		}
	}
	return nil
}

// addReportOriginals fills the originals of every invoice in vs, in place.
func addReportOriginals(c *fiber.Ctx, originals *app.Originals, vs []reportView) error {
	if originals == nil {
		return nil
	}
	var ids []domain.InvoiceID
	for _, v := range vs {
		for _, inv := range v.Invoices {
			ids = append(ids, domain.InvoiceID(inv.ID))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	origs, err := originals.Of(c.UserContext(), ids...)
	if err != nil {
		return err
	}
	for i := range vs {
		for j := range vs[i].Invoices {
			vs[i].Invoices[j].withOriginals(origs[domain.InvoiceID(vs[i].Invoices[j].ID)])
		}
	}
	return nil
}

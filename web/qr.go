package web

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// PC QR import: the PC page (/h5/pc-import) opens a session and shows its
// QR; the phone opens /h5/qr-import?t=<token>, signs in, picks invoices and
// imports them through the session; the PC polls and shows them. The token
// travels in the query string and in request bodies, never in a path, so
// access logs (paths only) do not record it.

type qrHandler struct {
	qr        *app.QRImports
	invoices  *invoiceHandler
	publicURL string
}

func registerQRImports(signedIn fiber.Router, deps Deps) {
	if deps.QRImports == nil || deps.Invoices == nil {
		return
	}
	h := &qrHandler{qr: deps.QRImports, invoices: &invoiceHandler{invoices: deps.Invoices, auth: deps.Auth}, publicURL: deps.PublicURL}
	signedIn.Post("/qr-imports", h.start)
	signedIn.Get("/qr-imports/:biz_code", h.status)
	signedIn.Post("/qr-imports/open", h.open)
	signedIn.Post("/qr-imports/import", h.importInvoices)
}

// qrImportURL is the H5 page a session's QR points at.
func qrImportURL(publicURL, token string) string {
	base := publicURL
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + "/h5/qr-import?t=" + url.QueryEscape(token)
}

type qrSessionView struct {
	BizCode   string        `json:"biz_code"`
	State     string        `json:"state"`
	ExpiresAt time.Time     `json:"expires_at"`
	URL       string        `json:"url,omitempty"`
	QRPNG     string        `json:"qr_png,omitempty"` // base64 PNG of url
	Employee  *personView   `json:"employee"`
	Invoices  []invoiceView `json:"invoices"`
}

func (h *qrHandler) start(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	s, err := h.qr.Start(c.UserContext(), currentSession(c).EmployeeID)
	if err != nil {
		return err
	}
	link := qrImportURL(h.publicURL, s.Token)
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(qrSessionView{
		BizCode: s.BizCode, State: string(s.State), ExpiresAt: s.ExpiresAt.In(shanghai), URL: link,
		QRPNG: base64.StdEncoding.EncodeToString(png), Invoices: []invoiceView{},
	})
}

func (h *qrHandler) status(c *fiber.Ctx) error {
	s, invs, err := h.qr.Status(c.UserContext(), currentSession(c).EmployeeID, c.Params("biz_code"))
	if err != nil {
		return err
	}
	v := qrSessionView{BizCode: s.BizCode, State: string(s.State), ExpiresAt: s.ExpiresAt.In(shanghai), Invoices: make([]invoiceView, len(invs))}
	people := map[domain.EmployeeID]*domain.Employee{}
	if s.EmployeeID != "" {
		if e, err := h.invoices.auth.Actor(c.UserContext(), app.Session{EmployeeID: s.EmployeeID}); err == nil {
			people[e.ID()] = e
		}
		p := newPersonView(s.EmployeeID, people)
		v.Employee = &p
	}
	for i, inv := range invs {
		v.Invoices[i] = newInvoiceView(inv, people)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

// qrTokenRequest carries the token of a QR code's link (import or
// sign-in), read from its ?t= parameter.
type qrTokenRequest struct {
	Token string `json:"token"`
}

func (r *qrTokenRequest) validate() error {
	if r.Token == "" || len(r.Token) > 64 {
		return domain.Invalid("token", "the t parameter of the QR code's link")
	}
	return nil
}

func (h *qrHandler) open(c *fiber.Ctx) error {
	var req qrTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	s, err := h.qr.Open(c.UserContext(), currentSession(c), req.Token)
	if err != nil {
		return err
	}
	return c.JSON(qrSessionView{BizCode: s.BizCode, State: string(s.State), ExpiresAt: s.ExpiresAt.In(shanghai), Invoices: []invoiceView{}})
}

type qrImportRequest struct {
	Token             string          `json:"token"`
	Items             []pickedInvoice `json:"items"`
	ChooseInvoiceInfo json.RawMessage `json:"choose_invoice_info"`
}

func (h *qrHandler) importInvoices(c *fiber.Ctx) error {
	var req qrImportRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := (&qrTokenRequest{Token: req.Token}).validate(); err != nil {
		return err
	}
	items, err := (&importRequest{Items: req.Items, ChooseInvoiceInfo: req.ChooseInvoiceInfo}).items()
	if err != nil {
		return err
	}
	sess := currentSession(c)
	me, err := h.invoices.auth.Actor(c.UserContext(), sess)
	if err != nil {
		return err
	}
	res, err := h.qr.Import(c.UserContext(), sess, req.Token, items)
	if err != nil {
		return err
	}
	people := map[domain.EmployeeID]*domain.Employee{me.ID(): me}
	v := importView{Imported: []invoiceView{}, Failed: []importFailureView{}}
	for _, inv := range res.Imported {
		v.Imported = append(v.Imported, newInvoiceView(inv, people))
	}
	for _, f := range res.Failed {
		v.Failed = append(v.Failed, importFailureView{
			CardID: f.Item.Ref.CardID, EncryptCode: f.Item.Ref.EncryptCode,
			Error: errorView{Code: f.Err.Code, Message: f.Err.Message, Details: f.Err.Details},
		})
	}
	return c.JSON(v)
}

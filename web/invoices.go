package web

import (
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

type invoiceHandler struct {
	invoices  *app.Invoices
	originals *app.Originals
	auth      *app.Auth
}

// pickedInvoice is one item of chooseInvoice's result. WeChat's docs and
// clients disagree on the key style, so both are read.
type pickedInvoice struct {
	CardID      string `json:"card_id"`
	EncryptCode string `json:"encrypt_code"`
	AppID       string `json:"app_id"`
	CardIDAlt   string `json:"cardId"`
	EncryptAlt  string `json:"encryptCode"`
	AppIDAlt    string `json:"appId"`
}

func (p pickedInvoice) item() app.ImportItem {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return app.ImportItem{
		Ref:         app.CardRef{CardID: pick(p.CardID, p.CardIDAlt), EncryptCode: pick(p.EncryptCode, p.EncryptAlt)},
		IssuerAppID: pick(p.AppID, p.AppIDAlt),
	}
}

type importRequest struct {
	Items             []pickedInvoice `json:"items"`
	ChooseInvoiceInfo json.RawMessage `json:"choose_invoice_info"`
}

// items normalises the two accepted shapes: explicit items, or the raw
// chooseInvoice result, which arrives as a JSON string or as an array.
func (r *importRequest) items() ([]app.ImportItem, error) {
	picked := r.Items
	if len(r.ChooseInvoiceInfo) > 0 && string(r.ChooseInvoiceInfo) != "null" {
		if picked != nil {
			return nil, domain.Invalid("items", "send items or choose_invoice_info, not both")
		}
		raw := r.ChooseInvoiceInfo
		var s string
		if json.Unmarshal(raw, &s) == nil {
			raw = json.RawMessage(s)
		}
		if err := json.Unmarshal(raw, &picked); err != nil {
			return nil, domain.Invalid("choose_invoice_info", "must be the chooseInvoice result: an array of {card_id, encrypt_code, app_id}, or that array as a JSON string")
		}
	}
	if len(picked) == 0 {
		return nil, domain.Invalid("items", "pick at least one invoice")
	}
	if len(picked) > app.MaxImport {
		return nil, domain.Invalid("items", fmt.Sprintf("at most %d invoices per import", app.MaxImport))
	}
	out := make([]app.ImportItem, len(picked))
	for i, p := range picked {
		out[i] = p.item()
		if out[i].Ref.CardID == "" || out[i].Ref.EncryptCode == "" {
			return nil, domain.Invalid(fmt.Sprintf("items[%d]", i), "card_id and encrypt_code are required")
		}
	}
	return out, nil
}

type importFailureView struct {
	CardID      string    `json:"card_id"`
	EncryptCode string    `json:"encrypt_code"`
	Error       errorView `json:"error"`
}

type importView struct {
	Imported []invoiceView       `json:"imported"`
	Failed   []importFailureView `json:"failed"`
}

func (h *invoiceHandler) importInvoices(c *fiber.Ctx) error {
	var req importRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	items, err := req.items()
	if err != nil {
		return err
	}
	sess := currentSession(c)
	me, err := h.auth.Actor(c.UserContext(), sess)
	if err != nil {
		return err
	}
	res, err := h.invoices.Import(c.UserContext(), sess, items)
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

func (h *invoiceHandler) list(c *fiber.Ctx) error {
	after, limit, err := page(c)
	if err != nil {
		return err
	}
	sess := currentSession(c)
	me, err := h.auth.Actor(c.UserContext(), sess)
	if err != nil {
		return err
	}
	invs, err := h.invoices.List(c.UserContext(), me.ID(), c.Query("status"), domain.InvoiceID(after), limit)
	if err != nil {
		return err
	}
	people := map[domain.EmployeeID]*domain.Employee{me.ID(): me}
	v := listView[invoiceView]{Items: make([]invoiceView, len(invs))}
	ids := make([]domain.InvoiceID, len(invs))
	for i, inv := range invs {
		v.Items[i] = newInvoiceView(inv, people)
		ids[i] = inv.ID()
	}
	if h.originals != nil {
		origs, err := h.originals.Of(c.UserContext(), ids...)
		if err != nil {
			return err
		}
		for i := range v.Items {
			v.Items[i].withOriginals(origs[ids[i]])
		}
	}
	if len(invs) > 0 {
		v.NextCursor = nextCursor(len(invs), limit, string(invs[len(invs)-1].ID()))
	}
	return c.JSON(v)
}

func (h *invoiceHandler) get(c *fiber.Ctx) error {
	sess := currentSession(c)
	inv, err := h.invoices.Get(c.UserContext(), sess.EmployeeID, domain.InvoiceID(c.Params("id")))
	if err != nil {
		return err
	}
	people := map[domain.EmployeeID]*domain.Employee{}
	if owner, err := h.auth.Person(c.UserContext(), inv.OwnerID()); err == nil {
		people[owner.ID()] = owner
	}
	v := newInvoiceView(inv, people)
	if h.originals != nil {
		origs, err := h.originals.Of(c.UserContext(), inv.ID())
		if err != nil {
			return err
		}
		v.withOriginals(origs[inv.ID()])
		st, err := h.originals.PDFStatus(c.UserContext(), inv.ID())
		if err != nil {
			return err
		}
		if st != nil {
			v.PDF = &pdfStatusView{State: st.State, Attempts: st.Attempts, LastError: st.LastError, UpdatedAt: st.UpdatedAt}
		}
	}
	return c.JSON(v)
}

func (h *invoiceHandler) delete(c *fiber.Ctx) error {
	// No body is expected: an empty one is {}, a malformed one is refused, not ignored.
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	sess := currentSession(c)
	if err := h.invoices.Delete(c.UserContext(), sess.EmployeeID, domain.InvoiceID(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

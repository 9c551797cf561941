package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

// completeRequest fills in a needs-review file invoice (API.md: PATCH
// /api/v1/invoices/{id}). Absent fields keep their value; money is a
// decimal string.
type completeRequest struct {
	InvoiceCode      *string `json:"invoice_code"`
	InvoiceNumber    *string `json:"invoice_number"`
	IssuedOn         *string `json:"issued_on"` // YYYY-MM-DD
	Amount           *string `json:"amount"`
	AmountWithoutTax *string `json:"amount_without_tax"`
	Tax              *string `json:"tax"`
	BuyerName        *string `json:"title"`
	BuyerTaxNumber   *string `json:"buyer_tax_number"`
	SellerName       *string `json:"seller_name"`
	SellerTaxNumber  *string `json:"seller_tax_number"`
}

func (r completeRequest) completion(cur *domain.Invoice) (domain.Completion, error) {
	var c domain.Completion
	f := cur.Facts()
	if r.InvoiceCode != nil || r.InvoiceNumber != nil {
		id := f.ID
		if r.InvoiceCode != nil {
			id.Code = *r.InvoiceCode
		}
		if r.InvoiceNumber != nil {
			id.Number = *r.InvoiceNumber
		}
		c.ID = &id
	}
	if r.IssuedOn != nil {
		d, err := time.ParseInLocation(time.DateOnly, *r.IssuedOn, shanghai)
		if err != nil {
			return c, domain.Invalid("issued_on", "a date as YYYY-MM-DD")
		}
		c.IssuedAt = &d
	}
	for _, m := range []struct {
		field string
		in    *string
		out   **domain.Money
	}{{"amount", r.Amount, &c.Amount}, {"amount_without_tax", r.AmountWithoutTax, &c.AmountWithoutTax}, {"tax", r.Tax, &c.Tax}} {
		if m.in == nil {
			continue
		}
		v, err := domain.ParseMoney(*m.in)
		if err != nil {
			return c, domain.Invalid(m.field, "a decimal amount with at most two decimals, as a string")
		}
		*m.out = &v
	}
	if r.BuyerName != nil || r.BuyerTaxNumber != nil {
		p := f.Buyer
		set(&p.Name, r.BuyerName)
		set(&p.TaxNumber, r.BuyerTaxNumber)
		c.Buyer = &p
	}
	if r.SellerName != nil || r.SellerTaxNumber != nil {
		p := f.Seller
		set(&p.Name, r.SellerName)
		set(&p.TaxNumber, r.SellerTaxNumber)
		c.Seller = &p
	}
	return c, nil
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func (h *uploadHandler) complete(c *fiber.Ctx) error {
	var req completeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	me, err := h.auth.Actor(c.UserContext(), currentSession(c))
	if err != nil {
		return err
	}
	id := domain.InvoiceID(c.Params("id"))
	cur, err := h.intake.Invoice(c.UserContext(), me.ID(), id)
	if err != nil {
		return err
	}
	comp, err := req.completion(cur)
	if err != nil {
		return err
	}
	inv, err := h.intake.Complete(c.UserContext(), me.ID(), id, comp)
	if err != nil {
		return err
	}
	v := newInvoiceView(inv, map[domain.EmployeeID]*domain.Employee{me.ID(): me})
	origs, err := h.originals.Of(c.UserContext(), inv.ID())
	if err != nil {
		return err
	}
	v.withOriginals(origs[inv.ID()])
	return c.JSON(v)
}

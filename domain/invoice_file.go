package domain

import (
	"slices"
	"time"
)

// InvoiceSource says how an invoice reached us (DECISIONS 40): every card
// import is the wallet; files come by upload, mail or an ERP.
type InvoiceSource string

// The invoice sources.
const (
	FromWallet InvoiceSource = "wallet"
	FromUpload InvoiceSource = "upload"
	FromMail   InvoiceSource = "mail"
	FromERP    InvoiceSource = "erp"
)

// Source is how the invoice reached us.
func (i *Invoice) Source() InvoiceSource {
	if i.facts.Source == "" {
		return FromWallet
	}
	return i.facts.Source
}

// InWallet reports whether the invoice has a WeChat card whose status we
// keep. A file invoice has none until its owner imports the card
// (DECISIONS 40); until then it has no WeChat status and no outbox rows.
func (i *Invoice) InWallet() bool { return i.facts.Channel != "" }

// NewFileInvoice records an invoice read from a file. A file that could
// not give every field is kept with NeedsReview: the employee completes it
// (Complete) before it can be submitted. A red invoice is refused
// (DECISIONS 41): the intake knows red only from the file, and says so.
func NewFileInvoice(id InvoiceID, owner EmployeeID, facts InvoiceFacts, buyers []Party, now time.Time) (*Invoice, error) {
	switch facts.Source {
	case FromUpload, FromMail, FromERP:
	default:
		return nil, Invalid("source", "a file invoice comes by upload, mail or erp")
	}
	if facts.Channel != "" || facts.CardID != "" || facts.EncryptCode != "" {
		return nil, Invalid("channel", "a file invoice has no WeChat card")
	}
	if facts.ID.Number == "" && !facts.NeedsReview {
		return nil, Invalid("invoice_number", "required")
	}
	if facts.Amount.IsNegative() {
		return nil, ErrInvoiceRed
	}
	facts.Lines = slices.Clone(facts.Lines)
	return &Invoice{
		id: id, ownerID: owner, facts: facts,
		titleMatchesCompany: TitleMatches(facts.Buyer, buyers),
		importedAt:          now, updatedAt: now,
	}, nil
}

// CheckSubmittable refuses a file invoice whose fields are still to be
// completed (API.md: submit answers invoice.needs_review). A wallet
// invoice's NeedsReview (an identity of unknown shape, DECISIONS 10) is
// WeChat's data and does not block.
func (i *Invoice) CheckSubmittable() error {
	if !i.InWallet() && i.facts.NeedsReview {
		return ErrInvoiceNeedsReview.With(map[string]any{"invoice_id": string(i.id)})
	}
	return nil
}

// Completion is what an employee supplies for a file invoice that needs
// review. Nil fields keep their value.
type Completion struct {
	ID               *BusinessID
	IssuedAt         *time.Time
	Amount           *Money
	AmountWithoutTax *Money
	Tax              *Money
	Buyer            *Party
	Seller           *Party
}

// Complete fills in a file invoice's fields. Only the owner may, only
// while it is not in a submitted or approved report (the caller checks the
// report), and only on a file invoice: a wallet invoice's facts are
// WeChat's. It is complete when it has a number, an issue date and a
// positive amount; the caller re-checks the identity (a completed number
// may be one we hold).
func (i *Invoice) Complete(by EmployeeID, c Completion, buyers []Party, now time.Time) error {
	if by != i.ownerID {
		return ErrForbidden.WithMessage("only the invoice's owner may complete it")
	}
	if i.InWallet() {
		return Invalid("invoice", "a wallet invoice's fields are WeChat's and cannot be edited")
	}
	f := i.facts
	if c.ID != nil {
		if c.ID.Number == "" {
			return Invalid("invoice_number", "required")
		}
		if !allDigits(c.ID.Number) || (c.ID.Code != "" && !allDigits(c.ID.Code)) {
			return Invalid("invoice_number", "code and number are digits")
		}
		if c.ID.Code == "" && len(c.ID.Number) != 20 {
			return Invalid("invoice_code", "required unless the number is a 20-digit 数电 number")
		}
		f.ID = *c.ID
	}
	if c.IssuedAt != nil {
		f.IssuedAt = c.IssuedAt.UTC()
	}
	for _, m := range []*Money{c.Amount, c.AmountWithoutTax, c.Tax} {
		if m != nil && m.IsNegative() {
			return ErrInvoiceRed.WithMessage("amounts cannot be negative: red (负数) invoices cannot be reimbursed")
		}
	}
	if c.Amount != nil {
		f.Amount = *c.Amount
	}
	if c.AmountWithoutTax != nil {
		f.AmountWithoutTax = *c.AmountWithoutTax
	}
	if c.Tax != nil {
		f.Tax = *c.Tax
	}
	if c.Buyer != nil {
		f.Buyer = *c.Buyer
	}
	if c.Seller != nil {
		f.Seller = *c.Seller
	}
	f.NeedsReview = f.ID.Number == "" || f.IssuedAt.IsZero() || f.Amount.Cmp(Money{}) <= 0
	i.facts = f
	i.titleMatchesCompany = TitleMatches(f.Buyer, buyers)
	i.updatedAt = now
	return nil
}

// JoinCard gives a file invoice the wallet card of the same paper, when
// its owner imports it (DECISIONS 40): from then on its status is kept in
// WeChat like any wallet invoice's. The caller drives the card to the
// holding report's target.
func (i *Invoice) JoinCard(card InvoiceFacts, status WeChatStatus, now time.Time) error {
	if i.InWallet() {
		return ErrInvoiceDuplicate.With(map[string]any{"invoice_id": string(i.id)})
	}
	if err := card.validate(); err != nil {
		return err
	}
	f := i.facts
	f.Channel, f.CardID, f.EncryptCode = card.Channel, card.CardID, card.EncryptCode
	f.IssuerAppID, f.OwnerOpenID = card.IssuerAppID, card.OwnerOpenID
	f.PDFURL, f.TripPDFURL = card.PDFURL, card.TripPDFURL
	f.BillingNo, f.BillingCode = card.BillingNo, card.BillingCode
	if f.NeedsReview && !card.NeedsReview {
		// WeChat's data completes what the file could not give.
		src := f.Source
		f = card
		f.Source = src
	}
	i.facts = f
	i.status = status
	i.updatedAt = now
	return nil
}

// MarkCancelled records that a red invoice naming this one arrived
// (DECISIONS 41): like a CANCEL event, it can no longer be claimed or
// approved.
func (i *Invoice) MarkCancelled(now time.Time) {
	i.status = StatusCancel
	i.updatedAt = now
}

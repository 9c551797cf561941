package domain

import (
	"slices"
	"strings"
	"time"
)

// Party is a buyer or seller as printed on the invoice.
type Party struct {
	Name         string // buyer: the title (抬头); seller: payee
	TaxNumber    string // 税号
	AddressPhone string
	BankAccount  string
}

// InvoiceLine is one item line (明细). Quantity is the exact decimal text
// WeChat sent, "" when absent; UnitPrice may be negative on discount lines.
type InvoiceLine struct {
	Name      string
	Quantity  string
	Unit      string
	UnitPrice Money
	Amount    Money
}

// InvoiceFacts is what WeChat says about an invoice. It does not change
// after import except through a re-read of WeChat.
type InvoiceFacts struct {
	Source      InvoiceSource // "" is the wallet (rows before issue 16)
	Channel     Channel       // "" for a file invoice: no WeChat card
	CardID      string        // the issuer's card template, shared by many invoices
	EncryptCode string        // opaque and case-sensitive; compare byte for byte
	IssuerAppID string        // the issuer's appid from chooseInvoice; never called with
	OwnerOpenID string        // the wallet owner: status updates are made per openid

	ID          BusinessID
	NeedsReview bool // billing_no/billing_code of an unknown shape (DECISIONS 10), or no fee
	BillingNo   string
	BillingCode string
	Kind        InvoiceKind
	RawType     string
	CheckCode   string
	IssuedAt    time.Time

	Buyer  Party
	Seller Party

	Amount           Money // fee
	AmountWithoutTax Money // fee_without_tax
	Tax              Money // tax
	Lines            []InvoiceLine

	PDFURL     string
	TripPDFURL string
	Remarks    string
	Cashier    string
	Maker      string
	ValidFrom  time.Time // card begin_time; zero when WeChat sent 0
	ValidUntil time.Time

	Raw []byte // the getinvoiceinfo answer as received, for re-derivation
}

// AmountsConsistent reports whether fee = fee_without_tax + tax. A mismatch
// is recorded and shown, never corrected.
func (f InvoiceFacts) AmountsConsistent() bool {
	return f.Amount.Equal(f.AmountWithoutTax.Add(f.Tax))
}

func (f InvoiceFacts) validate() error {
	if _, err := ParseChannel(string(f.Channel)); err != nil {
		return Invalid("channel", err.Error())
	}
	switch {
	case f.CardID == "":
		return Invalid("card_id", "required")
	case f.EncryptCode == "":
		return Invalid("encrypt_code", "required")
	case f.OwnerOpenID == "":
		return Invalid("openid", "WeChat returned no owner openid")
	case f.ID.Number == "":
		return Invalid("invoice_number", "required")
	}
	return nil
}

// Invoice is an e-invoice (电子发票) imported from an employee's WeChat or
// WeCom wallet.
type Invoice struct {
	id                  InvoiceID
	ownerID             EmployeeID
	facts               InvoiceFacts
	status              WeChatStatus
	target              WeChatStatus
	statusGeneration    int64
	reportID            ReportID
	titleMatchesCompany bool
	importedAt          time.Time
	updatedAt           time.Time
	version             int64
}

// InvoiceData is the full state, for repositories.
type InvoiceData struct {
	ID                  InvoiceID
	OwnerID             EmployeeID
	Facts               InvoiceFacts
	Status              WeChatStatus
	Target              WeChatStatus // "" before the first decision
	StatusGeneration    int64
	ReportID            ReportID
	TitleMatchesCompany bool
	ImportedAt          time.Time
	UpdatedAt           time.Time
	Version             int64
}

// NewInvoice records an invoice as WeChat described it. Invoices that are
// reimbursed or cancelled in WeChat are refused: they can never be claimed.
func NewInvoice(id InvoiceID, owner EmployeeID, facts InvoiceFacts, status WeChatStatus, buyers []Party, now time.Time) (*Invoice, error) {
	if err := facts.validate(); err != nil {
		return nil, err
	}
	if err := ErrorForStatus(status); err != nil {
		return nil, err
	}
	facts.Lines = slices.Clone(facts.Lines)
	if facts.Source == "" {
		facts.Source = FromWallet
	}
	return &Invoice{
		id: id, ownerID: owner, facts: facts, status: status,
		titleMatchesCompany: TitleMatches(facts.Buyer, buyers),
		importedAt:          now, updatedAt: now,
	}, nil
}

// RestoreInvoice rebuilds an invoice from storage without validation.
func RestoreInvoice(d InvoiceData) *Invoice {
	d.Facts.Lines = slices.Clone(d.Facts.Lines)
	return &Invoice{
		id: d.ID, ownerID: d.OwnerID, facts: d.Facts, status: d.Status, target: d.Target,
		statusGeneration: d.StatusGeneration, reportID: d.ReportID,
		titleMatchesCompany: d.TitleMatchesCompany, importedAt: d.ImportedAt,
		updatedAt: d.UpdatedAt, version: d.Version,
	}
}

// TitleMatches reports whether the buyer on the invoice is one of the
// company's buyer entities. A tax number, when both have one, decides;
// otherwise the title must match exactly (ignoring spaces and bracket width).
func TitleMatches(buyer Party, buyers []Party) bool {
	for _, b := range buyers {
		if buyer.TaxNumber != "" && b.TaxNumber != "" {
			if strings.EqualFold(buyer.TaxNumber, b.TaxNumber) && sameTitle(buyer.Name, b.Name) {
				return true
			}
			continue
		}
		if sameTitle(buyer.Name, b.Name) {
			return true
		}
	}
	return false
}

var titleNormaliser = strings.NewReplacer(" ", "", "　", "", "(", "（", ")", "）")

func sameTitle(a, b string) bool {
	return a != "" && titleNormaliser.Replace(a) == titleNormaliser.Replace(b)
}

// ID is our id for the invoice.
func (i *Invoice) ID() InvoiceID { return i.id }

// OwnerID is the employee who imported it.
func (i *Invoice) OwnerID() EmployeeID { return i.ownerID }

// Facts returns a copy of what WeChat said about the invoice.
func (i *Invoice) Facts() InvoiceFacts {
	f := i.facts
	f.Lines = slices.Clone(f.Lines)
	return f
}

// BusinessID is the paper identity (code + number).
func (i *Invoice) BusinessID() BusinessID { return i.facts.ID }

// Channel is the channel it came through and must be updated through.
func (i *Invoice) Channel() Channel { return i.facts.Channel }

// Amount is the gross amount (价税合计).
func (i *Invoice) Amount() Money { return i.facts.Amount }

// Status is the last WeChat status we know of.
func (i *Invoice) Status() WeChatStatus { return i.status }

// StatusGeneration counts status decisions, so a stale queued change can be
// recognised and dropped (DECISIONS 7).
func (i *Invoice) StatusGeneration() int64 { return i.statusGeneration }

// Target is the status the newest decision asks of WeChat: where the
// invoice must end once every write is delivered. Before any decision it
// is the status WeChat answered at import.
func (i *Invoice) Target() WeChatStatus {
	if i.target == "" {
		return i.status
	}
	return i.target
}

// ReportID is the report holding the invoice, or "".
func (i *Invoice) ReportID() ReportID { return i.reportID }

// TitleMatchesCompany reports whether the buyer is one of ours.
func (i *Invoice) TitleMatchesCompany() bool { return i.titleMatchesCompany }

// AmountsConsistent reports whether fee = fee_without_tax + tax.
func (i *Invoice) AmountsConsistent() bool { return i.facts.AmountsConsistent() }

// ImportedAt is when it was imported.
func (i *Invoice) ImportedAt() time.Time { return i.importedAt }

// UpdatedAt is when it last changed.
func (i *Invoice) UpdatedAt() time.Time { return i.updatedAt }

// Version is the optimistic-lock counter.
func (i *Invoice) Version() int64 { return i.version }

// CheckClaimable refuses invoices that cannot join a report: already in
// another report, reimbursed or cancelled.
func (i *Invoice) CheckClaimable(by ReportID) error {
	if i.reportID != "" && i.reportID != by {
		return ErrInvoiceInReport.With(map[string]any{"invoice_id": string(i.id), "report_id": string(i.reportID)})
	}
	if err := ErrorForStatus(i.status); err != nil {
		return err.With(map[string]any{"invoice_id": string(i.id)})
	}
	if i.status == StatusLock && i.reportID == "" {
		// Locked with no report of ours: an ERP holds it through the open
		// API, or an unlock is still on its way. Either way it is not free.
		return ErrLockedElsewhere.WithMessage("the invoice is locked in WeChat outside any report here; try again later").
			With(map[string]any{"invoice_id": string(i.id)})
	}
	return nil
}

// RequestStatus records a decision to move the invoice to `to` in WeChat
// and returns the new generation that the queued change must carry.
func (i *Invoice) RequestStatus(to WeChatStatus, now time.Time) (int64, error) {
	if i.status.Final() && i.status != to {
		return 0, ErrorForStatus(i.status)
	}
	i.statusGeneration++
	i.target = to
	i.updatedAt = now
	return i.statusGeneration, nil
}

// RecordObservedStatus records a status read from WeChat at generation
// gen, the generation the invoice had when the read began. A read older
// than the newest decision may predate that decision's write, so it is
// ignored; a final status (CLOSURE, CANCEL) is a fact whenever it was
// read. It reports whether the record changed.
func (i *Invoice) RecordObservedStatus(s WeChatStatus, gen int64, now time.Time) bool {
	if i.status == s || (gen != i.statusGeneration && !s.Final()) {
		return false
	}
	i.status = s
	i.updatedAt = now
	return true
}

// ApplyStatus records a status WeChat confirmed or reported. A move WeChat
// would not make is refused, so a confused caller cannot reopen a CLOSURE.
func (i *Invoice) ApplyStatus(to WeChatStatus, now time.Time) error {
	if !i.status.CanMoveTo(to) {
		return ErrInvalidWeChatState.With(map[string]any{"from": string(i.status), "to": string(to)})
	}
	i.status = to
	i.updatedAt = now
	return nil
}

// RecordWeChatStatus records the status WeChat answered or confirmed. It is
// the truth, whatever we believed before, so it is not checked against the
// status machine (a lock and a closure may both have happened unseen).
func (i *Invoice) RecordWeChatStatus(s WeChatStatus, now time.Time) {
	i.status = s
	i.updatedAt = now
}

// Data returns the full state, for repositories.
func (i *Invoice) Data() InvoiceData {
	return InvoiceData{
		ID: i.id, OwnerID: i.ownerID, Facts: i.Facts(), Status: i.status, Target: i.target,
		StatusGeneration: i.statusGeneration, ReportID: i.reportID,
		TitleMatchesCompany: i.titleMatchesCompany, ImportedAt: i.importedAt,
		UpdatedAt: i.updatedAt, Version: i.version,
	}
}

package web

import (
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// shanghai is where invoice dates are read: billing_time is an epoch, the
// date printed on the invoice is China's.
var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

type personView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func newPersonView(id domain.EmployeeID, people map[domain.EmployeeID]*domain.Employee) personView {
	v := personView{ID: string(id), Name: string(id)}
	if e := people[id]; e != nil {
		v.Name = e.Name()
	}
	return v
}

type lineView struct {
	Name      string       `json:"name"`
	Quantity  *string      `json:"quantity"`
	Unit      string       `json:"unit"`
	UnitPrice domain.Money `json:"unit_price"`
	Amount    domain.Money `json:"amount"`
}

type invoiceView struct {
	ID     string `json:"id"`
	Source string `json:"source"` // wallet, upload, mail, erp (DECISIONS 40)
	// Null for a file invoice: it has no WeChat card (DECISIONS 40).
	Channel             *string      `json:"channel"`
	CardID              *string      `json:"card_id"`
	EncryptCode         *string      `json:"encrypt_code"`
	Kind                string       `json:"kind"`
	Type                string       `json:"type"`
	InvoiceCode         string       `json:"invoice_code"`
	InvoiceNumber       string       `json:"invoice_number"`
	NeedsReview         bool         `json:"needs_review"`
	CheckCode           string       `json:"check_code"`
	IssuedOn            *string      `json:"issued_on"`
	Title               string       `json:"title"`
	BuyerTaxNumber      string       `json:"buyer_tax_number"`
	SellerName          string       `json:"seller_name"`
	SellerTaxNumber     string       `json:"seller_tax_number"`
	Amount              domain.Money `json:"amount"`
	AmountWithoutTax    domain.Money `json:"amount_without_tax"`
	Tax                 domain.Money `json:"tax"`
	AmountsConsistent   bool         `json:"amounts_consistent"`
	TitleMatchesCompany bool         `json:"title_matches_company"`
	Lines               []lineView   `json:"lines"`
	PDFURL              string       `json:"pdf_url"`
	TripPDFURL          string       `json:"trip_pdf_url,omitempty"`
	WeChatStatus        *string      `json:"wechat_status"`
	Cancelled           bool         `json:"cancelled"` // 红冲: a CANCEL, or a red file naming it
	ReportID            *string      `json:"report_id"`
	Owner               personView   `json:"owner"`
	ImportedAt          time.Time    `json:"imported_at"`
	// Originals, Original and PDF are filled where the handler loads them
	// (an invoice, the invoice list; DECISIONS 42).
	Originals *[]originalView `json:"originals,omitempty"`
	// ExpenseType is the invoice's expense type code in a report (issue
	// 17): null when none is chosen, absent outside a report.
	ExpenseType *nullString    `json:"expense_type,omitempty"`
	Original    *originalView  `json:"original,omitempty"`
	PDF         *pdfStatusView `json:"pdf,omitempty"`
}

func newInvoiceView(inv *domain.Invoice, people map[domain.EmployeeID]*domain.Employee) invoiceView {
	f := inv.Facts()
	v := invoiceView{
		ID: string(inv.ID()), Source: string(inv.Source()),
		Kind: string(f.Kind), Type: f.RawType, InvoiceCode: f.ID.Code, InvoiceNumber: f.ID.Number,
		NeedsReview: f.NeedsReview, CheckCode: f.CheckCode, Title: f.Buyer.Name, BuyerTaxNumber: f.Buyer.TaxNumber,
		SellerName: f.Seller.Name, SellerTaxNumber: f.Seller.TaxNumber,
		Amount: f.Amount, AmountWithoutTax: f.AmountWithoutTax, Tax: f.Tax,
		AmountsConsistent: inv.AmountsConsistent(), TitleMatchesCompany: inv.TitleMatchesCompany(),
		Lines: make([]lineView, len(f.Lines)), PDFURL: f.PDFURL, TripPDFURL: f.TripPDFURL,
		Cancelled: inv.Status() == domain.StatusCancel, Owner: newPersonView(inv.OwnerID(), people),
		ImportedAt: inv.ImportedAt().In(shanghai),
	}
	if inv.InWallet() {
		ch, st := string(f.Channel), string(inv.Status())
		v.Channel, v.CardID, v.EncryptCode, v.WeChatStatus = &ch, &f.CardID, &f.EncryptCode, &st
	}
	if !f.IssuedAt.IsZero() {
		d := f.IssuedAt.In(shanghai).Format(time.DateOnly)
		v.IssuedOn = &d
	}
	for i, l := range f.Lines {
		lv := lineView{Name: l.Name, Unit: l.Unit, UnitPrice: l.UnitPrice, Amount: l.Amount}
		if l.Quantity != "" {
			q := l.Quantity
			lv.Quantity = &q
		}
		v.Lines[i] = lv
	}
	if inv.ReportID() != "" {
		id := string(inv.ReportID())
		v.ReportID = &id
	}
	return v
}

type syncView struct {
	State   string `json:"state"`
	Pending int    `json:"pending"`
	Failed  int    `json:"failed"`
}

type historyView struct {
	At      time.Time  `json:"at"`
	Actor   personView `json:"actor"`
	Action  string     `json:"action"`
	From    string     `json:"from"`
	To      string     `json:"to"`
	Comment *string    `json:"comment"`
}

type reportView struct {
	ID           string        `json:"id"`
	Number       string        `json:"number"`
	Title        string        `json:"title"`
	Status       string        `json:"status"`
	Version      int64         `json:"version"`
	Employee     personView    `json:"employee"`
	Approver     personView    `json:"approver"`
	Total        domain.Money  `json:"total"`
	InvoiceCount int           `json:"invoice_count"`
	Invoices     []invoiceView `json:"invoices"`
	Sync         syncView      `json:"sync"`
	// NeedsAttention lists why an open report cannot go ahead as it is,
	// e.g. an invoice was cancelled (红冲) by its issuer.
	NeedsAttention []string      `json:"needs_attention"`
	History        []historyView `json:"history"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	SubmittedAt    *time.Time    `json:"submitted_at"`
	DecidedAt      *time.Time    `json:"decided_at"`
	reportDetailsView
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.In(shanghai)
	return &t
}

func newReportView(d *app.ReportDetails) reportView {
	r := d.Report
	v := reportView{
		ID: string(r.ID()), Number: r.Number(), Title: r.Title(), Status: string(r.Status()), Version: r.Version(),
		Employee: newPersonView(r.EmployeeID(), d.People), Approver: newPersonView(r.ApproverID(), d.People),
		Total: r.Total(), InvoiceCount: len(r.InvoiceIDs()), Invoices: make([]invoiceView, len(d.Invoices)),
		Sync:      syncView{State: "synced", Pending: d.Sync.Pending, Failed: d.Sync.Failed},
		CreatedAt: r.CreatedAt().In(shanghai), UpdatedAt: r.UpdatedAt().In(shanghai),
		SubmittedAt: timePtr(r.SubmittedAt()), DecidedAt: timePtr(r.DecidedAt()),
	}
	switch {
	case d.Sync.Failed > 0:
		v.Sync.State = "failed"
	case d.Sync.Pending > 0:
		v.Sync.State = "pending"
	}
	v.NeedsAttention = []string{}
	for i, inv := range d.Invoices {
		v.Invoices[i] = newInvoiceView(inv, d.People)
		v.Invoices[i].ExpenseType = expenseTypeOf(r, inv.ID())
		if r.Status().Open() && inv.Status() == domain.StatusCancel {
			v.NeedsAttention = append(v.NeedsAttention, "invoice "+inv.BusinessID().String()+" was cancelled by its issuer (红冲); remove it from the report")
		}
	}
	for _, h := range r.History() {
		hv := historyView{At: h.At.In(shanghai), Actor: newPersonView(h.Actor, d.People), Action: string(h.Action), From: string(h.From), To: string(h.To)}
		if h.Comment != "" {
			c := h.Comment
			hv.Comment = &c
		}
		v.History = append(v.History, hv)
	}
	v.reportDetailsView = newReportDetailsView(r)
	return v
}

package web

import (
	"fmt"
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
	// Warnings say what an approver should look at, with the figures.
	Warnings []warningView `json:"warnings"`
}

// warningView is one thing wrong with an invoice: a stable code, an
// English message and the values the pages put in their own text.
type warningView struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

func invoiceWarnings(inv *domain.Invoice) []warningView {
	f := inv.Facts()
	out := []warningView{}
	if !inv.TitleMatchesCompany() {
		msg := fmt.Sprintf("the buyer title %q is not one of the company's buyer entities", f.Buyer.Name)
		if f.Buyer.TaxNumber != "" {
			msg = fmt.Sprintf("the buyer title %q (tax number %s) is not one of the company's buyer entities", f.Buyer.Name, f.Buyer.TaxNumber)
		}
		out = append(out, warningView{Code: "invoice.title_mismatch", Message: msg,
			Details: map[string]any{"title": f.Buyer.Name, "tax_number": f.Buyer.TaxNumber}})
	}
	if !inv.AmountsConsistent() {
		sum := f.AmountWithoutTax.Add(f.Tax)
		diff := f.Amount.Sub(sum)
		out = append(out, warningView{Code: "invoice.amounts_mismatch",
			Message: fmt.Sprintf("the total %s is not the amount without tax %s plus tax %s (= %s); they differ by %s",
				f.Amount, f.AmountWithoutTax, f.Tax, sum, diff),
			Details: map[string]any{"amount": f.Amount, "amount_without_tax": f.AmountWithoutTax, "tax": f.Tax, "sum": sum, "difference": diff}})
	}
	return out
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
		ImportedAt: inv.ImportedAt().In(shanghai), Warnings: invoiceWarnings(inv),
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
	ID       string     `json:"id"`
	Number   string     `json:"number"`
	Title    string     `json:"title"`
	Status   string     `json:"status"`
	Version  int64      `json:"version"`
	Employee personView `json:"employee"`
	// Approver is the current step's first approver still to decide, else
	// null (DECISIONS 43).
	Approver *personView    `json:"approver"`
	Plan     []planStepView `json:"plan"`
	// PlanError says why a report not under review has no preview plan
	// (report.no_approver).
	PlanError    *errorView    `json:"plan_error,omitempty"`
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
		Employee: newPersonView(r.EmployeeID(), d.People), Plan: newPlanView(d.Plan),
		Total: r.Total(), InvoiceCount: len(r.InvoiceIDs()), Invoices: make([]invoiceView, len(d.Invoices)),
		Sync:      syncView{State: "synced", Pending: d.Sync.Pending, Failed: d.Sync.Failed},
		CreatedAt: r.CreatedAt().In(shanghai), UpdatedAt: r.UpdatedAt().In(shanghai),
		SubmittedAt: timePtr(r.SubmittedAt()), DecidedAt: timePtr(r.DecidedAt()),
	}
	if id := r.ApproverID(); id != "" {
		p := newPersonView(id, d.People)
		v.Approver = &p
	}
	if d.PlanError != nil {
		e := errorViewOf(d.PlanError)
		v.PlanError = &e
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

type planApproverView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Decision  string     `json:"decision"`
	DecidedAt *time.Time `json:"decided_at"`
	Reason    *string    `json:"reason"`
}

// planStepView is DECISIONS 43's step shape.
type planStepView struct {
	Step      int                `json:"step"`
	Name      string             `json:"name"`
	Mode      string             `json:"mode"`
	Approvers []planApproverView `json:"approvers"`
	State     string             `json:"state"`
}

func newPlanView(p domain.Plan) []planStepView {
	out := make([]planStepView, len(p.Steps))
	for i, s := range p.Steps {
		sv := planStepView{Step: s.Step, Name: s.Name, Mode: string(s.Mode), State: string(s.State), Approvers: make([]planApproverView, len(s.Approvers))}
		for j, a := range s.Approvers {
			av := planApproverView{ID: string(a.ID), Name: a.Name, Decision: string(a.Decision), DecidedAt: timePtr(a.DecidedAt)}
			if a.Reason != "" {
				r := a.Reason
				av.Reason = &r
			}
			sv.Approvers[j] = av
		}
		out[i] = sv
	}
	return out
}

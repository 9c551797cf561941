package web

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/payment"
	"github.com/baoxiao/baoxiao/domain"
)

// registerPaymentRoutes serves issue 17's expense types, bank accounts and
// payments.
func registerPaymentRoutes(r fiber.Router, deps Deps) {
	if deps.Payments == nil {
		return
	}
	h := &paymentHandler{svc: deps.Payments}
	r.Get("/expense-types", h.expenseTypes)
	r.Get("/admin/expense-types", h.allExpenseTypes)
	r.Put("/admin/expense-types", h.replaceExpenseTypes)
	r.Get("/me/bank-account", h.bankAccount(false))
	r.Put("/me/bank-account", h.setBankAccount(false))
	r.Get("/admin/employees/:id/bank-account", h.bankAccount(true))
	r.Put("/admin/employees/:id/bank-account", h.setBankAccount(true))
	r.Post("/payments", h.pay)
	r.Get("/payments/:id", h.payment)
	r.Get("/payments/:id/bank-file", h.bankFile)
}

type paymentHandler struct{ svc *payment.Service }

type expenseTypeView struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

func expenseTypeViews(list []domain.ExpenseType) []expenseTypeView {
	out := make([]expenseTypeView, len(list))
	for i, t := range list {
		out[i] = expenseTypeView{Code: t.Code, Name: t.Name, Active: t.Active}
	}
	return out
}

func (h *paymentHandler) expenseTypes(c *fiber.Ctx) error {
	list, err := h.svc.ExpenseTypes(c.UserContext(), currentSession(c).EmployeeID)
	if err != nil {
		return err
	}
	return c.JSON(expenseTypeViews(list))
}

func (h *paymentHandler) allExpenseTypes(c *fiber.Ctx) error {
	list, err := h.svc.AllExpenseTypes(c.UserContext(), currentSession(c).EmployeeID)
	if err != nil {
		return err
	}
	return c.JSON(expenseTypeViews(list))
}

// replaceExpenseTypes takes the whole list, [{"code","name","active"}].
func (h *paymentHandler) replaceExpenseTypes(c *fiber.Ctx) error {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return domain.ErrUnsupportedMedia
	}
	var req []struct {
		Code   string `json:"code"`
		Name   string `json:"name"`
		Active *bool  `json:"active"`
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return domain.Invalid("body", "must be a JSON array of {code, name, active}")
	}
	list := make([]domain.ExpenseType, len(req))
	for i, t := range req {
		list[i] = domain.ExpenseType{Code: t.Code, Name: t.Name, Active: t.Active == nil || *t.Active}
	}
	out, err := h.svc.ReplaceExpenseTypes(c.UserContext(), currentSession(c).EmployeeID, list)
	if err != nil {
		return err
	}
	return c.JSON(expenseTypeViews(out))
}

// bankAccountView shows an account; the number only masked.
type bankAccountView struct {
	Bank          string `json:"bank"`
	Branch        string `json:"branch"`
	AccountNumber string `json:"account_number"` // masked: 6222 **** **** 1234
	AccountName   string `json:"account_name"`
}

func newBankAccountView(a *payment.MaskedAccount) *bankAccountView {
	if a == nil {
		return nil
	}
	return &bankAccountView{Bank: a.Bank, Branch: a.Branch, AccountNumber: a.Masked, AccountName: a.AccountName}
}

type bankAccountRequest struct {
	Bank          string `json:"bank"`
	Branch        string `json:"branch"`
	AccountNumber string `json:"account_number"`
	AccountName   string `json:"account_name"`
}

func (r *bankAccountRequest) validate() error { return nil }

func (h *paymentHandler) whose(c *fiber.Ctx, admin bool) domain.EmployeeID {
	if admin {
		return domain.EmployeeID(c.Params("id"))
	}
	return currentSession(c).EmployeeID
}

func (h *paymentHandler) bankAccount(admin bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a, err := h.svc.BankAccount(c.UserContext(), currentSession(c).EmployeeID, h.whose(c, admin))
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"bank_account": newBankAccountView(a)})
	}
}

func (h *paymentHandler) setBankAccount(admin bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req bankAccountRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		a, err := h.svc.SetBankAccount(c.UserContext(), currentSession(c).EmployeeID, h.whose(c, admin), domain.BankAccount{
			Bank: req.Bank, Branch: req.Branch, AccountNumber: req.AccountNumber, AccountName: req.AccountName,
		})
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"bank_account": newBankAccountView(a)})
	}
}

type payRequest struct {
	ReportIDs    []string `json:"report_ids"`
	PaidOn       string   `json:"paid_on"`
	Method       string   `json:"method"`
	Reference    string   `json:"reference"`
	PayerAccount string   `json:"payer_account"`
}

func (r *payRequest) validate() error {
	if len(r.ReportIDs) == 0 {
		return domain.Invalid("report_ids", "at least one report")
	}
	return nil
}

type paymentLineView struct {
	ReportID      string       `json:"report_id"`
	EmployeeID    string       `json:"employee_id"`
	Amount        domain.Money `json:"amount"`
	PayeeName     string       `json:"payee_name"`
	Bank          string       `json:"bank"`
	Branch        string       `json:"branch"`
	AccountNumber string       `json:"account_number"` // masked
}

type paymentView struct {
	ID           string            `json:"id"`
	PaidOn       string            `json:"paid_on"`
	Method       string            `json:"method"`
	Reference    string            `json:"reference"`
	PayerAccount string            `json:"payer_account"`
	Total        domain.Money      `json:"total"`
	ReportIDs    []string          `json:"report_ids"`
	Reports      []paymentLineView `json:"reports"`
	CreatedBy    string            `json:"created_by"`
	CreatedAt    string            `json:"created_at"`
}

func newPaymentView(p *payment.Paid) paymentView {
	v := paymentView{
		ID: string(p.Payment.ID), PaidOn: p.Payment.PaidOn, Method: string(p.Payment.Method),
		Reference: p.Payment.Reference, PayerAccount: p.Payment.PayerAccount, Total: p.Payment.Total,
		CreatedBy: string(p.Payment.CreatedBy), CreatedAt: p.Payment.CreatedAt.In(shanghai).Format("2006-01-02T15:04:05.000Z07:00"),
		ReportIDs: []string{}, Reports: []paymentLineView{},
	}
	for _, l := range p.Lines {
		v.ReportIDs = append(v.ReportIDs, string(l.ReportID))
		v.Reports = append(v.Reports, paymentLineView{
			ReportID: string(l.ReportID), EmployeeID: string(l.EmployeeID), Amount: l.Amount,
			PayeeName: l.PayeeName, Bank: l.Bank, Branch: l.Branch, AccountNumber: l.Mask,
		})
	}
	return v
}

func (h *paymentHandler) pay(c *fiber.Ctx) error {
	var req payRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ids := make([]domain.ReportID, len(req.ReportIDs))
	for i, id := range req.ReportIDs {
		ids[i] = domain.ReportID(id)
	}
	p, err := h.svc.Pay(c.UserContext(), currentSession(c).EmployeeID, payment.PayRequest{
		ReportIDs: ids, PaidOn: req.PaidOn, Method: req.Method, Reference: req.Reference, PayerAccount: req.PayerAccount,
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newPaymentView(p))
}

func (h *paymentHandler) payment(c *fiber.Ctx) error {
	p, err := h.svc.Payment(c.UserContext(), currentSession(c).EmployeeID, domain.PaymentID(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(newPaymentView(p))
}

// bankFile sends a payment's bank batch file: the one answer carrying full
// account numbers, so it is never cached.
func (h *paymentHandler) bankFile(c *fiber.Ctx) error {
	format := c.Query("format")
	if format == "" {
		format = "xlsx"
	}
	f, err := h.svc.BankFile(c.UserContext(), currentSession(c).EmployeeID, domain.PaymentID(c.Params("id")), format)
	if err != nil {
		return err
	}
	var buf bytes.Buffer // a few hundred rows at most
	if err := f.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+f.FileName+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// reportDetailsView is a report's expense details and payment (issue 17),
// flattened into the report view.
type reportDetailsView struct {
	Purpose string             `json:"purpose"`
	Payment *reportPaymentView `json:"payment"`
}

type reportPaymentView struct {
	ID        string `json:"id"`
	PaidOn    string `json:"paid_on"`
	Method    string `json:"method"`
	Reference string `json:"reference"`
}

func newReportDetailsView(r *domain.Report) reportDetailsView {
	v := reportDetailsView{Purpose: r.Purpose()}
	if p := r.Payment(); p.ID != "" {
		v.Payment = &reportPaymentView{ID: string(p.ID), PaidOn: p.PaidOn, Method: string(p.Method), Reference: p.Reference}
	}
	return v
}

// nullString is a JSON string or null.
type nullString struct{ s string }

// MarshalJSON writes null for "".
func (o nullString) MarshalJSON() ([]byte, error) {
	if o.s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(o.s)
}

func expenseTypeOf(r *domain.Report, id domain.InvoiceID) *nullString {
	return &nullString{s: r.ExpenseType(id)}
}

func (r *editReportRequest) edit() app.ReportEdit {
	e := app.ReportEdit{Title: r.Title, InvoiceIDs: invoiceIDs(r.InvoiceIDs), Purpose: r.Purpose}
	if len(r.ExpenseTypes) > 0 {
		e.ExpenseTypes = map[domain.InvoiceID]string{}
		for id, code := range r.ExpenseTypes {
			e.ExpenseTypes[domain.InvoiceID(id)] = code
		}
	}
	return e
}

// paidRefView is a finance row's report purpose and payment (issue 17).
type paidRefView struct {
	Purpose          string  `json:"purpose"`
	PaidOn           *string `json:"paid_on"`
	PaymentReference *string `json:"payment_reference"`
}

func newPaidRefView(r app.FinanceRow) paidRefView {
	v := paidRefView{Purpose: r.Purpose}
	if r.PaidOn != "" {
		on, ref := r.PaidOn, r.PaymentReference
		v.PaidOn, v.PaymentReference = &on, &ref
	}
	return v
}

// expenseTypeRef names a row's expense type; null when none is chosen.
type expenseTypeRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func newExpenseTypeRef(r app.FinanceRow) *expenseTypeRef {
	if r.ExpenseTypeCode == "" {
		return nil
	}
	return &expenseTypeRef{Code: r.ExpenseTypeCode, Name: r.ExpenseTypeName}
}

package web

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
)

// The native ERP profile, /open/v1 (DECISIONS 23): every call signed with
// the app's secret (X-Baoxiao-App, -Timestamp, -Nonce, -Signature),
// mutating calls carrying an Idempotency-Key.

// Header names of the native profile.
const (
	HeaderOpenApp       = "X-Baoxiao-App"
	HeaderOpenTimestamp = "X-Baoxiao-Timestamp"
	HeaderOpenNonce     = "X-Baoxiao-Nonce"
	HeaderOpenSignature = "X-Baoxiao-Signature"
	HeaderIdempotency   = "Idempotency-Key"
)

const (
	openAppLocal    = "open_app"
	openResultLocal = "open_result"
)

type openHandler struct {
	api       *app.OpenAPI
	erp       *app.ERP
	intake    *intake.Service
	employees intake.Employees
}

// registerOpenAPI adds both ERP profiles: /open/v1 and the Yuanian paths.
func registerOpenAPI(fa *fiber.App, deps Deps) {
	if deps.OpenAPI == nil || deps.ERP == nil {
		return
	}
	h := &openHandler{api: deps.OpenAPI, erp: deps.ERP, intake: deps.Intake, employees: deps.IntakeEmployees}
	v1 := fa.Group("/open/v1", h.record, h.verify)
	v1.Post("/invoices/import", h.idempotent, h.importInvoices)
	if h.intake != nil && h.employees != nil {
		v1.Post("/invoices/upload", h.idempotent, h.uploadFiles)
	}
	v1.Get("/invoices/:id", h.invoice)
	v1.Post("/invoices/search", h.search)
	v1.Post("/invoices/status", h.idempotent, h.setStatus)
	v1.Get("/reports/:id", h.report)
	v1.Get("/export", h.export)
	registerYuanian(fa, deps)
}

// openApp is the app verify authenticated.
func openApp(c *fiber.Ctx) app.OpenApp {
	a, _ := c.Locals(openAppLocal).(app.OpenApp)
	return a
}

// record logs every call (app, route, outcome, latency), never a body.
func (h *openHandler) record(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	result := "ok"
	if r, ok := c.Locals(openResultLocal).(string); ok {
		result = r
	}
	if err != nil {
		var e *domain.Error
		e, status = classify(err)
		result = e.Code
	} else if status >= 400 && result == "ok" {
		result = "http." + strconv.Itoa(status)
	}
	appID := openApp(c).ID
	verified := appID != ""
	if !verified {
		appID = c.Get(HeaderOpenApp) // a refused call is recorded under the id claimed, if that app exists
	}
	endpoint := c.Route().Path
	if endpoint == "/open/v1" {
		endpoint = c.Path() // refused before routing: the path (ids only, no query)
	}
	recordOpenCall(c, h.api, app.OpenAPICall{
		AppID: appID, Profile: "native", Method: c.Method(), Endpoint: endpoint, Status: status,
		Result: result, Latency: time.Since(start), RequestID: RequestID(c.UserContext()),
	}, verified)
	return err
}

// verify checks the signature, clock skew and nonce.
func (h *openHandler) verify(c *fiber.Ctx) error {
	a, err := h.api.VerifyNative(c.UserContext(), app.NativeRequest{
		AppID: c.Get(HeaderOpenApp), Timestamp: c.Get(HeaderOpenTimestamp), Nonce: c.Get(HeaderOpenNonce),
		Signature: c.Get(HeaderOpenSignature), Method: c.Method(), Target: c.OriginalURL(), Body: c.Request().Body(),
	})
	if err != nil {
		return err
	}
	c.Locals(openAppLocal, a)
	return c.Next()
}

// idempotent answers a repeated Idempotency-Key with the stored answer and
// stores the answer of a first call. Answers of 5xx (nothing decided, or
// WeChat unavailable) are not stored: a retry with the key runs again.
func (h *openHandler) idempotent(c *fiber.Ctx) error {
	ctx := c.UserContext()
	a := openApp(c)
	key := c.Get(HeaderIdempotency)
	ans, err := h.api.BeginIdempotent(ctx, a.ID, key, c.Method()+" "+c.Route().Path, c.Request().Body())
	if err != nil {
		return err
	}
	if ans != nil {
		c.Locals(openResultLocal, "replayed")
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Status(ans.Status).Send(ans.Body)
	}
	err = c.Next()
	var stored app.IdempotentAnswer
	if err != nil {
		e, status := classify(err)
		if status >= 500 {
			if rerr := h.api.AbortIdempotent(context.WithoutCancel(ctx), a.ID, key); rerr != nil {
				slog.ErrorContext(ctx, "release idempotency key", "err", rerr)
			}
			return err
		}
		body, _ := json.Marshal(errorBody{Error: errorView{Code: e.Code, Message: e.Message, Details: e.Details}})
		stored = app.IdempotentAnswer{Status: status, Body: body}
	} else {
		stored = app.IdempotentAnswer{Status: c.Response().StatusCode(), Body: append([]byte(nil), c.Response().Body()...)}
	}
	if ferr := h.api.FinishIdempotent(context.WithoutCancel(ctx), a.ID, key, stored); ferr != nil {
		slog.ErrorContext(ctx, "store idempotent answer", "err", ferr)
	}
	return err
}

type openImportRequest struct {
	EmployeeID        string          `json:"employee_id"`
	Channel           string          `json:"channel"`
	BizCode           string          `json:"biz_code"`
	Items             []pickedInvoice `json:"items"`
	ChooseInvoiceInfo json.RawMessage `json:"choose_invoice_info"`
}

func (r *openImportRequest) validate() error {
	if strings.TrimSpace(r.EmployeeID) == "" {
		return domain.Invalid("employee_id", "required: whose wallet the invoices are in")
	}
	if r.Channel != "" {
		if _, err := domain.ParseChannel(r.Channel); err != nil {
			return domain.Invalid("channel", `must be "oa" or "work"`)
		}
	}
	if len(r.BizCode) > 64 {
		return domain.Invalid("biz_code", "at most 64 characters")
	}
	return nil
}

// openInvoiceView is an Invoice with the bizCode it was imported under.
type openInvoiceView struct {
	invoiceView
	BizCode *string `json:"biz_code"`
}

func (h *openHandler) invoiceViews(ctx context.Context, invs []*domain.Invoice) ([]openInvoiceView, error) {
	codes, err := h.erp.BizCodes(ctx, invs)
	if err != nil {
		return nil, err
	}
	var owners []domain.EmployeeID
	for _, inv := range invs {
		owners = append(owners, inv.OwnerID())
	}
	people := h.erp.People(ctx, owners...)
	out := make([]openInvoiceView, len(invs))
	for i, inv := range invs {
		out[i] = openInvoiceView{invoiceView: newInvoiceView(inv, people)}
		if code, ok := codes[inv.ID()]; ok {
			out[i].BizCode = &code
		}
	}
	return out, nil
}

type openImportView struct {
	Imported []openInvoiceView   `json:"imported"`
	Failed   []importFailureView `json:"failed"`
}

func (h *openHandler) importInvoices(c *fiber.Ctx) error {
	var req openImportRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	items, err := (&importRequest{Items: req.Items, ChooseInvoiceInfo: req.ChooseInvoiceInfo}).items()
	if err != nil {
		return err
	}
	res, err := h.erp.Import(c.UserContext(), app.ERPImport{
		AppID: openApp(c).ID, EmployeeID: domain.EmployeeID(req.EmployeeID), Channel: domain.Channel(req.Channel),
		BizCode: req.BizCode, Items: items,
	})
	if err != nil {
		return err
	}
	imported, err := h.invoiceViews(c.UserContext(), res.Imported)
	if err != nil {
		return err
	}
	v := openImportView{Imported: imported, Failed: []importFailureView{}}
	for _, f := range res.Failed {
		v.Failed = append(v.Failed, importFailureView{
			CardID: f.Item.Ref.CardID, EncryptCode: f.Item.Ref.EncryptCode,
			Error: errorView{Code: f.Err.Code, Message: f.Err.Message, Details: f.Err.Details},
		})
	}
	return c.JSON(v)
}

func (h *openHandler) invoice(c *fiber.Ctx) error {
	inv, err := h.erp.Invoice(c.UserContext(), domain.InvoiceID(c.Params("id")))
	if err != nil {
		return err
	}
	views, err := h.invoiceViews(c.UserContext(), []*domain.Invoice{inv})
	if err != nil {
		return err
	}
	return c.JSON(views[0])
}

func (h *openHandler) report(c *fiber.Ctx) error {
	d, err := h.erp.Report(c.UserContext(), domain.ReportID(c.Params("id")))
	if err != nil {
		return err
	}
	return c.JSON(newReportView(d))
}

type openStatusRequest struct {
	InvoiceIDs []string `json:"invoice_ids"`
	Status     string   `json:"status"`
}

func (r *openStatusRequest) validate() error {
	if len(r.InvoiceIDs) == 0 || len(r.InvoiceIDs) > app.MaxImport {
		return domain.Invalid("invoice_ids", "1 to 100 invoice ids")
	}
	if r.Status == "" {
		return domain.Invalid("status", "required: LOCK, INIT or CLOSURE")
	}
	return nil
}

func (h *openHandler) setStatus(c *fiber.Ctx) error {
	var req openStatusRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	target, err := domain.ParseWeChatStatus(strings.ToUpper(req.Status))
	if err != nil {
		return domain.Invalid("status", "must be LOCK, INIT or CLOSURE")
	}
	invs, err := h.erp.SetStatus(c.UserContext(), invoiceIDs(req.InvoiceIDs), target)
	if err != nil {
		return err
	}
	views, err := h.invoiceViews(c.UserContext(), invs)
	if err != nil {
		return err
	}
	return c.JSON(listView[openInvoiceView]{Items: views})
}

// openSearchRequest takes the finance search's filters (shared/API.md,
// DECISIONS 19, 20) in a JSON body; lists are arrays.
type openSearchRequest struct {
	From            string   `json:"from"`
	To              string   `json:"to"`
	DateField       string   `json:"date_field"`
	ReportStatus    []string `json:"report_status"`
	WeChatStatus    []string `json:"wechat_status"`
	Employee        string   `json:"employee"`
	SellerTaxNumber string   `json:"seller_tax_number"`
	MinAmount       string   `json:"min_amount"`
	MaxAmount       string   `json:"max_amount"`
	Q               string   `json:"q"`
	ExpenseType     []string `json:"expense_type"`
	Cursor          string   `json:"cursor"`
	Limit           int      `json:"limit"`
}

// openReportRef is the report holding a search row's invoice.
type openReportRef struct {
	ID         string     `json:"id"`
	Number     string     `json:"number"`
	Status     string     `json:"status"`
	Approver   personView `json:"approver"`
	ApprovedAt *time.Time `json:"approved_at"`
	paidRefView
}

type openSearchItem struct {
	openInvoiceView
	Employee personView     `json:"employee"`
	Report   *openReportRef `json:"report"`
	// ExpenseType is the invoice's expense type in its report (issue 17).
	ExpenseType *expenseTypeRef `json:"expense_type"`
	Sync        string          `json:"sync"`
	Warnings    []string        `json:"warnings"`
}

func (h *openHandler) search(c *fiber.Ctx) error {
	var req openSearchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	f, err := app.FinanceParams{
		From: req.From, To: req.To, DateField: req.DateField,
		ReportStatus: strings.Join(req.ReportStatus, ","), WeChatStatus: strings.Join(req.WeChatStatus, ","),
		Employee: req.Employee, SellerTaxNumber: req.SellerTaxNumber, MinAmount: req.MinAmount, MaxAmount: req.MaxAmount, Q: req.Q,
		ExpenseType: strings.Join(req.ExpenseType, ","),
	}.Parse()
	if err != nil {
		return err
	}
	after, err := decodeFinanceCursor(req.Cursor)
	if err != nil {
		return err
	}
	limit := req.Limit
	if limit == 0 {
		limit = defaultLimit
	}
	p, err := h.erp.Search(c.UserContext(), f, after, limit)
	if err != nil {
		return err
	}
	ids := make([]domain.InvoiceID, len(p.Rows))
	for i, r := range p.Rows {
		ids[i] = r.InvoiceID
	}
	invs, err := h.erp.InvoicesByID(c.UserContext(), ids)
	if err != nil {
		return err
	}
	views, err := h.invoiceViews(c.UserContext(), invs)
	if err != nil {
		return err
	}
	v := listView[openSearchItem]{Items: make([]openSearchItem, len(p.Rows)), NextCursor: encodeFinanceCursor(p.Next)}
	for i, r := range p.Rows {
		it := openSearchItem{
			openInvoiceView: views[i], Sync: string(r.Sync), Warnings: []string{},
			Employee: personView{ID: string(r.Employee.ID), Name: r.Employee.Name},
		}
		if r.ReportID != "" {
			it.Report = &openReportRef{
				ID: string(r.ReportID), Number: r.ReportNumber, Status: string(r.ReportStatus),
				Approver: personView{ID: string(r.Approver.ID), Name: r.Approver.Name}, ApprovedAt: timePtr(r.ApprovedAt),
				paidRefView: newPaidRefView(r),
			}
		}
		it.ExpenseType = newExpenseTypeRef(r)
		for _, w := range r.Warnings() {
			it.Warnings = append(it.Warnings, string(w))
		}
		v.Items[i] = it
	}
	return c.JSON(v)
}

// export streams the finance export: approved reports' invoices by
// approval date, CSV or XLSX.
func (h *openHandler) export(c *fiber.Ctx) error {
	f, err := app.FinanceParams{From: c.Query("from"), To: c.Query("to"), DateField: string(app.ApprovedOn), ReportStatus: c.Query("report_status")}.Parse()
	if err != nil {
		return err
	}
	job, err := h.erp.Export(f, c.Query("format", "csv"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, job.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+job.FileName+`"`)
	// The file is written after the handler returns, so it gets a context
	// of its own: the request's values, not its deadline.
	ctx := context.WithoutCancel(c.UserContext())
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
		if _, err := job.Run(ctx, w, nil); err != nil {
			slog.ErrorContext(ctx, "open API export", "err", err)
		}
		_ = w.Flush()
	})
	return nil
}

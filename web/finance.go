package web

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// financeHandler serves /api/v1/finance: search, totals, the streamed
// export and reconciliation (finance and admins; app.Finance checks).
type financeHandler struct {
	fin       *app.Finance
	originals *app.Originals // nil: rows carry no original
}

// registerFinanceRoutes adds the finance endpoints to the signed-in group.
func registerFinanceRoutes(r fiber.Router, deps Deps) {
	if deps.Finance == nil {
		return
	}
	h := &financeHandler{fin: deps.Finance, originals: deps.Originals}
	r.Get("/finance/invoices", h.search)
	r.Get("/finance/invoices/totals", h.totals)
	r.Get("/finance/export", h.export)
	r.Post("/finance/reconcile", h.startReconcile)
	r.Get("/finance/reconcile/:id", h.reconciliation)
	r.Post("/finance/reconcile/:id/repair", h.repair)
}

func financeParams(c *fiber.Ctx) app.FinanceParams {
	return app.FinanceParams{
		From: c.Query("from"), To: c.Query("to"), DateField: c.Query("date_field"),
		ReportStatus: c.Query("report_status"), WeChatStatus: c.Query("wechat_status"),
		Employee: c.Query("employee"), SellerTaxNumber: c.Query("seller_tax_number"),
		MinAmount: c.Query("min_amount"), MaxAmount: c.Query("max_amount"), Q: c.Query("q"),
		ExpenseType: c.Query("expense_type"),
	}
}

// financeCursor is the opaque cursor of a finance search (the web API's and
// the open API's alike): the date field
// searched on, the last row's date (empty for none) and its id.
type financeCursor struct {
	Field string `json:"f"`
	At    string `json:"t"`
	ID    string `json:"id"`
}

func encodeFinanceCursor(c *app.FinanceCursor) *string {
	if c == nil {
		return nil
	}
	v := financeCursor{Field: string(c.DateField), ID: string(c.ID)}
	if !c.At.IsZero() {
		v.At = c.At.UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(v)
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

func decodeFinanceCursor(s string) (*app.FinanceCursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := domain.Invalid("cursor", "is not a cursor this API gave out")
	b, err := base64.RawURLEncoding.DecodeString(s)
	var v financeCursor
	if err != nil || json.Unmarshal(b, &v) != nil || v.ID == "" || v.Field == "" {
		return nil, bad
	}
	c := &app.FinanceCursor{DateField: app.DateField(v.Field), ID: domain.InvoiceID(v.ID)}
	if v.At != "" {
		if c.At, err = time.Parse(time.RFC3339Nano, v.At); err != nil {
			return nil, bad
		}
	}
	return c, nil
}

// queryLimit reads ?limit= (default 50, 1..500).
func queryLimit(c *fiber.Ctx) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, domain.Invalid("limit", "must be a whole number from 1 to 500")
	}
	return n, nil
}

type financePersonView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Department string `json:"department"`
}

type financeReportView struct {
	ID         string            `json:"id"`
	Number     string            `json:"number"`
	Status     string            `json:"status"`
	Approver   financePersonView `json:"approver"`
	ApprovedAt *time.Time        `json:"approved_at"`
	paidRefView
}

// financeInvoiceView is one row of a finance search: the invoice with its
// report and people, without lines.
type financeInvoiceView struct {
	ID                  string             `json:"id"`
	Source              string             `json:"source"` // wallet, upload, mail, erp
	Channel             string             `json:"channel"`
	Kind                string             `json:"kind"`
	Type                string             `json:"type"`
	InvoiceCode         string             `json:"invoice_code"`
	InvoiceNumber       string             `json:"invoice_number"`
	NeedsReview         bool               `json:"needs_review"`
	IssuedOn            *string            `json:"issued_on"`
	ImportedAt          time.Time          `json:"imported_at"`
	Title               string             `json:"title"`
	BuyerTaxNumber      string             `json:"buyer_tax_number"`
	SellerName          string             `json:"seller_name"`
	SellerTaxNumber     string             `json:"seller_tax_number"`
	Amount              domain.Money       `json:"amount"`
	AmountWithoutTax    domain.Money       `json:"amount_without_tax"`
	Tax                 domain.Money       `json:"tax"`
	AmountsConsistent   bool               `json:"amounts_consistent"`
	TitleMatchesCompany bool               `json:"title_matches_company"`
	WeChatStatus        string             `json:"wechat_status"`
	SyncState           string             `json:"sync_state"`
	Warnings            []string           `json:"warnings"`
	Employee            financePersonView  `json:"employee"`
	Report              *financeReportView `json:"report"`
	ExpenseType         *expenseTypeRef    `json:"expense_type"`
	// Original is the preferred original (DECISIONS 42), which the page
	// opens at /api/v1/invoices/{id}/original; null when none is stored.
	Original *originalView `json:"original"`
}

func newFinanceInvoiceView(r app.FinanceRow) financeInvoiceView {
	v := financeInvoiceView{
		ID: string(r.InvoiceID), Source: string(r.Source), Channel: string(r.Channel), Kind: string(r.Kind), Type: r.RawType,
		InvoiceCode: r.ID.Code, InvoiceNumber: r.ID.Number, NeedsReview: r.NeedsReview,
		ImportedAt: r.ImportedAt.In(shanghai), Title: r.Buyer.Name, BuyerTaxNumber: r.Buyer.TaxNumber,
		SellerName: r.Seller.Name, SellerTaxNumber: r.Seller.TaxNumber,
		Amount: r.Amount, AmountWithoutTax: r.AmountWithoutTax, Tax: r.Tax,
		AmountsConsistent:   r.Amount.Equal(r.AmountWithoutTax.Add(r.Tax)),
		TitleMatchesCompany: r.TitleMatchesCompany, WeChatStatus: string(r.WeChatStatus),
		SyncState: string(r.Sync), Warnings: []string{},
		Employee: financePersonView{ID: string(r.Employee.ID), Name: r.Employee.Name, Department: r.Employee.Department},
	}
	if !r.IssuedAt.IsZero() {
		d := r.IssuedAt.In(shanghai).Format(time.DateOnly)
		v.IssuedOn = &d
	}
	for _, w := range r.Warnings() {
		v.Warnings = append(v.Warnings, string(w))
	}
	if r.ReportID != "" {
		v.Report = &financeReportView{
			ID: string(r.ReportID), Number: r.ReportNumber, Status: string(r.ReportStatus),
			Approver:   financePersonView{ID: string(r.Approver.ID), Name: r.Approver.Name, Department: r.Approver.Department},
			ApprovedAt: timePtr(r.ApprovedAt), paidRefView: newPaidRefView(r),
		}
	}
	v.ExpenseType = newExpenseTypeRef(r)
	return v
}

func (h *financeHandler) search(c *fiber.Ctx) error {
	f, err := financeParams(c).Parse()
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	after, err := decodeFinanceCursor(c.Query("cursor"))
	if err != nil {
		return err
	}
	p, err := h.fin.Search(c.UserContext(), currentSession(c).EmployeeID, f, after, limit)
	if err != nil {
		return err
	}
	v := listView[financeInvoiceView]{Items: make([]financeInvoiceView, len(p.Rows)), NextCursor: encodeFinanceCursor(p.Next)}
	for i, r := range p.Rows {
		v.Items[i] = newFinanceInvoiceView(r)
	}
	if err := h.addOriginals(c, v.Items); err != nil {
		return err
	}
	return c.JSON(v)
}

type financeTotalsView struct {
	Count            int64        `json:"count"`
	Amount           domain.Money `json:"amount"`
	AmountWithoutTax domain.Money `json:"amount_without_tax"`
	Tax              domain.Money `json:"tax"`
}

func (h *financeHandler) totals(c *fiber.Ctx) error {
	f, err := financeParams(c).Parse()
	if err != nil {
		return err
	}
	t, err := h.fin.Totals(c.UserContext(), currentSession(c).EmployeeID, f)
	if err != nil {
		return err
	}
	return c.JSON(financeTotalsView{Count: t.Count, Amount: t.Amount, AmountWithoutTax: t.AmountWithoutTax, Tax: t.Tax})
}

// export streams the file: rows are read and written a page at a time
// after the handler has returned, so nothing waits for the whole file.
// Everything that can be refused is checked first, while an error can
// still be a JSON answer.
func (h *financeHandler) export(c *fiber.Ctx) error {
	f, err := financeParams(c).Parse()
	if err != nil {
		return err
	}
	format := c.Query("format")
	if format == "" {
		format = "csv"
	}
	job, err := h.fin.PrepareExport(c.UserContext(), currentSession(c).EmployeeID, f, format)
	if err != nil {
		return err
	}
	streamDownload(c, job.ContentType, job.FileName, "finance export", func(ctx context.Context, w io.Writer, flush func()) error {
		_, err := job.Run(ctx, w, func(int64) { flush() })
		return err
	})
	return nil
}

// streamDownload sends what run writes as an attachment, after the handler
// has returned, so nothing waits for the whole file. The server's write
// timeout would cut a long download off: it bounds a stall instead,
// renewed before every write. run's flush sends what is buffered.
func streamDownload(c *fiber.Ctx, contentType, fileName, what string, run func(ctx context.Context, w io.Writer, flush func()) error) {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+fileName+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The handler's deadline ends when it returns; the stream keeps the
	// request's values (its request_id) but not that deadline.
	ctx := context.WithoutCancel(c.UserContext())
	conn := c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		w := &stallWriter{w: bw, conn: conn}
		if err := run(ctx, w, func() { _ = bw.Flush() }); err != nil {
			slog.ErrorContext(ctx, what+" failed", "file", fileName, "err", err)
			// The status is sent already: cut the connection so the
			// client sees a broken download, not a short file.
			_ = conn.Close()
		}
	})
}

// stallWriter renews the connection's write deadline before each write.
type stallWriter struct {
	w    io.Writer
	conn net.Conn
}

func (s *stallWriter) Write(p []byte) (int, error) {
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return s.w.Write(p)
}

type reconcileRequest struct {
	From      string `json:"from"`
	To        string `json:"to"`
	DateField string `json:"date_field"`
}

type mismatchView struct {
	ID           int64   `json:"id"`
	InvoiceID    string  `json:"invoice_id"`
	ReportID     *string `json:"report_id"`
	ReportNumber *string `json:"report_number"`
	ReportStatus *string `json:"report_status"`
	Ours         string  `json:"ours"`
	Recorded     string  `json:"recorded"`
	WeChat       *string `json:"wechat"`
	Kind         string  `json:"kind"`
	Reason       string  `json:"reason"`
	Repair       *string `json:"repair"`
	RepairNote   *string `json:"repair_note"`
}

type reconcileRunView struct {
	ID            string         `json:"id"`
	State         string         `json:"state"`
	DateField     string         `json:"date_field"`
	From          string         `json:"from"`
	To            string         `json:"to"`
	Checked       int            `json:"checked"`
	Pending       int            `json:"pending"`
	MismatchCount int            `json:"mismatch_count"`
	Error         *string        `json:"error"`
	RequestedBy   string         `json:"requested_by"`
	CreatedAt     time.Time      `json:"created_at"`
	FinishedAt    *time.Time     `json:"finished_at"`
	Mismatches    []mismatchView `json:"mismatches"`
	NextCursor    *string        `json:"next_cursor"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newReconcileRunView(run app.ReconcileRun, ms []app.Mismatch, limit int) reconcileRunView {
	v := reconcileRunView{
		ID: run.ID, State: string(run.State), DateField: string(run.DateField), From: run.FromOn, To: run.ToOn,
		Checked: run.Checked, Pending: run.Pending, MismatchCount: run.Mismatches, Error: optional(run.Error),
		RequestedBy: string(run.RequestedBy), CreatedAt: run.CreatedAt.In(shanghai), FinishedAt: timePtr(run.FinishedAt),
		Mismatches: make([]mismatchView, len(ms)),
	}
	for i, m := range ms {
		v.Mismatches[i] = mismatchView{
			ID: m.ID, InvoiceID: string(m.InvoiceID), ReportID: optional(string(m.ReportID)),
			ReportNumber: optional(m.ReportNumber), ReportStatus: optional(string(m.ReportStatus)),
			Ours: string(m.Expected), Recorded: string(m.Recorded), WeChat: optional(string(m.WeChat)),
			Kind: string(m.Kind), Reason: m.Reason, Repair: optional(string(m.Repair)), RepairNote: optional(m.RepairNote),
		}
	}
	if len(ms) > 0 {
		v.NextCursor = nextCursor(len(ms), limit, strconv.FormatInt(ms[len(ms)-1].ID, 10))
	}
	return v
}

func (h *financeHandler) startReconcile(c *fiber.Ctx) error {
	var req reconcileRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	f, err := app.FinanceParams{From: req.From, To: req.To, DateField: req.DateField}.Parse()
	if err != nil {
		return err
	}
	run, err := h.fin.StartReconcile(c.UserContext(), currentSession(c).EmployeeID, f)
	if err != nil {
		return err
	}
	c.Location("/api/v1/finance/reconcile/" + run.ID)
	return c.Status(fiber.StatusAccepted).JSON(newReconcileRunView(run, nil, 0))
}

// showRun answers a run with a page of its mismatches (?cursor&limit).
func (h *financeHandler) showRun(c *fiber.Ctx, id string) error {
	after, limit, err := page(c)
	if err != nil {
		return err
	}
	var afterID int64
	if after != "" {
		if afterID, err = strconv.ParseInt(after, 10, 64); err != nil {
			return domain.Invalid("cursor", "is not a cursor this API gave out")
		}
	}
	run, ms, err := h.fin.Reconciliation(c.UserContext(), currentSession(c).EmployeeID, id, afterID, limit)
	if err != nil {
		return err
	}
	return c.JSON(newReconcileRunView(run, ms, limit))
}

func (h *financeHandler) reconciliation(c *fiber.Ctx) error {
	return h.showRun(c, c.Params("id"))
}

func (h *financeHandler) repair(c *fiber.Ctx) error {
	var req struct{}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if _, err := h.fin.Repair(c.UserContext(), currentSession(c).EmployeeID, c.Params("id")); err != nil {
		return err
	}
	return h.showRun(c, c.Params("id"))
}

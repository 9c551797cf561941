package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// chinaTime is where finance's dates are read (DECISIONS 19). China has
// kept UTC+8 without daylight saving since 1991, so a fixed zone is exact
// and needs no tzdata on the host.
var chinaTime = time.FixedZone("Asia/Shanghai", 8*60*60)

// DateField is the date a finance search's range applies to (DECISIONS 19).
type DateField string

// The date fields. Rows are ordered by the chosen field, then by id: with
// approved_on that is (approval time, id), the export's order.
const (
	IssuedOn   DateField = "issued_on"
	ImportedOn DateField = "imported_on"
	ApprovedOn DateField = "approved_on"
)

// NoReport is the report_status filter value for invoices in no report.
const NoReport domain.ReportStatus = "none"

// InvoiceSync is how far an invoice's last queued WeChat change has got.
type InvoiceSync string

// The sync states, as in a report's sync summary.
const (
	InvoiceSynced  InvoiceSync = "synced"
	InvoicePending InvoiceSync = "pending"
	InvoiceFailed  InvoiceSync = "failed"
)

// FinanceFilter selects invoices for finance; every condition set must hold.
type FinanceFilter struct {
	DateField DateField
	// From and To bound the date field as instants, [From, To); the zero
	// time leaves that side open. FromOn and ToOn are the inclusive dates
	// they came from, YYYY-MM-DD in Asia/Shanghai.
	From, To        time.Time
	FromOn, ToOn    string
	ReportStatuses  []domain.ReportStatus // may hold NoReport
	WeChatStatuses  []domain.WeChatStatus
	Employee        domain.EmployeeID
	SellerTaxNumber string
	MinAmount       *domain.Money
	MaxAmount       *domain.Money
	// Q is a prefix of the invoice number, the seller's name or tax
	// number, the employee's name (DECISIONS 20), the report's purpose or
	// the expense type's name.
	Q string
	// ExpenseTypes keeps invoices of these expense type codes (issue 17).
	ExpenseTypes []string
}

// FinanceParams are a finance search's parameters as text, from a query
// string or command-line flags. Lists are comma-separated.
type FinanceParams struct {
	From, To        string
	DateField       string
	ReportStatus    string
	WeChatStatus    string
	Employee        string
	SellerTaxNumber string
	MinAmount       string
	MaxAmount       string
	Q               string
	ExpenseType     string
}

const maxQ = 100

// Parse checks the parameters; a bad one is request.invalid naming it.
func (p FinanceParams) Parse() (FinanceFilter, error) {
	f := FinanceFilter{DateField: IssuedOn}
	switch DateField(strings.TrimSpace(p.DateField)) {
	case "", IssuedOn:
	case ImportedOn:
		f.DateField = ImportedOn
	case ApprovedOn:
		f.DateField = ApprovedOn
	default:
		return f, domain.Invalid("date_field", "must be issued_on, imported_on or approved_on")
	}
	var err error
	if f.From, f.FromOn, err = parseDay("from", p.From); err != nil {
		return f, err
	}
	if f.To, f.ToOn, err = parseDay("to", p.To); err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // inclusive: up to the end of that day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, domain.Invalid("to", "must not be before from")
	}
	for _, s := range splitList(p.ReportStatus) {
		st := domain.ReportStatus(strings.ToLower(s))
		switch st {
		case domain.ReportDraft, domain.ReportSubmitted, domain.ReportRejected, domain.ReportWithdrawn, domain.ReportPaid, NoReport:
			f.ReportStatuses = append(f.ReportStatuses, st)
		case domain.ReportApproved:
			// Paid counts as approved; "paid" narrows it (DECISIONS 39).
			f.ReportStatuses = append(f.ReportStatuses, st, domain.ReportPaid)
		default:
			return f, domain.Invalid("report_status", "must be draft, submitted, approved, paid, rejected, withdrawn or none (comma-separated)")
		}
	}
	for _, s := range splitList(p.WeChatStatus) {
		st, err := domain.ParseWeChatStatus(strings.ToUpper(s))
		if err != nil {
			return f, domain.Invalid("wechat_status", "must be INIT, LOCK, CLOSURE or CANCEL (comma-separated)")
		}
		f.WeChatStatuses = append(f.WeChatStatuses, st)
	}
	if s := strings.TrimSpace(p.Employee); s != "" {
		id, err := domain.ParseEmployeeID(s)
		if err != nil {
			return f, domain.Invalid("employee", "is not an employee id")
		}
		f.Employee = id
	}
	f.SellerTaxNumber = strings.TrimSpace(p.SellerTaxNumber)
	if len(f.SellerTaxNumber) > 64 {
		return f, domain.Invalid("seller_tax_number", "at most 64 characters")
	}
	if f.MinAmount, err = parseAmount("min_amount", p.MinAmount); err != nil {
		return f, err
	}
	if f.MaxAmount, err = parseAmount("max_amount", p.MaxAmount); err != nil {
		return f, err
	}
	if f.MinAmount != nil && f.MaxAmount != nil && f.MaxAmount.Cmp(*f.MinAmount) < 0 {
		return f, domain.Invalid("max_amount", "must not be below min_amount")
	}
	for _, code := range splitList(p.ExpenseType) {
		if len(code) > 32 {
			return f, domain.Invalid("expense_type", "expense type codes (comma-separated)")
		}
		f.ExpenseTypes = append(f.ExpenseTypes, code)
	}
	f.Q = strings.TrimSpace(p.Q)
	if utf8.RuneCountInString(f.Q) > maxQ {
		return f, domain.Invalid("q", "at most 100 characters")
	}
	if !utf8.ValidString(f.Q) || strings.ContainsRune(f.Q, 0) {
		return f, domain.Invalid("q", "is not valid text")
	}
	return f, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseDay reads YYYY-MM-DD as the start of that day in China.
func parseDay(field, s string) (time.Time, string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, "", nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, chinaTime)
	if err != nil || d.Year() < 1990 || d.Year() > 9998 {
		return time.Time{}, "", domain.Invalid(field, "must be a date YYYY-MM-DD")
	}
	return d.UTC(), d.Format(time.DateOnly), nil
}

func parseAmount(field, s string) (*domain.Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	m, err := domain.ParseMoney(s)
	if err != nil || len(s) > 20 {
		return nil, domain.Invalid(field, "must be an amount in yuan such as 1234.50")
	}
	return &m, nil
}

// Person is an employee as others see them: a finance row's owner or
// approver, a directory lookup's answer.
type Person struct {
	ID         domain.EmployeeID
	Name       string
	Department string
}

// FinanceRow is one invoice as finance sees it: what WeChat said, the
// report holding it and who owns and approved it. It is a read model: a
// search returns many of them, so it carries no lines and no raw answer.
type FinanceRow struct {
	InvoiceID           domain.InvoiceID
	Source              domain.InvoiceSource // wallet, upload, mail, erp (DECISIONS 40)
	Channel             domain.Channel       // "" for a file invoice
	Ref                 CardRef
	OwnerOpenID         string
	Kind                domain.InvoiceKind
	RawType             string
	ID                  domain.BusinessID
	NeedsReview         bool
	IssuedAt            time.Time // zero when WeChat gave none
	ImportedAt          time.Time
	Buyer               domain.Party // name (title) and tax number only
	Seller              domain.Party
	Amount              domain.Money
	AmountWithoutTax    domain.Money
	Tax                 domain.Money
	TitleMatchesCompany bool
	WeChatStatus        domain.WeChatStatus // as we last knew it
	Employee            Person

	// The report holding the invoice; all zero when it is in none.
	ReportID     domain.ReportID
	ReportNumber string
	ReportStatus domain.ReportStatus
	Approver     Person
	ApprovedAt   time.Time // zero unless the report is approved

	// Expense details and payment (issue 17): the invoice's expense type
	// in the report, the report's purpose and, once paid, its payment.
	ExpenseTypeCode  string
	ExpenseTypeName  string
	Purpose          string
	PaidOn           string // YYYY-MM-DD
	PaymentReference string

	Sync InvoiceSync
}

// Warning is something finance should look at on an invoice.
type Warning string

// The warnings.
const (
	WarnAmounts     Warning = "amounts_inconsistent" // fee ≠ fee_without_tax + tax
	WarnTitle       Warning = "title_mismatch"       // the buyer is not one of ours
	WarnNeedsReview Warning = "needs_review"         // a number of an unknown shape (DECISIONS 10)
	WarnCancelled   Warning = "cancelled"            // red-flushed (冲红) by the issuer
	WarnSyncFailed  Warning = "sync_failed"          // WeChat was not told our decision
)

// Warnings lists what is odd about the row, in a fixed order.
func (r FinanceRow) Warnings() []Warning {
	var w []Warning
	if !r.Amount.Equal(r.AmountWithoutTax.Add(r.Tax)) {
		w = append(w, WarnAmounts)
	}
	if !r.TitleMatchesCompany {
		w = append(w, WarnTitle)
	}
	if r.NeedsReview {
		w = append(w, WarnNeedsReview)
	}
	if r.WeChatStatus == domain.StatusCancel {
		w = append(w, WarnCancelled)
	}
	if r.Sync == InvoiceFailed {
		w = append(w, WarnSyncFailed)
	}
	return w
}

// SortAt is the row's value of the date field rows are ordered by; zero
// for a row without one (no issue date, not approved).
func (r FinanceRow) SortAt(f DateField) time.Time {
	switch f {
	case ImportedOn:
		return r.ImportedAt
	case ApprovedOn:
		return r.ApprovedAt
	}
	return r.IssuedAt
}

// FinanceCursor is where a page ended: the last row's sort key. A zero At
// is a row without that date; such rows come first.
type FinanceCursor struct {
	DateField DateField
	At        time.Time
	ID        domain.InvoiceID
}

// FinanceTotals sums a filtered set of invoices.
type FinanceTotals struct {
	Count            int64
	Amount           domain.Money
	AmountWithoutTax domain.Money
	Tax              domain.Money
}

// Add counts one more row.
func (t *FinanceTotals) Add(r *FinanceRow) {
	t.Count++
	t.Amount = t.Amount.Add(r.Amount)
	t.AmountWithoutTax = t.AmountWithoutTax.Add(r.AmountWithoutTax)
	t.Tax = t.Tax.Add(r.Tax)
}

// FinanceStore reads invoices for finance.
type FinanceStore interface {
	// FinancePage returns up to limit rows matching f after the cursor
	// (nil: from the start), in (date field, id) order, with their sync
	// state.
	FinancePage(ctx context.Context, f FinanceFilter, after *FinanceCursor, limit int) ([]FinanceRow, error)
	// FinanceTotals counts and sums every row matching f.
	FinanceTotals(ctx context.Context, f FinanceFilter) (FinanceTotals, error)
}

// FinancePage is one page of a finance search.
type FinancePage struct {
	Rows []FinanceRow
	Next *FinanceCursor // nil on the last page
}

// Finance serves the finance role: search, totals, exports and
// reconciliation with WeChat.
type Finance struct {
	store     FinanceStore
	employees EmployeeDirectory
	formats   map[string]SheetFormat
	clock     Clock
	rec       *reconciler
}

// FinanceDeps are what Finance is built from. Runs, Tx and Channels are
// needed by reconciliation only.
type FinanceDeps struct {
	Store     FinanceStore
	Employees EmployeeDirectory
	Formats   []SheetFormat
	Clock     Clock
	Runs      ReconcileStore
	Tx        TxRunner
	Channels  Channels
	// BatchSize is how many invoices one WeChat batch read carries (the
	// gateway's own chunk size); CallsPerSecond bounds reconciliation's
	// reads (default 5).
	BatchSize      int
	CallsPerSecond float64
	// ReadRetry is the first wait before WeChat is asked again for what it
	// could not answer; it doubles (default 1s).
	ReadRetry time.Duration
	// Queued runs after a repair queued changes, e.g. to wake the worker.
	Queued func()
	// Fence orders a repair's re-read with the status writes (DECISIONS
	// 31); nil re-reads without it.
	Fence *Fence
}

// NewFinance returns the finance service. Close stops its background runs.
func NewFinance(d FinanceDeps) *Finance {
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	f := &Finance{store: d.Store, employees: d.Employees, clock: d.Clock, formats: map[string]SheetFormat{}}
	for _, sf := range d.Formats {
		f.formats[sf.Name] = sf
	}
	f.rec = newReconciler(f, d)
	return f
}

// MaxPage is the largest page a search answers (shared/API.md).
const MaxPage = 500

// authorize lets finance and admins in; everyone else is auth.forbidden.
func (s *Finance) authorize(ctx context.Context, by domain.EmployeeID) error {
	e, err := s.employees.Get(ctx, by)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return domain.ErrAuthRequired
	}
	if err != nil {
		return err
	}
	if !e.HasRole(domain.RoleFinance) && !e.HasRole(domain.RoleAdmin) {
		return domain.ErrForbidden.WithMessage("finance and administrators only")
	}
	return nil
}

// Search returns one page of invoices matching f, after the cursor.
func (s *Finance) Search(ctx context.Context, by domain.EmployeeID, f FinanceFilter, after *FinanceCursor, limit int) (FinancePage, error) {
	if err := s.authorize(ctx, by); err != nil {
		return FinancePage{}, err
	}
	if limit < 1 || limit > MaxPage {
		return FinancePage{}, domain.Invalid("limit", "must be a whole number from 1 to 500")
	}
	if after != nil && after.DateField != f.DateField {
		return FinancePage{}, domain.Invalid("cursor", "belongs to a search on another date_field")
	}
	rows, err := s.store.FinancePage(ctx, f, after, limit+1)
	if err != nil {
		return FinancePage{}, err
	}
	p := FinancePage{Rows: rows}
	if len(rows) > limit {
		p.Rows = rows[:limit]
		last := p.Rows[limit-1]
		p.Next = &FinanceCursor{DateField: f.DateField, At: last.SortAt(f.DateField), ID: last.InvoiceID}
	}
	return p, nil
}

// Totals counts and sums every invoice matching f (DECISIONS 20).
func (s *Finance) Totals(ctx context.Context, by domain.EmployeeID, f FinanceFilter) (FinanceTotals, error) {
	if err := s.authorize(ctx, by); err != nil {
		return FinanceTotals{}, err
	}
	return s.store.FinanceTotals(ctx, f)
}

// OperatorCount counts the invoices matching f, for the command line.
func (s *Finance) OperatorCount(ctx context.Context, f FinanceFilter) (int64, error) {
	t, err := s.store.FinanceTotals(ctx, f)
	return t.Count, err
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Finance reads invoices for finance (searches, totals, export pages) and
// keeps reconciliation runs (reconcile.go).
type Finance struct{ db bun.IDB }

// NewFinance returns finance's repository on db.
func NewFinance(db bun.IDB) *Finance { return &Finance{db: db} }

var _ app.FinanceStore = (*Finance)(nil)

// financeColumns are a FinanceRow's, in scan order.
const financeColumns = `i.id, i.channel, i.card_id, i.encrypt_code, i.owner_open_id, i.kind, i.raw_type,
	i.invoice_code, i.invoice_number, i.needs_review, i.issued_at, i.imported_at,
	i.buyer_name, i.buyer_tax_number, i.seller_name, i.seller_tax_number,
	i.amount_cents, i.amount_without_tax_cents, i.tax_cents, i.title_matches_company,
	i.wechat_status, i.status_generation, i.owner_id, COALESCE(e.name, ''), COALESCE(e.department, ''),
	COALESCE(r.id, ''), COALESCE(r.number, ''), COALESCE(r.status, ''), COALESCE(r.approver_id, ''),
	COALESCE(a.name, ''), COALESCE(a.department, ''), i.approved_at, i.source,
	COALESCE(ri.expense_type, ''), COALESCE(et.name, ''), COALESCE(r.purpose, ''),
	COALESCE(r.paid_on, ''), COALESCE(r.payment_reference, '')`

// sortColumn is the column rows are ordered and ranged by.
func sortColumn(f app.DateField) string {
	switch f {
	case app.ImportedOn:
		return "i.imported_at"
	case app.ApprovedOn:
		return "i.approved_at"
	}
	return "i.issued_at"
}

// filtered builds FROM and WHERE for f. Every filter is a column of
// invoices (report_status and approved_at are the report's, copied by
// syncFinanceColumns), so the 0004 indexes answer it without a join; the
// joins with people add names to the page's rows only.
func (s *Finance) filtered(ctx context.Context, f app.FinanceFilter, people bool) (*bun.SelectQuery, error) {
	q := s.db.NewSelect().TableExpr("invoices AS i")
	driven := false
	if f.Q != "" {
		var err error
		if driven, err = s.fewMatches(ctx, f.Q); err != nil {
			return nil, err
		}
	}
	if driven {
		// A rare prefix: start from its few invoices (CROSS JOIN fixes
		// SQLite's join order) rather than read the month for them.
		q = s.db.NewSelect().TableExpr("(?) AS qc", candidates(s.db, f)).
			Join("CROSS JOIN invoices AS i ON i.id = qc.id")
	}
	if people {
		q = q.Join("LEFT JOIN report_invoices AS ri ON ri.invoice_id = i.id").
			Join("LEFT JOIN reports AS r ON r.id = ri.report_id").
			Join("LEFT JOIN employees AS e ON e.id = i.owner_id").
			Join("LEFT JOIN employees AS a ON a.id = r.approver_id").
			Join("LEFT JOIN expense_types AS et ON et.code = ri.expense_type")
	}
	col := sortColumn(f.DateField)
	if !f.From.IsZero() {
		q = q.Where(col+" >= ?", f.From.UTC())
	} else if f.DateField == app.ApprovedOn {
		q = q.Where(col + " IS NOT NULL") // only approved invoices have an approval date
	}
	if !f.To.IsZero() {
		q = q.Where(col+" < ?", f.To.UTC())
	}
	// The two status indexes are ordered by issue date: on another date
	// field SQLite must not start from them (it would sort the status's
	// every invoice), so there the status is tested in the date's index;
	// a unary + keeps SQLite from using an index for a term.
	reportStatus, wechatStatus := "i.report_status", "i.wechat_status"
	if f.DateField != app.IssuedOn && !isMySQL(s.db) {
		reportStatus, wechatStatus = "+"+reportStatus, "+"+wechatStatus
	}
	if len(f.ReportStatuses) > 0 {
		statuses := make([]string, 0, len(f.ReportStatuses))
		for _, st := range f.ReportStatuses {
			if st == app.NoReport {
				st = ""
			}
			statuses = append(statuses, string(st))
		}
		switch {
		case f.DateField != app.ApprovedOn:
			col := reportStatus
			// Several statuses (approved means approved or paid,
			// DECISIONS 39): the status index cannot give them in date
			// order, so SQLite would read and sort every one of them; the
			// date index can, testing the status it carries.
			if len(statuses) > 1 && !strings.HasPrefix(col, "+") && !isMySQL(s.db) {
				col = "+" + col
			}
			q = q.Where(col+" IN (?)", bun.In(statuses))
		case slices.Contains(statuses, string(domain.ReportApproved)) && slices.Contains(statuses, string(domain.ReportPaid)):
			// On approved_on every row is approved or paid already
			// (approved_at is set only then): no condition.
		case slices.Contains(statuses, string(domain.ReportApproved)):
			q = q.Where(reportStatus+" = ?", string(domain.ReportApproved))
		case slices.Contains(statuses, string(domain.ReportPaid)):
			q = q.Where(reportStatus+" = ?", string(domain.ReportPaid))
		default:
			q = q.Where("1 = 0") // approval dates belong to approved reports only
		}
	}
	if len(f.WeChatStatuses) > 0 {
		st := make([]string, len(f.WeChatStatuses))
		for i, s := range f.WeChatStatuses {
			st[i] = string(s)
		}
		q = q.Where(wechatStatus+" IN (?)", bun.In(st))
	}
	if f.Employee != "" {
		q = q.Where("i.owner_id = ?", string(f.Employee))
	}
	if f.SellerTaxNumber != "" {
		q = q.Where("i.seller_tax_number = ?", f.SellerTaxNumber)
	}
	if len(f.ExpenseTypes) > 0 {
		q = q.Where("i.id IN (SELECT invoice_id FROM report_invoices WHERE expense_type IN (?))", bun.In(f.ExpenseTypes))
	}
	if f.MinAmount != nil {
		q = q.Where("i.amount_cents >= ?", f.MinAmount.Cents())
	}
	if f.MaxAmount != nil {
		q = q.Where("i.amount_cents <= ?", f.MaxAmount.Cents())
	}
	if f.Q != "" && !driven {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return prefixMatch(q, f.Q)
		})
	}
	return q, nil
}

// candidates are the ids of the invoices in f's date range that f.Q is a
// prefix of (SQLite): one index range per term, the range checked in the
// index where it carries the date (invoices_fin_number, _seller_name,
// _seller_*, _owner_*).
func candidates(db bun.IDB, f app.FinanceFilter) *bun.SelectQuery {
	p := globPrefix(f.Q)
	col := strings.TrimPrefix(sortColumn(f.DateField), "i.")
	// INDEXED BY: with a date range at hand, SQLite would rather read the
	// month than the prefix's index range.
	term := func(from, where string) *bun.SelectQuery {
		q := db.NewSelect().TableExpr(from).Column("id").Where(where, p)
		if !f.From.IsZero() {
			q = q.Where(col+" >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			q = q.Where(col+" < ?", f.To.UTC())
		}
		return q
	}
	return term("invoices INDEXED BY invoices_fin_number", "invoice_number GLOB ?").
		Union(term("invoices INDEXED BY invoices_fin_seller_name", "seller_name GLOB ?")).
		Union(term("invoices", "seller_tax_number GLOB ?")).
		Union(term("invoices", "owner_id IN (SELECT id FROM employees WHERE name GLOB ?)")).
		Union(term("invoices", "id IN ("+purposeMatch+"GLOB ?)")).
		Union(term("invoices", "id IN ("+expenseNameMatch+"GLOB ?))"))
}

// purposeMatch and expenseNameMatch find invoices by their report's purpose
// (事由) and their expense type's name (issue 17); the operator and the
// pattern follow.
const (
	purposeMatch     = "SELECT rp.invoice_id FROM report_invoices AS rp JOIN reports AS rq ON rq.id = rp.report_id WHERE rq.purpose "
	expenseNameMatch = "SELECT invoice_id FROM report_invoices WHERE expense_type IN (SELECT code FROM expense_types WHERE name "
)

// fewCap is where starting from q's matches stops paying. Below it, the
// terms' index ranges (dates included, see candidates) are read whole,
// which costs less than reading a month of rows to test each; above it,
// matches are dense enough that the month's rows give a page quickly.
const fewCap = 10000

// fewMatches reports whether q is a prefix of at most fewCap invoices. It
// reads at most fewCap+1 index entries. MySQL's optimizer makes this choice
// itself, so there it is always false.
func (s *Finance) fewMatches(ctx context.Context, q string) (bool, error) {
	if isMySQL(s.db) {
		return false, nil
	}
	p := globPrefix(q)
	var n int
	err := s.db.NewRaw(`SELECT COUNT(*) FROM (
		SELECT 1 FROM invoices INDEXED BY invoices_fin_number WHERE invoice_number GLOB ?
		UNION ALL SELECT 1 FROM invoices INDEXED BY invoices_fin_seller_name WHERE seller_name GLOB ?
		UNION ALL SELECT 1 FROM invoices WHERE seller_tax_number GLOB ?
		UNION ALL SELECT 1 FROM invoices WHERE owner_id IN (SELECT id FROM employees WHERE name GLOB ?)
		UNION ALL `+purposeMatch+`GLOB ?
		UNION ALL `+expenseNameMatch+`GLOB ?)
		LIMIT ?)`, p, p, p, p, p, p, fewCap+1).Scan(ctx, &n)
	if err != nil {
		return false, fmt.Errorf("finance search: count matches of q: %w", err)
	}
	return n <= fewCap, nil
}

// prefixMatch is q as a prefix of the invoice number, the seller's name
// or tax number, or the employee's name (DECISIONS 20), tested row by row:
// for a prefix of many invoices, found in the date range's own order.
// SQLite's LIKE ignores case and cannot use a BINARY index, GLOB does both
// right; MySQL reads LIKE 'q%' as an index range itself. So the match is
// case-sensitive on SQLite and follows the column's collation on MySQL;
// tax numbers are upper case and names Chinese.
func prefixMatch(q *bun.SelectQuery, prefix string) *bun.SelectQuery {
	op, p := "LIKE ? ESCAPE '!'", likePrefix(prefix)
	if !isMySQL(q.DB()) {
		op, p = "GLOB ?", globPrefix(prefix)
	}
	return q.Where("i.invoice_number "+op, p).
		WhereOr("i.seller_name "+op, p).
		WhereOr("i.seller_tax_number "+op, p).
		WhereOr("i.owner_id IN (SELECT id FROM employees WHERE name "+op+")", p).
		WhereOr("i.id IN ("+purposeMatch+op+")", p).
		WhereOr("i.id IN ("+expenseNameMatch+op+"))", p)
}

// likePrefix is a LIKE pattern matching values that start with s.
func likePrefix(s string) string {
	return likeEscape(s) + "%"
}

// likeEscape makes s match only itself in a LIKE … ESCAPE '!' pattern.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// globPrefix is a GLOB pattern matching values that start with s.
func globPrefix(s string) string {
	return strings.NewReplacer("*", "[*]", "?", "[?]", "[", "[[]").Replace(s) + "*"
}

// syncFinanceColumns keeps invoices.report_status and approved_at, finance's
// copies of the holding report's status and approval time (0004), in step
// with the report. Reports calls it in every transaction that creates or
// changes a report, with the invoices the report held before.
func syncFinanceColumns(ctx context.Context, tx bun.IDB, r *domain.Report, before []domain.InvoiceID) error {
	var held []string
	if r.Status().HoldsInvoices() {
		for _, id := range r.InvoiceIDs() {
			held = append(held, string(id))
		}
	}
	var released []string
	for _, id := range before {
		if !slices.Contains(held, string(id)) {
			released = append(released, string(id))
		}
	}
	if len(released) > 0 {
		if _, err := tx.NewUpdate().Table("invoices").Set("report_status = ''").Set("approved_at = NULL").
			Where("id IN (?)", bun.In(released)).Exec(ctx); err != nil {
			return fmt.Errorf("release invoices of report %s for finance: %w", r.ID(), err)
		}
	}
	if len(held) > 0 {
		var approved any           // NULL unless approved
		if r.Status().Approved() { // a paid report keeps its approval date
			approved = r.DecidedAt().UTC()
		}
		if _, err := tx.NewUpdate().Table("invoices").Set("report_status = ?", string(r.Status())).
			Set("approved_at = ?", approved).Where("id IN (?)", bun.In(held)).Exec(ctx); err != nil {
			return fmt.Errorf("record report %s on its invoices for finance: %w", r.ID(), err)
		}
	}
	return nil
}

// FinancePage returns up to limit rows after the cursor, in (date, id)
// order; rows without the date (no issue date) come first, as NULLs sort
// first on both databases.
func (s *Finance) FinancePage(ctx context.Context, f app.FinanceFilter, after *app.FinanceCursor, limit int) ([]app.FinanceRow, error) {
	q, err := s.pageQuery(ctx, f, after, limit)
	if err != nil {
		return nil, err
	}
	rows, err := q.Rows(ctx)
	if err != nil {
		return nil, fmt.Errorf("finance search: %w", err)
	}
	defer rows.Close()
	out := make([]app.FinanceRow, 0, limit)
	var gens []int64
	for rows.Next() {
		var (
			r                                  app.FinanceRow
			channel, kind, status, repStatus   string
			owner, approver, reportID          string
			needsReview, titleOK               bool
			amount, net, tax, gen              int64
			issued, imported, decided          dbTime
			approverName, approverDep, repNum  string
			employeeName, employeeDep, invID   string
			code, number, cardID, encrypt, oid string
			source                             string
		)
		if err := rows.Scan(&invID, &channel, &cardID, &encrypt, &oid, &kind, &r.RawType,
			&code, &number, &needsReview, &issued, &imported,
			&r.Buyer.Name, &r.Buyer.TaxNumber, &r.Seller.Name, &r.Seller.TaxNumber,
			&amount, &net, &tax, &titleOK,
			&status, &gen, &owner, &employeeName, &employeeDep,
			&reportID, &repNum, &repStatus, &approver,
			&approverName, &approverDep, &decided, &source,
			&r.ExpenseTypeCode, &r.ExpenseTypeName, &r.Purpose, &r.PaidOn, &r.PaymentReference); err != nil {
			return nil, fmt.Errorf("finance search: scan: %w", err)
		}
		r.InvoiceID = domain.InvoiceID(invID)
		r.Channel = domain.Channel(channel)
		r.Source = domain.InvoiceSource(source)
		r.Ref = app.CardRef{CardID: cardID, EncryptCode: encrypt}
		r.OwnerOpenID = oid
		r.Kind = domain.InvoiceKind(kind)
		r.ID = domain.BusinessID{Code: code, Number: number}
		r.NeedsReview = needsReview
		r.IssuedAt, r.ImportedAt = issued.t, imported.t
		r.Amount, r.AmountWithoutTax, r.Tax = domain.MoneyFromCents(amount), domain.MoneyFromCents(net), domain.MoneyFromCents(tax)
		r.TitleMatchesCompany = titleOK
		r.WeChatStatus = domain.WeChatStatus(status)
		r.Employee = app.Person{ID: domain.EmployeeID(owner), Name: employeeName, Department: employeeDep}
		if reportID != "" {
			r.ReportID, r.ReportNumber, r.ReportStatus = domain.ReportID(reportID), repNum, domain.ReportStatus(repStatus)
			r.Approver = app.Person{ID: domain.EmployeeID(approver), Name: approverName, Department: approverDep}
			r.ApprovedAt = decided.t // set only while the report is approved
		}
		r.Sync = app.InvoiceSynced
		out = append(out, r)
		gens = append(gens, gen)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("finance search: %w", err)
	}
	if err := s.syncStates(ctx, out, gens); err != nil {
		return nil, err
	}
	return out, nil
}

// pageQuery is the SELECT of one page.
func (s *Finance) pageQuery(ctx context.Context, f app.FinanceFilter, after *app.FinanceCursor, limit int) (*bun.SelectQuery, error) {
	col := sortColumn(f.DateField)
	if after != nil && after.At.After(f.From) {
		// The page starts at the cursor's date: one lower bound, so the
		// index range starts there (given two, SQLite may seek to the
		// range's start and read every earlier page again).
		f.From = after.At
	}
	q, err := s.filtered(ctx, f, true)
	if err != nil {
		return nil, err
	}
	q = q.ColumnExpr(financeColumns).OrderExpr(col + ", i.id").Limit(int64(limit))
	switch {
	case after == nil:
		return q, nil
	case after.At.IsZero():
		return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(col+" IS NULL AND i.id > ?", string(after.ID)).WhereOr(col + " IS NOT NULL")
		}), nil
	}
	// From is the cursor's date now; the OR settles ties on it by id.
	at := after.At.UTC()
	return q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where(col+" > ?", at).WhereOr("i.id > ?", string(after.ID))
	}), nil
}

// syncStates sets each row's sync state from the outbox rows of its
// current status generation: an older decision's rows no longer matter.
func (s *Finance) syncStates(ctx context.Context, rows []app.FinanceRow, gens []int64) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]string, len(rows))
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		ids[i] = string(r.InvoiceID)
		index[ids[i]] = i
	}
	var pending []struct {
		InvoiceID  string
		Generation int64
		State      string
	}
	err := s.db.NewSelect().Table("outbox").Column("invoice_id", "generation", "state").
		Where("invoice_id IN (?)", bun.In(ids)).
		Where("state IN (?)", bun.In([]string{string(app.OutboxPending), string(app.OutboxFailed)})).
		Scan(ctx, &pending)
	if err != nil {
		return fmt.Errorf("finance search: sync states: %w", err)
	}
	for _, p := range pending {
		i, ok := index[p.InvoiceID]
		if !ok || p.Generation != gens[i] {
			continue
		}
		if p.State == string(app.OutboxPending) {
			rows[i].Sync = app.InvoicePending
		} else if rows[i].Sync != app.InvoicePending {
			rows[i].Sync = app.InvoiceFailed
		}
	}
	return nil
}

// FinanceTotals counts and sums the rows matching f in the database.
func (s *Finance) FinanceTotals(ctx context.Context, f app.FinanceFilter) (app.FinanceTotals, error) {
	var count, amount, net, tax int64
	q, err := s.filtered(ctx, f, false)
	if err != nil {
		return app.FinanceTotals{}, err
	}
	err = q.
		ColumnExpr("COUNT(*)").
		ColumnExpr("COALESCE(SUM(i.amount_cents), 0)").
		ColumnExpr("COALESCE(SUM(i.amount_without_tax_cents), 0)").
		ColumnExpr("COALESCE(SUM(i.tax_cents), 0)").
		Scan(ctx, &count, &amount, &net, &tax)
	if err != nil {
		return app.FinanceTotals{}, fmt.Errorf("finance totals: %w", err)
	}
	return app.FinanceTotals{
		Count: count, Amount: domain.MoneyFromCents(amount),
		AmountWithoutTax: domain.MoneyFromCents(net), Tax: domain.MoneyFromCents(tax),
	}, nil
}

// dbTime scans a nullable time as both drivers give it: MySQL a
// time.Time, SQLite a time.Time or bun's text form. NULL is the zero time.
type dbTime struct{ t time.Time }

var dbTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.t = time.Time{}
		return nil
	case time.Time:
		d.t = x.UTC()
		return nil
	case []byte:
		return d.parse(string(x))
	case string:
		return d.parse(x)
	}
	return fmt.Errorf("scan time: unexpected %T", v)
}

func (d *dbTime) parse(s string) error {
	for _, l := range dbTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			d.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("scan time: cannot parse %q", s)
}

var _ sql.Scanner = (*dbTime)(nil)

package store

import (
	"context"
	"database/sql"
	"fmt"
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
	COALESCE(a.name, ''), COALESCE(a.department, ''), r.decided_at`

// sortColumn is the column rows are ordered and ranged by.
func sortColumn(f app.DateField) string {
	switch f {
	case app.ImportedOn:
		return "i.imported_at"
	case app.ApprovedOn:
		return "r.decided_at"
	}
	return "i.issued_at"
}

// filtered builds FROM and WHERE for f. An approval-date search starts
// from approved reports (reports_status index); the others start from
// invoices, whose 0004 indexes lead with a filter and end with (date, id),
// so a page is one ordered index range.
func (s *Finance) filtered(f app.FinanceFilter, people bool) *bun.SelectQuery {
	q := s.db.NewSelect()
	col := sortColumn(f.DateField)
	if f.DateField == app.ApprovedOn {
		q = q.TableExpr("reports AS r").
			Join("JOIN report_invoices AS ri ON ri.report_id = r.id").
			Join("JOIN invoices AS i ON i.id = ri.invoice_id").
			Where("r.status = ?", string(domain.ReportApproved))
	} else {
		q = q.TableExpr("invoices AS i").
			Join("LEFT JOIN report_invoices AS ri ON ri.invoice_id = i.id").
			Join("LEFT JOIN reports AS r ON r.id = ri.report_id")
	}
	if people {
		q = q.Join("LEFT JOIN employees AS e ON e.id = i.owner_id").
			Join("LEFT JOIN employees AS a ON a.id = r.approver_id")
	}
	if !f.From.IsZero() {
		q = q.Where(col+" >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where(col+" < ?", f.To.UTC())
	}
	if len(f.ReportStatuses) > 0 {
		var statuses []string
		none := false
		for _, st := range f.ReportStatuses {
			if st == app.NoReport {
				none = true
			} else if f.DateField != app.ApprovedOn || st == domain.ReportApproved {
				statuses = append(statuses, string(st))
			}
		}
		if f.DateField == app.ApprovedOn {
			none = false // every row is in an approved report
		}
		switch {
		case len(statuses) > 0 && none:
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("r.status IN (?)", bun.In(statuses)).WhereOr("ri.report_id IS NULL")
			})
		case len(statuses) > 0:
			q = q.Where("r.status IN (?)", bun.In(statuses))
		case none:
			q = q.Where("ri.report_id IS NULL")
		default:
			q = q.Where("1 = 0")
		}
	}
	if len(f.WeChatStatuses) > 0 {
		st := make([]string, len(f.WeChatStatuses))
		for i, s := range f.WeChatStatuses {
			st[i] = string(s)
		}
		q = q.Where("i.wechat_status IN (?)", bun.In(st))
	}
	if f.Employee != "" {
		if f.DateField == app.ApprovedOn {
			// The same person (a report holds only its owner's invoices),
			// through reports_fin_employee.
			q = q.Where("r.employee_id = ?", string(f.Employee))
		} else {
			q = q.Where("i.owner_id = ?", string(f.Employee))
		}
	}
	if f.SellerTaxNumber != "" {
		q = q.Where("i.seller_tax_number = ?", f.SellerTaxNumber)
	}
	if f.MinAmount != nil {
		q = q.Where("i.amount_cents >= ?", f.MinAmount.Cents())
	}
	if f.MaxAmount != nil {
		q = q.Where("i.amount_cents <= ?", f.MaxAmount.Cents())
	}
	if f.Q != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return prefixMatch(q, f.Q)
		})
	}
	return q
}

// prefixMatch is q as a prefix of the invoice number, the seller's name
// or tax number, or the employee's name (DECISIONS 20). Each term can use
// an index (0004), so a rare prefix is found without reading the month:
// SQLite turns GLOB 'q*' on a BINARY column into an index range (its LIKE
// is case-insensitive and cannot), MySQL does the same with LIKE 'q%'.
// So the match is case-sensitive on SQLite and follows the column's
// collation on MySQL; tax numbers are upper case and names Chinese.
func prefixMatch(q *bun.SelectQuery, prefix string) *bun.SelectQuery {
	op, p := "LIKE ? ESCAPE '!'", likePrefix(prefix)
	if !isMySQL(q.DB()) {
		op, p = "GLOB ?", globPrefix(prefix)
	}
	return q.Where("i.invoice_number "+op, p).
		WhereOr("i.seller_name "+op, p).
		WhereOr("i.seller_tax_number "+op, p).
		WhereOr("i.owner_id IN (SELECT id FROM employees WHERE name "+op+")", p)
}

// likePrefix is a LIKE pattern matching values that start with s.
func likePrefix(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s) + "%"
}

// globPrefix is a GLOB pattern matching values that start with s.
func globPrefix(s string) string {
	return strings.NewReplacer("*", "[*]", "?", "[?]", "[", "[[]").Replace(s) + "*"
}

// FinancePage returns up to limit rows after the cursor, in (date, id)
// order; rows without the date (no issue date) come first, as NULLs sort
// first on both databases.
func (s *Finance) FinancePage(ctx context.Context, f app.FinanceFilter, after *app.FinanceCursor, limit int) ([]app.FinanceRow, error) {
	col := sortColumn(f.DateField)
	q := s.filtered(f, true).ColumnExpr(financeColumns).
		OrderExpr(col + ", i.id").Limit(int64(limit))
	if after != nil {
		if after.At.IsZero() {
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where(col+" IS NULL AND i.id > ?", string(after.ID)).WhereOr(col + " IS NOT NULL")
			})
		} else {
			at := after.At.UTC()
			// The leading >= gives both databases an index range to start
			// from; the OR settles ties on the date by id.
			q = q.Where(col+" >= ?", at).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where(col+" > ?", at).WhereOr("i.id > ?", string(after.ID))
			})
		}
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
		)
		if err := rows.Scan(&invID, &channel, &cardID, &encrypt, &oid, &kind, &r.RawType,
			&code, &number, &needsReview, &issued, &imported,
			&r.Buyer.Name, &r.Buyer.TaxNumber, &r.Seller.Name, &r.Seller.TaxNumber,
			&amount, &net, &tax, &titleOK,
			&status, &gen, &owner, &employeeName, &employeeDep,
			&reportID, &repNum, &repStatus, &approver,
			&approverName, &approverDep, &decided); err != nil {
			return nil, fmt.Errorf("finance search: scan: %w", err)
		}
		r.InvoiceID = domain.InvoiceID(invID)
		r.Channel = domain.Channel(channel)
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
			if r.ReportStatus == domain.ReportApproved {
				r.ApprovedAt = decided.t
			}
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
	err := s.filtered(f, false).
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

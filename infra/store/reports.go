package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Reports stores expense reports, which invoices they hold, and their
// audit trail.
type Reports struct{ db bun.IDB }

type reportRow struct {
	bun.BaseModel `bun:"table:reports"`

	ID           string `bun:",pk"`
	Number       string
	Title        string
	Status       string
	EmployeeID   string
	ApproverID   string // the current approver, else who approved last (exports)
	Plan         string // JSON, see planDoc
	TotalCents   int64
	InvoiceCount int
	Version      int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	SubmittedAt  time.Time `bun:",nullzero"`
	DecidedAt    time.Time `bun:",nullzero"`
	reportDetailRow
}

type reportInvoiceRow struct {
	bun.BaseModel `bun:"table:report_invoices"`

	ReportID  string `bun:",pk"`
	InvoiceID string `bun:",pk"`
	Position  int
	// ExpenseType is the invoice's expense type code in this report (0017).
	ExpenseType string
}

type historyRow struct {
	bun.BaseModel `bun:"table:report_history"`

	ID         int64 `bun:",pk,autoincrement"`
	ReportID   string
	At         time.Time
	ActorID    string
	Action     string
	FromStatus string
	ToStatus   string
	Comment    string
}

func reportFromDomain(r *domain.Report) (reportRow, error) {
	d := r.Data()
	plan, err := planToJSON(d.Plan)
	if err != nil {
		return reportRow{}, fmt.Errorf("encode plan of report %s: %w", d.ID, err)
	}
	row := reportRow{
		ID: string(d.ID), Number: d.Number, Title: d.Title, Status: string(d.Status),
		EmployeeID: string(d.EmployeeID), ApproverID: string(r.ApproverOfRecord()), Plan: plan,
		TotalCents: d.Total.Cents(), InvoiceCount: len(d.InvoiceIDs), Version: d.Version,
		CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
		SubmittedAt: utc(d.SubmittedAt), DecidedAt: utc(d.DecidedAt),
	}
	row.reportDetailRow = detailsToRow(d.Details)
	return row, nil
}

func (r reportRow) toDomain(invoices []reportInvoiceRow, history []historyRow) *domain.Report {
	d := domain.ReportData{
		ID: domain.ReportID(r.ID), Number: r.Number, Title: r.Title, Status: domain.ReportStatus(r.Status),
		EmployeeID: domain.EmployeeID(r.EmployeeID), Plan: planFromJSON(r.Plan),
		Total: domain.MoneyFromCents(r.TotalCents), Version: r.Version,
		CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		SubmittedAt: utc(r.SubmittedAt), DecidedAt: utc(r.DecidedAt),
		Details: r.toDetails(invoices),
	}
	for _, ri := range invoices {
		d.InvoiceIDs = append(d.InvoiceIDs, domain.InvoiceID(ri.InvoiceID))
	}
	for _, h := range history {
		d.History = append(d.History, domain.HistoryEntry{
			At: utc(h.At), Actor: domain.EmployeeID(h.ActorID), Action: domain.Action(h.Action),
			From: domain.ReportStatus(h.FromStatus), To: domain.ReportStatus(h.ToStatus), Comment: h.Comment,
		})
	}
	return domain.RestoreReport(d)
}

// Create numbers and stores a new report in one transaction. build gets the
// report number (BX-<year>-NNNNNN, counted per year) so a refused report
// uses none.
func (s *Reports) Create(ctx context.Context, year int, build func(number string) (*domain.Report, error)) (*domain.Report, error) {
	var out *domain.Report
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		seq, err := nextInSequence(ctx, tx, fmt.Sprintf("report_number:%d", year))
		if err != nil {
			return err
		}
		r, err := build(domain.ReportNumber(year, int(seq)))
		if err != nil {
			return err
		}
		row, err := reportFromDomain(r)
		if err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("add report %s: %w", row.ID, err)
		}
		if err := s.syncInvoices(ctx, tx, r, nil); err != nil {
			return err
		}
		if err := syncFinanceColumns(ctx, tx, r, nil); err != nil {
			return err
		}
		if err := insertHistory(ctx, tx, r); err != nil {
			return err
		}
		out, err = s.load(ctx, tx, r.ID(), false)
		return err
	})
	return out, err
}

// Get loads a report with its invoice ids and history.
func (s *Reports) Get(ctx context.Context, id domain.ReportID) (*domain.Report, error) {
	return s.load(ctx, s.db, id, false)
}

func (s *Reports) load(ctx context.Context, db bun.IDB, id domain.ReportID, lock bool) (*domain.Report, error) {
	var row reportRow
	q := db.NewSelect().Model(&row).Where("id = ?", string(id))
	if lock {
		q = forUpdate(db, q)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "report "+string(id))
	}
	var invoices []reportInvoiceRow
	if err := db.NewSelect().Model(&invoices).Where("report_id = ?", row.ID).OrderExpr("position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load invoices of report %s: %w", id, err)
	}
	var history []historyRow
	if err := db.NewSelect().Model(&history).Where("report_id = ?", row.ID).OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load history of report %s: %w", id, err)
	}
	return row.toDomain(invoices, history), nil
}

// Update loads a report (locked on MySQL), lets fn change it and saves it
// with its invoices and new history entries, if its version is still the
// one loaded. An invoice that another transaction put into another report
// meanwhile makes the whole update fail with domain.ErrInvoiceInReport.
func (s *Reports) Update(ctx context.Context, id domain.ReportID, fn func(*domain.Report) error) (*domain.Report, error) {
	var out *domain.Report
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		r, err := s.load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before, beforeTypes := r.InvoiceIDs(), r.Details().ExpenseTypes
		if err := fn(r); err != nil {
			return err
		}
		row, err := reportFromDomain(r)
		if err != nil {
			return err
		}
		loaded := row.Version
		row.Version++
		res, err := tx.NewUpdate().Model(&row).WherePK().Where("version = ?", loaded).Exec(ctx)
		if err != nil {
			return fmt.Errorf("update report %s: %w", id, err)
		}
		if err := versionCheck(res, "report "+string(id)); err != nil {
			return err
		}
		if err := s.syncInvoices(ctx, tx, r, before); err != nil {
			return err
		}
		if err := syncExpenseTypes(ctx, tx, r, before, beforeTypes); err != nil {
			return err
		}
		if err := syncFinanceColumns(ctx, tx, r, before); err != nil {
			return err
		}
		if err := syncPending(ctx, tx, r); err != nil {
			return err
		}
		if err := insertHistory(ctx, tx, r); err != nil {
			return err
		}
		out, err = s.load(ctx, tx, id, false)
		return err
	})
	return out, err
}

// syncInvoices makes report_invoices match the report. Rows exist only
// while the report holds its invoices; the unique invoice_id index is what
// stops one invoice from entering two reports, even under a race.
func (s *Reports) syncInvoices(ctx context.Context, tx bun.IDB, r *domain.Report, before []domain.InvoiceID) error {
	want := r.InvoiceIDs()
	if !r.Status().HoldsInvoices() {
		want = nil
	}
	if slices.Equal(want, before) {
		return nil
	}
	if len(before) > 0 {
		if _, err := tx.NewDelete().Model((*reportInvoiceRow)(nil)).Where("report_id = ?", string(r.ID())).Exec(ctx); err != nil {
			return fmt.Errorf("release invoices of report %s: %w", r.ID(), err)
		}
	}
	if len(want) == 0 {
		return nil
	}
	rows := make([]reportInvoiceRow, len(want))
	for i, id := range want {
		rows[i] = reportInvoiceRow{ReportID: string(r.ID()), InvoiceID: string(id), Position: i, ExpenseType: r.ExpenseType(id)}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		if _, dup := uniqueViolation(err); dup {
			return fmt.Errorf("put invoices in report %s: %w: %w", r.ID(), domain.ErrInvoiceInReport, err)
		}
		return fmt.Errorf("put invoices in report %s: %w", r.ID(), err)
	}
	return nil
}

func insertHistory(ctx context.Context, tx bun.IDB, r *domain.Report) error {
	entries := r.NewHistory()
	if len(entries) == 0 {
		return nil
	}
	rows := make([]historyRow, len(entries))
	for i, h := range entries {
		rows[i] = historyRow{
			ReportID: string(r.ID()), At: utc(h.At), ActorID: string(h.Actor), Action: string(h.Action),
			FromStatus: string(h.From), ToStatus: string(h.To), Comment: h.Comment,
		}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("record history of report %s: %w", r.ID(), err)
	}
	return nil
}

// List returns reports matching q, newest first, loading each fully.
func (s *Reports) List(ctx context.Context, q app.ReportQuery) ([]*domain.Report, error) {
	var rows []reportRow
	sel := s.db.NewSelect().Model(&rows).OrderExpr("id DESC").Limit(int64(q.Limit))
	if q.EmployeeID != "" {
		sel = sel.Where("employee_id = ?", string(q.EmployeeID))
	}
	if q.PendingFor != "" {
		sel = sel.Where("id IN (SELECT report_id FROM report_pending WHERE employee_id = ?)", string(q.PendingFor))
	}
	if q.DecidedBy != "" {
		sel = sel.Where("id IN (SELECT report_id FROM report_history WHERE actor_id = ? AND action IN (?))",
			string(q.DecidedBy), bun.In([]string{string(domain.ActionApprove), string(domain.ActionReject)}))
	}
	if q.Search != "" {
		// A prefix of the number, title or owner's name, as finance's q.
		op, p := "LIKE ? ESCAPE '!'", likePrefix(q.Search)
		if !isMySQL(s.db) {
			op, p = "GLOB ?", globPrefix(q.Search)
		}
		sel = sel.WhereGroup(" AND ", func(w *bun.SelectQuery) *bun.SelectQuery {
			return w.Where("number "+op, p).WhereOr("title "+op, p).
				WhereOr("employee_id IN (SELECT id FROM employees WHERE name "+op+")", p)
		})
	}
	if len(q.Statuses) > 0 {
		st := make([]string, len(q.Statuses))
		for i, s := range q.Statuses {
			st[i] = string(s)
		}
		sel = sel.Where("status IN (?)", bun.In(st))
	} else {
		sel = sel.Where("status <> ?", string(domain.ReportDeleted))
	}
	if q.Before != "" {
		sel = sel.Where("id < ?", string(q.Before))
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	// A page's invoices and history in one query each, not two per
	// report: lists are what every H5 page opens with.
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var invoices []reportInvoiceRow
	if err := s.db.NewSelect().Model(&invoices).Where("report_id IN (?)", bun.In(ids)).
		OrderExpr("report_id, position").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list invoices of reports: %w", err)
	}
	var history []historyRow
	if err := s.db.NewSelect().Model(&history).Where("report_id IN (?)", bun.In(ids)).
		OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list history of reports: %w", err)
	}
	invoicesOf := map[string][]reportInvoiceRow{}
	for _, ri := range invoices {
		invoicesOf[ri.ReportID] = append(invoicesOf[ri.ReportID], ri)
	}
	historyOf := map[string][]historyRow{}
	for _, h := range history {
		historyOf[h.ReportID] = append(historyOf[h.ReportID], h)
	}
	out := make([]*domain.Report, len(rows))
	for i, row := range rows {
		out[i] = row.toDomain(invoicesOf[row.ID], historyOf[row.ID])
	}
	return out, nil
}

// ClaimSubmit reserves a report for one submit until `until`, if it is
// still at `version` and no other submit holds an unexpired claim.
func (s *Reports) ClaimSubmit(ctx context.Context, id domain.ReportID, version int64, now, until time.Time) error {
	res, err := s.db.NewUpdate().Table("reports").
		Set("submit_claim_until = ?", until.UTC()).
		Where("id = ?", string(id)).Where("version = ?", version).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("submit_claim_until IS NULL").WhereOr("submit_claim_until < ?", now.UTC())
		}).Exec(ctx)
	if err != nil {
		return fmt.Errorf("claim report %s for submit: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("claim report %s: %w", id, domain.ErrVersionConflict.WithMessage("the report changed or is being submitted; reload and try again"))
	}
	return nil
}

// ReleaseSubmit ends the submit claim taken until `until`; a claim another
// submit took after that one ran out stays.
func (s *Reports) ReleaseSubmit(ctx context.Context, id domain.ReportID, until time.Time) error {
	_, err := s.db.NewUpdate().Table("reports").Set("submit_claim_until = NULL").Where("id = ?", string(id)).
		Where("submit_claim_until BETWEEN ? AND ?", until.Add(-time.Millisecond).UTC(), until.Add(time.Millisecond).UTC()).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("release submit claim of report %s: %w", id, err)
	}
	return nil
}

// EndSubmit ends the submit claim taken until `until`, if it still holds
// at now; otherwise the claim ran out and another submit may own the
// report, and the caller's commit must roll back. The stored time is
// matched within a millisecond: the two databases keep different
// precisions.
func (s *Reports) EndSubmit(ctx context.Context, id domain.ReportID, until, now time.Time) error {
	res, err := s.db.NewUpdate().Table("reports").Set("submit_claim_until = NULL").
		Where("id = ?", string(id)).
		Where("submit_claim_until >= ?", now.UTC()).
		Where("submit_claim_until BETWEEN ? AND ?", until.Add(-time.Millisecond).UTC(), until.Add(time.Millisecond).UTC()).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("end submit claim of report %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("report %s: %w", id, domain.ErrVersionConflict.WithMessage("the submit took too long and its claim on the report ran out; reload and try again"))
	}
	return nil
}

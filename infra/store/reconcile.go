package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

var _ app.ReconcileStore = (*Finance)(nil)

type reconcileRunRow struct {
	bun.BaseModel `bun:"table:reconcile_runs"`

	ID          string `bun:",pk"`
	DateField   string
	FromOn      string
	ToOn        string
	State       string
	Checked     int
	Pending     int
	Mismatches  int
	Error       string
	RequestedBy string
	CreatedAt   time.Time
	HeartbeatAt time.Time
	FinishedAt  time.Time `bun:",nullzero"`
}

type mismatchRow struct {
	bun.BaseModel `bun:"table:reconcile_mismatches"`

	ID           int64 `bun:",pk,autoincrement"`
	RunID        string
	InvoiceID    string
	ReportID     string
	ReportNumber string
	ReportStatus string
	Expected     string
	Recorded     string
	Wechat       string
	Kind         string
	Reason       string
	Repair       string
	RepairNote   string
}

func (r reconcileRunRow) toApp() app.ReconcileRun {
	return app.ReconcileRun{
		ID: r.ID, DateField: app.DateField(r.DateField), FromOn: r.FromOn, ToOn: r.ToOn,
		State: app.ReconcileState(r.State), Checked: r.Checked, Pending: r.Pending, Mismatches: r.Mismatches,
		Error: r.Error, RequestedBy: domain.EmployeeID(r.RequestedBy),
		CreatedAt: utc(r.CreatedAt), HeartbeatAt: utc(r.HeartbeatAt), FinishedAt: utc(r.FinishedAt),
	}
}

func (r mismatchRow) toApp() app.Mismatch {
	return app.Mismatch{
		ID: r.ID, RunID: r.RunID, InvoiceID: domain.InvoiceID(r.InvoiceID), ReportID: domain.ReportID(r.ReportID),
		ReportNumber: r.ReportNumber, ReportStatus: domain.ReportStatus(r.ReportStatus),
		Expected: domain.WeChatStatus(r.Expected), Recorded: domain.WeChatStatus(r.Recorded),
		WeChat: domain.WeChatStatus(r.Wechat), Kind: app.MismatchKind(r.Kind), Reason: r.Reason,
		Repair: app.RepairState(r.Repair), RepairNote: r.RepairNote,
	}
}

// CreateRun stores a new run.
func (s *Finance) CreateRun(ctx context.Context, run app.ReconcileRun) error {
	row := reconcileRunRow{
		ID: run.ID, DateField: string(run.DateField), FromOn: run.FromOn, ToOn: run.ToOn,
		State: string(run.State), Checked: run.Checked, Pending: run.Pending, Mismatches: run.Mismatches,
		Error: run.Error, RequestedBy: string(run.RequestedBy),
		CreatedAt: run.CreatedAt.UTC(), HeartbeatAt: run.HeartbeatAt.UTC(), FinishedAt: utc(run.FinishedAt),
	}
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("add reconciliation run: %w", err)
	}
	return nil
}

// Progress records a page's outcome: counts, new mismatches, heartbeat.
func (s *Finance) Progress(ctx context.Context, id string, checked, pending int, found []app.Mismatch, now time.Time) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if len(found) > 0 {
			rows := make([]mismatchRow, len(found))
			for i, m := range found {
				rows[i] = mismatchRow{
					RunID: id, InvoiceID: string(m.InvoiceID), ReportID: string(m.ReportID),
					ReportNumber: m.ReportNumber, ReportStatus: string(m.ReportStatus),
					Expected: string(m.Expected), Recorded: string(m.Recorded), Wechat: string(m.WeChat),
					Kind: string(m.Kind), Reason: truncate(m.Reason, 500), Repair: string(m.Repair),
					RepairNote: truncate(m.RepairNote, 500),
				}
			}
			if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
				return fmt.Errorf("record mismatches of run %s: %w", id, err)
			}
		}
		_, err := tx.NewUpdate().Model((*reconcileRunRow)(nil)).
			Set("checked = ?", checked).Set("pending = ?", pending).
			Set("mismatches = mismatches + ?", len(found)).Set("heartbeat_at = ?", now.UTC()).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("record progress of run %s: %w", id, err)
		}
		return nil
	})
}

// FinishRun ends a running run; a run already ended stays as it was.
func (s *Finance) FinishRun(ctx context.Context, id string, state app.ReconcileState, errMsg string, now time.Time) error {
	_, err := s.db.NewUpdate().Model((*reconcileRunRow)(nil)).
		Set("state = ?", string(state)).Set("error = ?", truncate(errMsg, 500)).
		Set("finished_at = ?", now.UTC()).Set("heartbeat_at = ?", now.UTC()).
		Where("id = ?", id).Where("state = ?", string(app.ReconcileRunning)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish run %s: %w", id, err)
	}
	return nil
}

// Run loads a run.
func (s *Finance) Run(ctx context.Context, id string) (app.ReconcileRun, error) {
	var row reconcileRunRow
	if err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
		return app.ReconcileRun{}, notFound(err, "reconciliation run "+id)
	}
	return row.toApp(), nil
}

// Mismatches lists a run's mismatches after afterID, in the order found.
func (s *Finance) Mismatches(ctx context.Context, runID string, afterID int64, limit int) ([]app.Mismatch, error) {
	var rows []mismatchRow
	err := s.db.NewSelect().Model(&rows).Where("run_id = ?", runID).Where("id > ?", afterID).
		OrderExpr("id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list mismatches of run %s: %w", runID, err)
	}
	out := make([]app.Mismatch, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
	}
	return out, nil
}

// SetRepair records what a repair did about one mismatch.
func (s *Finance) SetRepair(ctx context.Context, id int64, state app.RepairState, note string) error {
	_, err := s.db.NewUpdate().Model((*mismatchRow)(nil)).
		Set("repair = ?", string(state)).Set("repair_note = ?", truncate(note, 500)).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("record repair of mismatch %d: %w", id, err)
	}
	return nil
}

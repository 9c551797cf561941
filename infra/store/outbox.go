package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/outbox"
	"github.com/baoxiao/baoxiao/infra/store/lease"
)

// Outbox stores status changes for WeChat until a worker delivers them.
type Outbox struct{ db bun.IDB }

type outboxRow struct {
	bun.BaseModel `bun:"table:outbox"`

	ID            int64 `bun:",pk,autoincrement"`
	InvoiceID     string
	ReportID      string
	Channel       string
	OpenID        string `bun:"open_id"`
	CardID        string
	EncryptCode   string
	TargetStatus  string
	Generation    int64
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time `bun:",nullzero"`
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

type outboxAttemptRow struct {
	bun.BaseModel `bun:"table:outbox_attempts"`

	ID        int64 `bun:",pk,autoincrement"`
	OutboxID  int64
	At        time.Time
	Errcode   int
	Message   string
	LatencyMS int
}

func (r outboxRow) toApp() app.OutboxItem {
	return app.OutboxItem{
		ID: r.ID,
		StatusChange: app.StatusChange{
			InvoiceID: domain.InvoiceID(r.InvoiceID), ReportID: domain.ReportID(r.ReportID),
			Channel: domain.Channel(r.Channel), OpenID: r.OpenID,
			Ref:    app.CardRef{CardID: r.CardID, EncryptCode: r.EncryptCode},
			Target: domain.WeChatStatus(r.TargetStatus), Generation: r.Generation,
		},
		State: app.OutboxState(r.State), Attempts: r.Attempts, NextAttemptAt: utc(r.NextAttemptAt),
		LastError: r.LastError, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
	}
}

func invoiceKeys(ids []domain.InvoiceID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// Supersede marks the pending changes of these invoices superseded.
//
// It reads the ids first, without locks, and updates by primary key. A
// searching UPDATE let InnoDB walk outbox_due, locking the index entries
// of every pending row (not only these invoices') before their primary
// rows, while Finish and Claim lock the primary row first: a withdrawal
// and a worker finishing an unrelated row deadlocked (SHOW ENGINE INNODB
// STATUS in the reliability bench). By primary key, every writer of the
// outbox locks in the same order. The plain read suffices: new pending
// rows of an invoice come only from a decision on its report, and those
// are serialised by the report's row.
func (s *Outbox) Supersede(ctx context.Context, invoices []domain.InvoiceID, now time.Time) error {
	if len(invoices) == 0 {
		return nil
	}
	var ids []int64
	err := s.db.NewSelect().Model((*outboxRow)(nil)).Column("id").
		Where("invoice_id IN (?)", bun.In(invoiceKeys(invoices))).
		Where("state = ?", string(app.OutboxPending)).Scan(ctx, &ids)
	if err != nil {
		return fmt.Errorf("find outbox rows to supersede: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	_, err = s.db.NewUpdate().Model((*outboxRow)(nil)).
		Set("state = ?", string(app.OutboxSuperseded)).Set("updated_at = ?", now.UTC()).
		Where("id IN (?)", bun.In(ids)).
		Where("state = ?", string(app.OutboxPending)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("supersede outbox rows: %w", err)
	}
	return nil
}

// Enqueue supersedes older pending changes of the same invoices and adds
// the new ones, due at once.
func (s *Outbox) Enqueue(ctx context.Context, changes []app.StatusChange, now time.Time) error {
	if len(changes) == 0 {
		return nil
	}
	ids := make([]domain.InvoiceID, len(changes))
	rows := make([]outboxRow, len(changes))
	for i, c := range changes {
		ids[i] = c.InvoiceID
		due := c.Due
		if due.IsZero() {
			due = now
		}
		rows[i] = outboxRow{
			InvoiceID: string(c.InvoiceID), ReportID: string(c.ReportID), Channel: string(c.Channel),
			OpenID: c.OpenID, CardID: c.Ref.CardID, EncryptCode: c.Ref.EncryptCode,
			TargetStatus: string(c.Target), Generation: c.Generation, State: string(app.OutboxPending),
			NextAttemptAt: due.UTC(), CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
		}
	}
	if err := s.Supersede(ctx, ids, now); err != nil {
		return err
	}
	if _, err := s.db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("enqueue status changes: %w", err)
	}
	return nil
}

// outboxQueue is the outbox's lease queue.
var outboxQueue = lease.New("outbox")

// Claim leases up to limit due changes to worker until now+lease. A row is
// claimed by one worker at a time: the conditional UPDATE wins for exactly
// one of several instances racing for it, on SQLite and MySQL alike. Each
// claim gets its own token, returned in OutboxItem.Lease, which Renew and
// Finish must present. The token fits lease_owner whatever the worker's
// name (lease.Token).
func (s *Outbox) Claim(ctx context.Context, worker string, now time.Time, d time.Duration, limit int) ([]app.OutboxItem, error) {
	rows, token, err := claimRows[outboxRow](ctx, s.db, outboxQueue, worker, now, d, limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox rows: %w", err)
	}
	out := make([]app.OutboxItem, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
		out[i].Lease = token
	}
	return out, nil
}

// Renew extends to now+d the lease of those of ids that the claim token
// still holds, and returns the others (lost, superseded or already
// finished): the worker must not send those.
func (s *Outbox) Renew(ctx context.Context, token string, ids []int64, now time.Time, d time.Duration) ([]int64, error) {
	var lost []int64
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		lost, err = outboxQueue.Renew(ctx, tx, token, ids, now, d)
		return err
	})
	return lost, err
}

// Finish records the outcome of one delivery attempt for a claimed row.
// The claim token (OutboxItem.Lease) must still hold the row, and the row must still
// be pending: otherwise nothing changes and Finish returns
// app.ErrClaimLost, so a worker whose lease ran out cannot overwrite the
// next worker's result, nor finish a superseded row.
//
// The result and its attempt record commit together, in a READ COMMITTED
// transaction run again on a deadlock: a Finish that failed under load
// left its row leased, so the change waited out the lease (30 s) and was
// delivered a second time. An attempt counts, and is recorded, only when
// a WeChat call was made.
func (s *Outbox) Finish(ctx context.Context, id int64, token string, a app.OutboxAttempt, now time.Time) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		return finish(ctx, tx, id, token, a, now)
	})
}

func finish(ctx context.Context, db bun.IDB, id int64, token string, a app.OutboxAttempt, now time.Time) error {
	msg := truncate(a.Message, 500)
	tried := a.Latency > 0 || a.Errcode != 0 || msg != ""
	o := lease.Outcome{State: string(a.State), Next: a.Next, Error: msg, Tried: tried}
	if err := outboxQueue.Finish(ctx, db, id, token, o, now); err != nil {
		return err
	}
	if tried {
		row := outboxAttemptRow{OutboxID: id, At: now.UTC(), Errcode: a.Errcode, Message: msg, LatencyMS: int(a.Latency.Milliseconds())}
		if _, err := db.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("record outbox attempt %d: %w", id, err)
		}
	}
	return nil
}

// truncate cuts s to at most n bytes on a character boundary.
func truncate(s string, n int) string { return lease.Truncate(s, n) }

// List returns rows in a state, newest first, before the cursor id.
func (s *Outbox) List(ctx context.Context, state app.OutboxState, before int64, limit int) ([]app.OutboxItem, error) {
	rows, err := listQueue[outboxRow](ctx, s.db, string(state), before, limit)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	out := make([]app.OutboxItem, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
	}
	return out, nil
}

// Requeue puts a failed row back to pending, due now (an admin's retry).
func (s *Outbox) Requeue(ctx context.Context, id int64, now time.Time) error {
	ok, err := requeueFailed(ctx, s.db, (*outboxRow)(nil), id, now)
	if err != nil {
		return fmt.Errorf("requeue outbox row %d: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("outbox row %d: %w", id, domain.ErrNotFound.WithMessage("no failed outbox row with this id"))
	}
	return nil
}

// SyncOf counts the undelivered and failed changes of each report, in one
// query for a whole page of reports.
func (s *Outbox) SyncOf(ctx context.Context, reports []domain.ReportID) (map[domain.ReportID]app.SyncSummary, error) {
	out := map[domain.ReportID]app.SyncSummary{}
	if len(reports) == 0 {
		return out, nil
	}
	keys := make([]string, len(reports))
	for i, r := range reports {
		keys[i] = string(r)
	}
	var rows []struct {
		ReportID string
		State    string
		N        int
	}
	err := s.db.NewSelect().Model((*outboxRow)(nil)).Column("report_id", "state").ColumnExpr("COUNT(*) AS n").
		Where("report_id IN (?)", bun.In(keys)).Where("state IN (?)", bun.In([]string{string(app.OutboxPending), string(app.OutboxFailed)})).
		Group("report_id", "state").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("sync state of reports: %w", err)
	}
	for _, r := range rows {
		sum := out[domain.ReportID(r.ReportID)]
		if r.State == string(app.OutboxPending) {
			sum.Pending = r.N
		} else {
			sum.Failed = r.N
		}
		out[domain.ReportID(r.ReportID)] = sum
	}
	return out, nil
}

// Stats reads the queue's depth, age and attempts for monitoring.
func (s *Outbox) Stats(ctx context.Context) (outbox.Stats, error) {
	var st outbox.Stats
	var row struct {
		N        int
		Attempts int
		Oldest   time.Time `bun:",nullzero"`
	}
	err := s.db.NewSelect().Model((*outboxRow)(nil)).
		ColumnExpr("COUNT(*) AS n").ColumnExpr("COALESCE(SUM(attempts), 0) AS attempts").ColumnExpr("MIN(created_at) AS oldest").
		Where("state = ?", string(app.OutboxPending)).Scan(ctx, &row.N, &row.Attempts, &row.Oldest)
	if err != nil {
		return st, fmt.Errorf("outbox stats: %w", err)
	}
	st.Pending, st.PendingAttempts, st.OldestPending = row.N, row.Attempts, row.Oldest
	n, err := s.db.NewSelect().Model((*outboxRow)(nil)).Where("state = ?", string(app.OutboxFailed)).Count(ctx)
	if err != nil {
		return st, fmt.Errorf("outbox stats: %w", err)
	}
	st.Failed = int(n)
	return st, nil
}

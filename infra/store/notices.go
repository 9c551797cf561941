package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store/lease"
)

// Notices stores notices: the delivery queue (the shared lease queue,
// DECISIONS 31, 46) and everyone's inbox in one table. A notice is queued
// in the transaction of its event (QueueNotices on a Store bound to it);
// its dedupe_key makes a repeat queue nothing.
type Notices struct{ db bun.IDB }

// NewNotices returns the notice store on db.
func NewNotices(db bun.IDB) *Notices { return &Notices{db: db} }

type noticeRow struct {
	bun.BaseModel `bun:"table:notices"`

	ID            int64 `bun:",pk,autoincrement"`
	DedupeKey     string
	Event         string
	ReportID      string
	RecipientID   string
	Step          int
	Title         string
	Body          string
	Inbox         bool
	ReadAt        time.Time `bun:",nullzero"`
	Channel       string
	TaskID        string
	CardCode      string
	Errcode       int
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time `bun:",nullzero"`
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeliveredAt   time.Time `bun:",nullzero"`
}

func (r noticeRow) toApp() notify.Notice {
	return notify.Notice{
		ID: r.ID, Key: r.DedupeKey, Event: r.Event, ReportID: domain.ReportID(r.ReportID), Recipient: domain.EmployeeID(r.RecipientID),
		Step: r.Step, Title: r.Title, Body: r.Body, Inbox: r.Inbox, ReadAt: utc(r.ReadAt), Channel: r.Channel,
		TaskID: r.TaskID, CardCode: r.CardCode, Errcode: r.Errcode, State: r.State, Attempts: r.Attempts,
		NextAttemptAt: utc(r.NextAttemptAt), LastError: r.LastError, CreatedAt: utc(r.CreatedAt), UpdatedAt: utc(r.UpdatedAt),
		DeliveredAt: utc(r.DeliveredAt),
	}
}

func toNotices(rows []noticeRow) []notify.Notice {
	out := make([]notify.Notice, len(rows))
	for i, r := range rows {
		out[i] = r.toApp()
	}
	return out
}

// QueueNotices inserts the notices, skipping any whose key is queued.
func (s *Notices) QueueNotices(ctx context.Context, ns []app.NoticeDraft) error {
	if len(ns) == 0 {
		return nil
	}
	rows := make([]noticeRow, len(ns))
	for i, n := range ns {
		now := n.At.UTC()
		rows[i] = noticeRow{
			DedupeKey: lease.Truncate(n.Key, 190), Event: n.Event, ReportID: string(n.ReportID), RecipientID: string(n.Recipient),
			Step: n.Step, Title: lease.Truncate(n.Title, 255), Body: n.Body, Inbox: n.Inbox, State: notify.StatePending,
			NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
		}
	}
	q := s.db.NewInsert().Model(&rows)
	if s.db.Dialect().Name() == dialect.MySQL {
		q = q.Ignore()
	} else {
		q = q.On("CONFLICT (dedupe_key) DO NOTHING")
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("queue notices: %w", err)
	}
	return nil
}

var noticeQueue = lease.New("notices")

// Claim leases up to limit due notices to worker until now+d.
func (s *Notices) Claim(ctx context.Context, worker string, now time.Time, d time.Duration, limit int) ([]notify.Notice, error) {
	rows, token, err := claimRows[noticeRow](ctx, s.db, noticeQueue, worker, now, d, limit)
	if err != nil {
		return nil, fmt.Errorf("claim notices: %w", err)
	}
	out := toNotices(rows)
	for i := range out {
		out[i].Lease = token
	}
	return out, nil
}

// Renew extends the claim's lease on ids and returns those it lost.
func (s *Notices) Renew(ctx context.Context, token string, ids []int64, now time.Time, d time.Duration) ([]int64, error) {
	var lost []int64
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		lost, err = noticeQueue.Renew(ctx, tx, token, ids, now, d)
		return err
	})
	return lost, err
}

// Finish records one attempt on a claimed notice; app.ErrClaimLost when
// the claim no longer holds it.
func (s *Notices) Finish(ctx context.Context, id int64, token string, r notify.Result, next, now time.Time) error {
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		return noticeQueue.Finish(ctx, tx, id, token, lease.Outcome{
			State: r.State, Next: next, Error: r.Error, Tried: r.Tried,
			Set: func(u *bun.UpdateQuery) *bun.UpdateQuery {
				u = u.Set("errcode = ?", r.Errcode)
				if r.Channel != "" {
					u = u.Set("channel = ?", r.Channel)
				}
				if r.TaskID != "" {
					u = u.Set("task_id = ?", r.TaskID)
				}
				if r.CardCode != "" {
					u = u.Set("card_code = ?", r.CardCode)
				}
				if r.State == notify.StateDone {
					u = u.Set("delivered_at = ?", now.UTC())
				}
				return u
			},
		}, now)
	})
}

// Card is the unused response_code of the recipient's latest card for a
// step of a report.
func (s *Notices) Card(ctx context.Context, report domain.ReportID, recipient domain.EmployeeID, step int) (int64, string, error) {
	var rows []noticeRow
	err := s.db.NewSelect().Model(&rows).Column("id", "card_code").
		Where("report_id = ? AND recipient_id = ? AND step = ?", string(report), string(recipient), step).
		Where("event = ?", notify.EventStepPending).Where("card_code <> ''").
		OrderExpr("id DESC").Limit(1).Scan(ctx)
	if err != nil || len(rows) == 0 {
		return 0, "", err
	}
	return rows[0].ID, rows[0].CardCode, nil
}

// SpendCard forgets a card's response_code: WeCom takes it once.
func (s *Notices) SpendCard(ctx context.Context, id int64) error {
	_, err := s.db.NewUpdate().Model((*noticeRow)(nil)).Set("card_code = ''").Where("id = ?", id).Exec(ctx)
	return err
}

// ByTask finds the notice a WeCom card was sent for.
func (s *Notices) ByTask(ctx context.Context, taskID string) (notify.Notice, error) {
	var row noticeRow
	if err := s.db.NewSelect().Model(&row).Where("task_id = ?", taskID).Limit(1).Scan(ctx); err != nil {
		return notify.Notice{}, notFound(err, "notice of task "+taskID)
	}
	return row.toApp(), nil
}

// Requeue puts a failed notice back to pending, due now (an admin's
// retry).
func (s *Notices) Requeue(ctx context.Context, id int64, now time.Time) error {
	ok, err := requeueFailed(ctx, s.db, (*noticeRow)(nil), id, now)
	if err != nil {
		return fmt.Errorf("requeue notice %d: %w", id, err)
	}
	if ok {
		return nil
	}
	var rows []noticeRow
	if err := s.db.NewSelect().Model(&rows).Column("state").Where("id = ?", id).Scan(ctx); err != nil {
		return fmt.Errorf("notice %d: %w", id, err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("notice %d: %w", id, domain.ErrNotFound.WithMessage("no notice with this id"))
	}
	return fmt.Errorf("notice %d: %w", id, domain.ErrNoticeNotFailed.With(map[string]any{"state": rows[0].State}))
}

// FailOASend marks the delivered notice sent as OA message ref failed:
// WeChat could not deliver it. A notice queued again since is left alone.
func (s *Notices) FailOASend(ctx context.Context, ref, why string, now time.Time) (bool, error) {
	var rows []noticeRow
	if err := s.db.NewSelect().Model(&rows).Column("id").Where("task_id = ? AND channel = ?", ref, notify.ChannelOA).
		Limit(1).Scan(ctx); err != nil {
		return false, fmt.Errorf("notice of %s: %w", ref, err)
	}
	if len(rows) == 0 {
		return false, nil
	}
	_, err := s.db.NewUpdate().Model((*noticeRow)(nil)).Set("state = ?", notify.StateFailed).
		Set("last_error = ?", lease.Truncate(why, 500)).Set("updated_at = ?", now.UTC()).
		Where("id = ? AND state = ?", rows[0].ID, notify.StateDone).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("fail notice %d: %w", rows[0].ID, err)
	}
	return true, nil
}

// Inbox lists who's inbox notices, newest first.
func (s *Notices) Inbox(ctx context.Context, who domain.EmployeeID, unreadOnly bool, before int64, limit int) ([]notify.Notice, error) {
	var rows []noticeRow
	q := s.db.NewSelect().Model(&rows).Where("recipient_id = ? AND inbox = ?", string(who), true).OrderExpr("id DESC").Limit(int64(limit))
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	return toNotices(rows), nil
}

// Unread counts who's unread inbox notices.
func (s *Notices) Unread(ctx context.Context, who domain.EmployeeID) (int, error) {
	n, err := s.db.NewSelect().Model((*noticeRow)(nil)).Where("recipient_id = ? AND inbox = ?", string(who), true).
		Where("read_at IS NULL").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count unread: %w", err)
	}
	return int(n), nil
}

// MarkRead marks who's notices read: ids, or all.
func (s *Notices) MarkRead(ctx context.Context, who domain.EmployeeID, ids []int64, all bool, now time.Time) error {
	q := s.db.NewUpdate().Model((*noticeRow)(nil)).Set("read_at = ?", now.UTC()).
		Where("recipient_id = ? AND inbox = ?", string(who), true).Where("read_at IS NULL")
	if !all {
		q = q.Where("id IN (?)", bun.In(ids))
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	return nil
}

// List lists notices in a state ("" for all), newest first, for admins.
func (s *Notices) List(ctx context.Context, state string, before int64, limit int) ([]notify.Notice, error) {
	rows, err := listQueue[noticeRow](ctx, s.db, state, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	return toNotices(rows), nil
}

var (
	_ app.NoticeQueue   = (*Notices)(nil)
	_ notify.Store      = (*Notices)(nil)
	_ notify.CardHolder = (*Notices)(nil)
	_ notify.TaskStore  = (*Notices)(nil)
	_ notify.JobStore   = (*Notices)(nil)
)

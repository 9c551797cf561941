package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store/lease"
)

// Mailbox is the log of the mailbox intake: one row per mail taken up,
// first the claim that keeps instances from importing it twice, then the
// record of its outcome (migration 0014).
type Mailbox struct{ db bun.IDB }

// NewMailbox returns the mailbox log on db.
func NewMailbox(db bun.IDB) *Mailbox { return &Mailbox{db: db} }

type mailboxRow struct {
	bun.BaseModel `bun:"table:mailbox_messages"`

	ID         int64 `bun:",pk,autoincrement"`
	MessageKey string
	MessageID  string
	FromAddr   string
	Subject    string
	ReceivedAt *time.Time
	State      string
	EmployeeID *string
	Reason     string
	Results    string
	LeaseOwner string
	LeaseUntil *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// The widths of the text columns (MySQL's VARCHAR(255)); headers are cut
// to fit rather than refused, since a mail cannot be sent back.
const (
	maxMailHeader = 255
	maxMailID     = 255
)

// ClaimMail takes up a mail: a new row, or a working row whose lease ran
// out (its instance died). The INSERT and the conditional UPDATE each
// decide alone, so of two instances exactly one holds the mail.
func (s *Mailbox) ClaimMail(ctx context.Context, m intake.MailRecord, owner string, now time.Time, leaseFor time.Duration) (intake.MailClaim, error) {
	now = now.UTC()
	until := now.Add(leaseFor)
	row := mailboxRow{
		MessageKey: m.Key, MessageID: lease.Truncate(m.MessageID, maxMailID), FromAddr: lease.Truncate(m.From, maxMailHeader),
		Subject: lease.Truncate(m.Subject, maxMailHeader), State: string(intake.MailWorking),
		Results: "", LeaseOwner: lease.Truncate(owner, lease.MaxOwner), LeaseUntil: &until, CreatedAt: now, UpdatedAt: now,
	}
	if !m.ReceivedAt.IsZero() {
		r := m.ReceivedAt.UTC()
		row.ReceivedAt = &r
	}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	if err == nil {
		return intake.MailClaim{Taken: true}, nil
	}
	if _, dup := uniqueViolation(err); !dup {
		return intake.MailClaim{}, fmt.Errorf("claim mail: %w", err)
	}
	res, err := s.db.NewUpdate().Model((*mailboxRow)(nil)).
		Set("lease_owner = ?", row.LeaseOwner).Set("lease_until = ?", until).Set("updated_at = ?", now).
		Where("message_key = ?", m.Key).Where("state = ?", string(intake.MailWorking)).
		WhereGroup(" AND ", func(q *bun.UpdateQuery) *bun.UpdateQuery {
			return q.Where("lease_until IS NULL").WhereOr("lease_until < ?", now).WhereOr("lease_owner = ?", row.LeaseOwner)
		}).Exec(ctx)
	if err != nil {
		return intake.MailClaim{}, fmt.Errorf("take over mail: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return intake.MailClaim{Taken: true}, nil
	}
	var cur mailboxRow
	if err := s.db.NewSelect().Model(&cur).Column("state", "updated_at").Where("message_key = ?", m.Key).Scan(ctx); err != nil {
		return intake.MailClaim{}, fmt.Errorf("read mail state: %w", err)
	}
	return intake.MailClaim{State: intake.MailState(cur.State), Since: cur.UpdatedAt.UTC()}, nil
}

// errClaimLost: the lease ran out and another instance took the mail.
var errClaimLost = errors.New("mail claim lost to another instance")

// FinishMail records the outcome while owner still holds the mail.
func (s *Mailbox) FinishMail(ctx context.Context, rec intake.MailRecord, owner string, now time.Time) error {
	results := ""
	if len(rec.Results) > 0 {
		b, err := json.Marshal(rec.Results)
		if err != nil {
			return fmt.Errorf("encode mail results: %w", err)
		}
		results = string(b)
	}
	var emp *string
	if rec.EmployeeID != "" {
		e := string(rec.EmployeeID)
		emp = &e
	}
	res, err := s.db.NewUpdate().Model((*mailboxRow)(nil)).
		Set("state = ?", string(rec.State)).Set("employee_id = ?", emp).Set("reason = ?", string(rec.Reason)).
		Set("results = ?", results).Set("lease_owner = ''").Set("lease_until = NULL").Set("updated_at = ?", now.UTC()).
		Where("message_key = ?", rec.Key).Where("state = ?", string(intake.MailWorking)).
		Where("lease_owner = ?", lease.Truncate(owner, lease.MaxOwner)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish mail: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errClaimLost
	}
	return nil
}

// ReleaseMail drops owner's claim; the mail is taken anew next round.
func (s *Mailbox) ReleaseMail(ctx context.Context, key, owner string) error {
	_, err := s.db.NewDelete().Model((*mailboxRow)(nil)).
		Where("message_key = ?", key).Where("state = ?", string(intake.MailWorking)).
		Where("lease_owner = ?", lease.Truncate(owner, lease.MaxOwner)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("release mail: %w", err)
	}
	return nil
}

// UnmatchedMail lists unmatched mail, newest first.
func (s *Mailbox) UnmatchedMail(ctx context.Context, before int64, limit int) ([]intake.MailRecord, error) {
	var rows []mailboxRow
	q := s.db.NewSelect().Model(&rows).Where("state = ?", string(intake.MailUnmatched)).OrderExpr("id DESC").Limit(int64(limit))
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list unmatched mail: %w", err)
	}
	out := make([]intake.MailRecord, len(rows))
	for i, r := range rows {
		out[i] = r.toRecord()
	}
	return out, nil
}

// Mail loads one logged mail by key (tests and operators).
func (s *Mailbox) Mail(ctx context.Context, key string) (intake.MailRecord, error) {
	var row mailboxRow
	if err := s.db.NewSelect().Model(&row).Where("message_key = ?", key).Scan(ctx); err != nil {
		return intake.MailRecord{}, notFound(err, "mail")
	}
	return row.toRecord(), nil
}

func (r mailboxRow) toRecord() intake.MailRecord {
	rec := intake.MailRecord{
		ID: r.ID, Key: r.MessageKey, MessageID: r.MessageID, From: r.FromAddr, Subject: r.Subject,
		State: intake.MailState(r.State), Reason: intake.MailReason(r.Reason), RecordedAt: r.UpdatedAt.UTC(),
	}
	if r.ReceivedAt != nil {
		rec.ReceivedAt = r.ReceivedAt.UTC()
	}
	if r.EmployeeID != nil {
		rec.EmployeeID = domain.EmployeeID(*r.EmployeeID)
	}
	if r.Results != "" {
		// A row this code wrote always decodes; a hand-edited one shows
		// without its results rather than failing the list.
		_ = json.Unmarshal([]byte(r.Results), &rec.Results)
	}
	return rec
}

// Package lease is the lease queue that the outbox and the webhook
// deliveries share (DECISIONS 31, 46): rows of one table with the columns
// id, state, attempts, next_attempt_at, lease_owner, lease_until,
// last_error and updated_at, handed to workers by lease.
//
// A claim leases due rows to one worker under a token of its own; the
// worker renews the lease while it delivers and finishes each row with
// the token. A conditional UPDATE decides every step, so instances racing
// for a row never both hold it, on SQLite and MySQL alike (STYLE 7).
//
// The functions run single statements on a bun.IDB; the caller owns the
// transaction (store's runInTx: READ COMMITTED, run again on a deadlock)
// and adds what commits with the result, such as the attempt record.
// Every UPDATE names its rows by primary key, so writers of a queue lock
// its rows in one order (see store.Outbox.Supersede).
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
)

// Pending is the state of a row waiting for delivery; only pending rows
// are claimed, renewed and finished.
const Pending = "pending"

// MaxOwner bounds a claim token in bytes: the narrowest lease_owner column
// is the outbox's VARCHAR(64). MySQL counts characters, so 64 bytes
// always fit; a longer token failed every claim on MariaDB in strict mode
// (error 1406) and its instance never delivered.
const MaxOwner = 64

// tokenSuffix is "/" and 16 hex digits of randomness.
const tokenSuffix = 17

// maxErrorLen is the width of last_error.
const maxErrorLen = 500

// Queue is the lease queue on one table.
type Queue struct{ table string }

// New returns the queue on table.
func New(table string) Queue { return Queue{table: table} }

// Token returns a fresh claim token for worker: the worker's name, cut to
// fit on a character boundary, then "/" and 16 random hex digits. It
// never exceeds MaxOwner bytes and is valid UTF-8, however long the name
// (hostname-pid).
func Token(worker string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := Truncate(strings.ToValidUTF8(worker, "?"), MaxOwner-tokenSuffix)
	return name + "/" + hex.EncodeToString(b[:])
}

// Truncate cuts s to at most n bytes on a character boundary.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Claim is what a claim took: its token and the ids it holds, in order.
type Claim struct {
	Token string
	IDs   []int64
}

// Claim leases up to limit due rows (pending, next_attempt_at reached,
// never leased or lease ran out) to worker until now+lease, under one new
// token. Rows another claimer took meanwhile are not in the answer.
func (q Queue) Claim(ctx context.Context, db bun.IDB, worker string, now time.Time, lease time.Duration, limit int) (Claim, error) {
	now = now.UTC()
	var ids []int64
	err := db.NewSelect().Table(q.table).Column("id").
		Where("state = ?", Pending).Where("next_attempt_at <= ?", now).
		WhereGroup(" AND ", func(s *bun.SelectQuery) *bun.SelectQuery {
			return s.Where("lease_until IS NULL").WhereOr("lease_until < ?", now)
		}).
		OrderExpr("id").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return Claim{}, fmt.Errorf("find due %s rows: %w", q.table, err)
	}
	if len(ids) == 0 {
		return Claim{}, nil
	}
	token := Token(worker)
	_, err = db.NewUpdate().Table(q.table).
		Set("lease_owner = ?", token).Set("lease_until = ?", now.Add(lease)).
		Where("id IN (?)", bun.In(ids)).Where("state = ?", Pending).
		WhereGroup(" AND ", func(u *bun.UpdateQuery) *bun.UpdateQuery {
			return u.Where("lease_until IS NULL").WhereOr("lease_until < ?", now)
		}).Exec(ctx)
	if err != nil {
		return Claim{}, fmt.Errorf("claim %s rows: %w", q.table, err)
	}
	held, err := q.held(ctx, db, token, ids)
	if err != nil {
		return Claim{}, err
	}
	return Claim{Token: token, IDs: held}, nil
}

// held returns those of ids that token holds, in id order.
func (q Queue) held(ctx context.Context, db bun.IDB, token string, ids []int64) ([]int64, error) {
	var held []int64
	err := db.NewSelect().Table(q.table).Column("id").
		Where("id IN (?)", bun.In(ids)).Where("lease_owner = ?", token).Where("state = ?", Pending).
		OrderExpr("id").Scan(ctx, &held)
	if err != nil {
		return nil, fmt.Errorf("read claimed %s rows: %w", q.table, err)
	}
	return held, nil
}

// Renew extends to now+lease the lease of those of ids that token still
// holds, and returns the others: rows whose lease ran out and were claimed
// again, rows superseded meanwhile, and rows already finished. A worker
// must not send a lost row.
func (q Queue) Renew(ctx context.Context, db bun.IDB, token string, ids []int64, now time.Time, lease time.Duration) (lost []int64, err error) {
	if len(ids) == 0 {
		return nil, nil
	}
	_, err = db.NewUpdate().Table(q.table).
		Set("lease_until = ?", now.UTC().Add(lease)).
		Where("id IN (?)", bun.In(ids)).Where("lease_owner = ?", token).Where("state = ?", Pending).
		Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("renew %s lease: %w", q.table, err)
	}
	// Read back rather than count: MySQL reports changed rows, not matched
	// ones, and a renewal to the same instant changes nothing.
	held, err := q.held(ctx, db, token, ids)
	if err != nil {
		return nil, err
	}
	keep := make(map[int64]bool, len(held))
	for _, id := range held {
		keep[id] = true
	}
	for _, id := range ids {
		if !keep[id] {
			lost = append(lost, id)
		}
	}
	return lost, nil
}

// Outcome is the result of one delivery attempt on a claimed row.
type Outcome struct {
	State string    // Pending schedules a retry at Next; any other ends the row
	Next  time.Time // when State is Pending
	Error string    // last_error, cut to fit
	// Tried says a call was made: only then does the attempt count.
	Tried bool
	// Set, when given, sets the table's own columns too (last_status,
	// delivered_at).
	Set func(*bun.UpdateQuery) *bun.UpdateQuery
}

// Finish records o on row id and releases its lease, if token still holds
// the row and it is still pending. Otherwise it changes nothing and
// returns app.ErrClaimLost, so a worker whose lease ran out cannot
// overwrite the next worker's result, nor revive a superseded row.
func (q Queue) Finish(ctx context.Context, db bun.IDB, id int64, token string, o Outcome, now time.Time) error {
	u := db.NewUpdate().Table(q.table).
		Set("state = ?", o.State).Set("last_error = ?", Truncate(o.Error, maxErrorLen)).
		Set("updated_at = ?", now.UTC()).Set("lease_until = NULL").Set("lease_owner = ''").
		Where("id = ?", id).Where("lease_owner = ?", token).Where("state = ?", Pending)
	if o.State == Pending {
		u = u.Set("next_attempt_at = ?", o.Next.UTC())
	}
	if o.Tried {
		u = u.Set("attempts = attempts + 1")
	}
	if o.Set != nil {
		u = o.Set(u)
	}
	res, err := u.Exec(ctx)
	if err != nil {
		return fmt.Errorf("finish %s row %d: %w", q.table, id, err)
	}
	// lease_owner changes from the token to '', so a held row always
	// counts as changed, even on MySQL.
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish %s row %d: %w", q.table, id, err)
	} else if n == 0 {
		return q.lost(ctx, db, id)
	}
	return nil
}

// lost explains a finish that found its row gone from its claim.
func (q Queue) lost(ctx context.Context, db bun.IDB, id int64) error {
	var state string
	err := db.NewSelect().Table(q.table).Column("state").Where("id = ?", id).Scan(ctx, &state)
	switch {
	case err != nil:
		return fmt.Errorf("finish %s row %d: %w", q.table, id, app.ErrClaimLost)
	case state != Pending:
		return fmt.Errorf("finish %s row %d, now %s: %w", q.table, id, state, app.ErrClaimLost)
	default:
		return fmt.Errorf("finish %s row %d, claimed again: %w", q.table, id, app.ErrClaimLost)
	}
}

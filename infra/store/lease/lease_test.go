package lease_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/store/lease"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

var ctx = context.Background()

const d = 30 * time.Second // the lease

// queues runs fn on each table that rides the lease queue, with a function
// that adds n due rows to it.
func queues(t *testing.T, fn func(t *testing.T, db bun.IDB, q lease.Queue, add func(n int))) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		t.Run("outbox", func(t *testing.T) {
			seq := 0
			fn(t, db.DB, lease.New("outbox"), func(n int) {
				changes := make([]app.StatusChange, n)
				for i := range changes {
					seq++
					changes[i] = app.StatusChange{InvoiceID: domain.InvoiceID(fmt.Sprintf("inv_%04d", seq)), ReportID: "rpt_x", Channel: domain.ChannelOA, Target: domain.StatusLock, Generation: 1}
				}
				if err := s.Outbox.Enqueue(ctx, changes, testkit.Now); err != nil {
					t.Fatal(err)
				}
			})
		})
		t.Run("webhooks", func(t *testing.T) {
			hooks := store.NewWebhooks(db.DB)
			if err := hooks.AddEndpoint(ctx, app.WebhookEndpoint{ID: "whk_1", URL: "https://erp.example/hook", Active: true, SealedSecret: "x", CreatedAt: testkit.Now, UpdatedAt: testkit.Now}); err != nil {
				t.Fatal(err)
			}
			seq := 0
			fn(t, db.DB, lease.New("webhook_deliveries"), func(n int) {
				for range n {
					seq++
					if err := hooks.Publish(ctx, app.WebhookEvent{ID: fmt.Sprintf("evt_%d", seq), Type: app.EventReportApproved, At: testkit.Now}); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	})
}

// row is what the queue keeps of a row.
type row struct {
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LeaseOwner    string
	LeaseUntil    time.Time `bun:",nullzero"`
	LastError     string
	UpdatedAt     time.Time
}

func load(t *testing.T, db bun.IDB, q string, id int64) row {
	t.Helper()
	var r row
	err := db.NewSelect().Table(q).Column("state", "attempts", "next_attempt_at", "lease_owner", "lease_until", "last_error", "updated_at").
		Where("id = ?", id).Scan(ctx, &r)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func tableOf(t *testing.T) string {
	if strings.HasSuffix(t.Name(), "/outbox") {
		return "outbox"
	}
	return "webhook_deliveries"
}

func claim(t *testing.T, db bun.IDB, q lease.Queue, worker string, now time.Time, limit int) lease.Claim {
	t.Helper()
	c, err := q.Claim(ctx, db, worker, now, d, limit)
	if err != nil {
		t.Fatalf("claim by %s: %v", worker, err)
	}
	return c
}

// Claimers racing for the same rows each get a row, or not: every row goes
// to exactly one of them.
func TestClaimIsExclusive(t *testing.T) {
	queues(t, func(t *testing.T, db bun.IDB, q lease.Queue, add func(int)) {
		const rows, claimers = 40, 4
		add(rows)
		now := testkit.Now.Add(time.Second)
		var mu sync.Mutex
		owner := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, claimers)
		for w := range claimers {
			wg.Go(func() {
				for {
					c, err := q.Claim(ctx, db, fmt.Sprint("w", w), now, d, 3)
					if err != nil {
						errs <- err
						return
					}
					if len(c.IDs) == 0 {
						return
					}
					mu.Lock()
					for _, id := range c.IDs {
						if prev, ok := owner[id]; ok {
							errs <- fmt.Errorf("row %d claimed by %s and %s", id, prev, c.Token)
						}
						owner[id] = c.Token
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(owner) != rows {
			t.Fatalf("%d rows claimed, want %d", len(owner), rows)
		}
		for id, tok := range owner {
			if got := load(t, db, tableOf(t), id).LeaseOwner; got != tok {
				t.Errorf("row %d held by %q, claimed by %q", id, got, tok)
			}
		}
	})
}

// A claim's rows are not due for anyone else until its lease runs out;
// then another claimer takes them, and the first can neither renew nor
// finish them.
func TestExpiredLeaseIsClaimedAgain(t *testing.T) {
	queues(t, func(t *testing.T, db bun.IDB, q lease.Queue, add func(int)) {
		add(2)
		now := testkit.Now.Add(time.Second)
		a := claim(t, db, q, "a", now, 10)
		if len(a.IDs) != 2 {
			t.Fatalf("a claimed %v", a.IDs)
		}
		if b := claim(t, db, q, "b", now.Add(d-time.Second), 10); len(b.IDs) != 0 {
			t.Fatalf("b claimed %v under a's lease", b.IDs)
		}
		b := claim(t, db, q, "b", now.Add(d+time.Second), 10)
		if len(b.IDs) != 2 || b.Token == a.Token {
			t.Fatalf("b claimed %v (%s) after a's lease ran out", b.IDs, b.Token)
		}
		lost, err := q.Renew(ctx, db, a.Token, a.IDs, now.Add(d+2*time.Second), d)
		if err != nil || len(lost) != 2 {
			t.Fatalf("a renewed: lost %v, %v; want both lost", lost, err)
		}
		err = q.Finish(ctx, db, a.IDs[0], a.Token, lease.Outcome{State: "done", Tried: true}, now.Add(d+3*time.Second))
		if !errors.Is(err, app.ErrClaimLost) {
			t.Fatalf("a finished b's row: %v", err)
		}
		if r := load(t, db, tableOf(t), a.IDs[0]); r.State != lease.Pending || r.LeaseOwner != b.Token {
			t.Fatalf("row after a's finish: %+v", r)
		}
	})
}

// Renewing extends the lease of the rows the claim still holds and names
// the others.
func TestRenew(t *testing.T) {
	queues(t, func(t *testing.T, db bun.IDB, q lease.Queue, add func(int)) {
		add(3)
		now := testkit.Now.Add(time.Second)
		a := claim(t, db, q, "a", now, 10)
		if len(a.IDs) != 3 {
			t.Fatalf("a claimed %v", a.IDs)
		}
		// One row is finished, one superseded by a newer decision.
		if err := q.Finish(ctx, db, a.IDs[0], a.Token, lease.Outcome{State: "done", Tried: true}, now); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Table(tableOf(t)).Set("state = 'superseded'").Where("id = ?", a.IDs[1]).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		lost, err := q.Renew(ctx, db, a.Token, a.IDs, now.Add(20*time.Second), d)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(lost) != fmt.Sprint(a.IDs[:2]) {
			t.Fatalf("lost %v, want %v", lost, a.IDs[:2])
		}
		if r := load(t, db, tableOf(t), a.IDs[2]); !r.LeaseUntil.Equal(now.Add(20*time.Second + d)) {
			t.Fatalf("lease until %v, want %v", r.LeaseUntil, now.Add(20*time.Second+d))
		}
		// Past the first lease, within the renewed one: still a's.
		if b := claim(t, db, q, "b", now.Add(d+time.Second), 10); len(b.IDs) != 0 {
			t.Fatalf("b claimed %v under a's renewed lease", b.IDs)
		}
		// The same instant again changes nothing and loses nothing.
		if lost, err := q.Renew(ctx, db, a.Token, a.IDs[2:], now.Add(20*time.Second), d); err != nil || len(lost) != 0 {
			t.Fatalf("renew again: lost %v, %v", lost, err)
		}
		if err := q.Finish(ctx, db, a.IDs[2], a.Token, lease.Outcome{State: "done", Tried: true}, now.Add(d+2*time.Second)); err != nil {
			t.Fatalf("finish under the renewed lease: %v", err)
		}
	})
}

// A finish with a token that does not hold the row changes nothing.
func TestFinishWithStaleToken(t *testing.T) {
	queues(t, func(t *testing.T, db bun.IDB, q lease.Queue, add func(int)) {
		add(1)
		now := testkit.Now.Add(time.Second)
		a := claim(t, db, q, "a", now, 10)
		before := load(t, db, tableOf(t), a.IDs[0])
		for _, token := range []string{"a/0000000000000000", ""} {
			err := q.Finish(ctx, db, a.IDs[0], token, lease.Outcome{State: "failed", Error: "boom", Tried: true}, now.Add(time.Second))
			if !errors.Is(err, app.ErrClaimLost) {
				t.Fatalf("finish with token %q: %v", token, err)
			}
		}
		if after := load(t, db, tableOf(t), a.IDs[0]); after != before {
			t.Fatalf("row changed:\n%+v\n%+v", before, after)
		}
	})
}

// A row superseded while claimed stays superseded: its finish is lost.
func TestFinishSupersededRow(t *testing.T) {
	queues(t, func(t *testing.T, db bun.IDB, q lease.Queue, add func(int)) {
		add(1)
		now := testkit.Now.Add(time.Second)
		a := claim(t, db, q, "a", now, 10)
		if _, err := db.NewUpdate().Table(tableOf(t)).Set("state = 'superseded'").Where("id = ?", a.IDs[0]).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		before := load(t, db, tableOf(t), a.IDs[0])
		err := q.Finish(ctx, db, a.IDs[0], a.Token, lease.Outcome{State: "done", Tried: true}, now.Add(time.Second))
		if !errors.Is(err, app.ErrClaimLost) || !strings.Contains(err.Error(), "superseded") {
			t.Fatalf("finish of a superseded row: %v", err)
		}
		if after := load(t, db, tableOf(t), a.IDs[0]); after != before {
			t.Fatalf("row changed:\n%+v\n%+v", before, after)
		}
	})
}

// A finish records its outcome, counting the attempt only when a call was
// made, and releases the lease.
func TestFinishRecords(t *testing.T) {
	queues(t, func(t *testing.T, db bun.IDB, q lease.Queue, add func(int)) {
		add(2)
		now := testkit.Now.Add(time.Second)
		a := claim(t, db, q, "a", now, 10)
		next := now.Add(time.Minute)
		if err := q.Finish(ctx, db, a.IDs[0], a.Token, lease.Outcome{State: lease.Pending, Next: next, Error: strings.Repeat("错", 200), Tried: true}, now); err != nil {
			t.Fatal(err)
		}
		if err := q.Finish(ctx, db, a.IDs[1], a.Token, lease.Outcome{State: lease.Pending, Next: next}, now); err != nil {
			t.Fatal(err)
		}
		r0, r1 := load(t, db, tableOf(t), a.IDs[0]), load(t, db, tableOf(t), a.IDs[1])
		if r0.Attempts != 1 || r1.Attempts != 0 {
			t.Fatalf("attempts %d and %d, want 1 and 0", r0.Attempts, r1.Attempts)
		}
		if !r0.NextAttemptAt.Equal(next) || r0.LeaseOwner != "" || !r0.LeaseUntil.IsZero() || len(r0.LastError) > 500 || !utf8.ValidString(r0.LastError) {
			t.Fatalf("row %+v", r0)
		}
		// Due again at next, for anyone.
		if b := claim(t, db, q, "b", next, 10); len(b.IDs) != 2 {
			t.Fatalf("b claimed %v at next", b.IDs)
		}
	})
}

// An instance named by a long hostname claims like any other: the token
// is cut to fit lease_owner (VARCHAR(64) on the outbox), on a character
// boundary.
func TestLongWorkerName(t *testing.T) {
	names := []string{
		strings.Repeat("h", 200) + "-12345",
		"构建机-" + strings.Repeat("节点", 70) + "-4242",
		"bad-\xff\xfe-utf8-" + strings.Repeat("x", 80),
	}
	queues(t, func(t *testing.T, db bun.IDB, q lease.Queue, add func(int)) {
		for i, name := range names {
			add(1)
			c := claim(t, db, q, name, testkit.Now.Add(time.Duration(i+1)*time.Second), 10)
			if len(c.IDs) != 1 {
				t.Fatalf("%q claimed %v", name, c.IDs)
			}
			if len(c.Token) > lease.MaxOwner || !utf8.ValidString(c.Token) || !strings.HasPrefix(c.Token, name[:4]) {
				t.Fatalf("token %q (%d bytes)", c.Token, len(c.Token))
			}
			if got := load(t, db, tableOf(t), c.IDs[0]).LeaseOwner; got != c.Token {
				t.Fatalf("stored owner %q, token %q", got, c.Token)
			}
			if err := q.Finish(ctx, db, c.IDs[0], c.Token, lease.Outcome{State: "done", Tried: true}, testkit.Now); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestToken(t *testing.T) {
	a, b := lease.Token("host-1"), lease.Token("host-1")
	if a == b || !strings.HasPrefix(a, "host-1/") || len(a) != len("host-1/")+16 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if got := lease.Truncate("ab报销", 4); got != "ab" {
		t.Fatalf("truncate %q", got)
	}
}

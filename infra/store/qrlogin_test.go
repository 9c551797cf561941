package store_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// qrLogins is the QR sign-in service on db, with a clock the test moves.
func qrLogins(t *testing.T, db testkit.DB) (*app.QRLogins, *store.Store, *fakeClock) {
	t.Helper()
	st := store.New(db.DB)
	clock := &fakeClock{now: testkit.Now}
	return app.NewQRLogins(store.NewQRLogins(db.DB), st.Employees, clock), st, clock
}

func wantErr(t *testing.T, what string, err error, want *domain.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: %v, want %s", what, err, want.Code)
	}
}

// The hand-off end to end: pending, scanned, confirmed by a phone, shown
// to the PC's poll (who, no session), accepted by the PC once; the PC
// gets the phone's session.
func TestQRLoginHandOff(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		q, st, clock := qrLogins(t, db)
		testkit.AddEmployee(t, st, "emp-li", "")
		start, err := q.Start(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if start.Token == "" || start.BrowserSecret == "" || start.Token == start.BrowserSecret || !start.ExpiresAt.Equal(testkit.Now.Add(2*time.Minute)) {
			t.Fatalf("start %+v", start)
		}
		// Neither secret is stored as such.
		var n int64
		if n, err = db.DB.NewSelect().Table("qr_logins").Where("token_hash = ? OR browser_hash = ?", start.Token, start.BrowserSecret).Count(ctx); err != nil || n != 0 {
			t.Fatalf("a secret is stored in the clear: %d %v", n, err)
		}
		poll, err := q.Poll(ctx, start.BrowserSecret)
		if err != nil || poll.State != app.QRLoginPending || poll.Session != nil {
			t.Fatalf("poll pending: %+v %v", poll, err)
		}
		// The QR's token is not the browser's secret: it collects nothing.
		_, err = q.Poll(ctx, start.Token)
		wantErr(t, "poll with the QR token", err, domain.ErrNotFound)
		_, err = q.Poll(ctx, "")
		wantErr(t, "poll without a cookie", err, domain.ErrNotFound)

		phone := app.Session{EmployeeID: "emp-li", Channel: domain.ChannelOA, OpenID: "o-emp-li"}
		if l, err := q.Scan(ctx, phone, start.Token); err != nil || l.State != app.QRLoginScanned {
			t.Fatalf("scan: %+v %v", l, err)
		}
		if _, err := q.Scan(ctx, phone, start.Token); err != nil {
			t.Fatalf("scan again (a reload): %v", err)
		}
		if poll, _ = q.Poll(ctx, start.BrowserSecret); poll.State != app.QRLoginScanned || poll.Session != nil {
			t.Fatalf("poll scanned: %+v", poll)
		}
		clock.Add(time.Minute)
		if _, err := q.Confirm(ctx, phone, start.Token); err != nil {
			t.Fatal(err)
		}
		_, err = q.Confirm(ctx, phone, start.Token)
		wantErr(t, "confirm twice", err, app.ErrQRUsed)
		_, err = q.Scan(ctx, phone, start.Token)
		wantErr(t, "scan after the confirm", err, app.ErrQRUsed)

		for range 2 {
			poll, err = q.Poll(ctx, start.BrowserSecret)
			if err != nil || poll.State != app.QRLoginConfirmed || poll.Session != nil || poll.Who == nil || poll.Who.ID() != "emp-li" {
				t.Fatalf("poll confirmed: %+v %v", poll, err)
			}
		}
		_, err = q.Accept(ctx, start.Token)
		wantErr(t, "accept with the QR token", err, domain.ErrNotFound)
		poll, err = q.Accept(ctx, start.BrowserSecret)
		if err != nil || poll.Session == nil || *poll.Session != phone {
			t.Fatalf("accept: %+v %v", poll, err)
		}
		_, err = q.Accept(ctx, start.BrowserSecret)
		wantErr(t, "a second accept", err, app.ErrQRUsed)
		_, err = q.Poll(ctx, start.BrowserSecret)
		wantErr(t, "a poll after the accept", err, app.ErrQRUsed)
		_, err = q.Decline(ctx, start.BrowserSecret)
		wantErr(t, "a decline after the accept", err, app.ErrQRUsed)
	})
}

// The PC's user declines (issue 15): before a confirm or after one, the
// code is spent and nobody gets a session; an accept before any confirm
// is refused.
func TestQRLoginDecline(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		q, st, _ := qrLogins(t, db)
		testkit.AddEmployee(t, st, "emp-li", "")
		phone := app.Session{EmployeeID: "emp-li", Channel: domain.ChannelOA, OpenID: "o-emp-li"}
		for _, confirmFirst := range []bool{false, true} {
			s, _ := q.Start(ctx)
			if !confirmFirst {
				_, err := q.Accept(ctx, s.BrowserSecret)
				wantErr(t, "accept before a confirm", err, domain.ErrQRNotConfirmed)
			} else if _, err := q.Confirm(ctx, phone, s.Token); err != nil {
				t.Fatal(err)
			}
			if p, err := q.Decline(ctx, s.BrowserSecret); err != nil || p.State != app.QRLoginDeclined || p.Session != nil {
				t.Fatalf("decline: %+v %v", p, err)
			}
			if p, err := q.Decline(ctx, s.BrowserSecret); err != nil || p.State != app.QRLoginDeclined {
				t.Fatalf("decline again: %+v %v", p, err)
			}
			if p, err := q.Poll(ctx, s.BrowserSecret); err != nil || p.State != app.QRLoginDeclined || p.Session != nil || p.Who != nil {
				t.Fatalf("poll after decline: %+v %v", p, err)
			}
			_, err := q.Accept(ctx, s.BrowserSecret)
			wantErr(t, "accept after decline", err, app.ErrQRUsed)
			_, err = q.Confirm(ctx, phone, s.Token)
			wantErr(t, "confirm after decline", err, app.ErrQRUsed)
		}
	})
}

// Codes expire at two minutes on the service's clock, whatever their state.
func TestQRLoginExpiry(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		q, st, clock := qrLogins(t, db)
		testkit.AddEmployee(t, st, "emp-li", "")
		phone := app.Session{EmployeeID: "emp-li", Channel: domain.ChannelOA, OpenID: "o-emp-li"}

		a, _ := q.Start(ctx)
		clock.Add(2*time.Minute - time.Millisecond)
		if poll, err := q.Poll(ctx, a.BrowserSecret); err != nil || poll.State != app.QRLoginPending {
			t.Fatalf("just before two minutes: %+v %v", poll, err)
		}
		clock.Add(time.Millisecond)
		if poll, err := q.Poll(ctx, a.BrowserSecret); err != nil || poll.State != app.QRLoginExpired {
			t.Fatalf("at two minutes: %+v %v", poll, err)
		}
		_, err := q.Confirm(ctx, phone, a.Token)
		wantErr(t, "confirm an expired code", err, app.ErrQRExpired)

		// Confirmed in time but collected too late: nothing.
		b, _ := q.Start(ctx)
		clock.Add(time.Minute)
		if _, err := q.Confirm(ctx, phone, b.Token); err != nil {
			t.Fatal(err)
		}
		clock.Add(time.Minute)
		if poll, err := q.Poll(ctx, b.BrowserSecret); err != nil || poll.State != app.QRLoginExpired || poll.Session != nil {
			t.Fatalf("collected late: %+v %v", poll, err)
		}

		// Tidy forgets them a day after expiry.
		clock.Add(24*time.Hour + time.Second)
		if err := q.Tidy(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = q.Poll(ctx, b.BrowserSecret)
		wantErr(t, "after tidy", err, domain.ErrNotFound)
	})
}

// Unknown codes, unknown or deactivated employees and a race of phones.
func TestQRLoginConfirmRefusals(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		q, st, clock := qrLogins(t, db)
		testkit.AddEmployee(t, st, "emp-li", "")
		testkit.AddEmployee(t, st, "emp-wang", "")
		gone := testkit.AddEmployee(t, st, "emp-gone", "")
		if _, err := st.Employees.Update(ctx, gone.ID(), func(e *domain.Employee) error { e.Deactivate(clock.Now()); return nil }); err != nil {
			t.Fatal(err)
		}
		s, _ := q.Start(ctx)
		_, err := q.Confirm(ctx, app.Session{EmployeeID: "emp-li"}, "no-such-token")
		wantErr(t, "unknown code", err, domain.ErrNotFound)
		_, err = q.Confirm(ctx, app.Session{EmployeeID: "nobody"}, s.Token)
		wantErr(t, "unknown employee", err, domain.ErrAuthRequired)
		_, err = q.Confirm(ctx, app.Session{EmployeeID: "emp-gone"}, s.Token)
		wantErr(t, "deactivated employee", err, domain.ErrAuthRequired)
		// The browser secret is not the QR's token: it confirms nothing.
		_, err = q.Confirm(ctx, app.Session{EmployeeID: "emp-li"}, s.BrowserSecret)
		wantErr(t, "confirm with the browser secret", err, domain.ErrNotFound)
		if poll, _ := q.Poll(ctx, s.BrowserSecret); poll.State != app.QRLoginPending {
			t.Fatalf("after refused confirms: %+v", poll)
		}

		// Two phones race to confirm: one wins, the other is told it is used.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for _, id := range []domain.EmployeeID{"emp-li", "emp-wang"} {
			wg.Go(func() {
				_, err := q.Confirm(ctx, app.Session{EmployeeID: id}, s.Token)
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, app.ErrQRUsed):
					t.Errorf("%s: %v", id, err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d phones confirmed", wins.Load())
		}
	})
}

// Ten accepts race on a confirmed code: exactly one gets a session.
func TestQRLoginSingleUse(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		q, st, _ := qrLogins(t, db)
		testkit.AddEmployee(t, st, "emp-li", "")
		s, _ := q.Start(ctx)
		if _, err := q.Confirm(ctx, app.Session{EmployeeID: "emp-li", Channel: domain.ChannelOA, OpenID: "o-emp-li"}, s.Token); err != nil {
			t.Fatal(err)
		}
		var sessions atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				poll, err := q.Accept(ctx, s.BrowserSecret)
				switch {
				case err == nil && poll.Session != nil:
					sessions.Add(1)
				case err == nil:
					t.Errorf("an accept without a session or an error: %+v", poll)
				case !errors.Is(err, app.ErrQRUsed):
					t.Errorf("poll: %v", err)
				}
			})
		}
		wg.Wait()
		if sessions.Load() != 1 {
			t.Fatalf("%d accepts got a session, want exactly 1", sessions.Load())
		}
	})
}

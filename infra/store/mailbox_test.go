package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

func TestEmployeesMailLookups(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		s := store.New(db.DB)
		li := testkit.AddEmployee(t, s, "emp-li", "")
		require.True(t, domain.ValidIntakeToken(li.IntakeToken()))
		got, err := s.Employees.ByIntakeToken(ctx, li.IntakeToken())
		require.NoError(t, err)
		require.Equal(t, li.Data(), got.Data())
		_, err = s.Employees.ByIntakeToken(ctx, "aaaaaaaaaaaa")
		require.ErrorIs(t, err, domain.ErrNotFound)

		for _, id := range []domain.EmployeeID{"emp-a", "emp-b", "emp-c"} {
			testkit.AddEmployee(t, s, id, "")
		}
		setEmail := func(id domain.EmployeeID, email string, active bool) {
			_, err := s.Employees.Update(ctx, id, func(e *domain.Employee) error {
				d := e.Data()
				d.Email, d.Active = email, active
				*e = *domain.RestoreEmployee(d)
				return nil
			})
			require.NoError(t, err)
		}
		setEmail("emp-a", "a@example.com", true)
		setEmail("emp-b", "shared@example.com", true)
		setEmail("emp-c", "shared@example.com", true)
		setEmail("emp-li", "gone@example.com", false)
		ids := func(addr string) []domain.EmployeeID {
			es, err := s.Employees.ActiveByEmail(ctx, addr)
			require.NoError(t, err)
			var out []domain.EmployeeID
			for _, e := range es {
				out = append(out, e.ID())
			}
			return out
		}
		require.Equal(t, []domain.EmployeeID{"emp-a"}, ids("a@example.com"))
		require.Equal(t, []domain.EmployeeID{"emp-b", "emp-c"}, ids("shared@example.com"))
		require.Empty(t, ids("gone@example.com"), "a deactivated employee is never matched")
		require.Empty(t, ids(""), "no address matches no employee")

		// Rows from before migration 0014 have no token; each gets its own.
		_, err = db.DB.NewUpdate().Table("employees").Set("intake_token = NULL").Where("id IN (?)", bun.In([]string{"emp-a", "emp-b"})).Exec(ctx)
		require.NoError(t, err)
		n := 0
		filled, err := s.Employees.FillIntakeTokens(ctx, func() string { n++; return domain.NewIntakeToken() })
		require.NoError(t, err)
		require.Equal(t, 2, filled)
		require.Equal(t, 2, n)
		a, err := s.Employees.Get(ctx, "emp-a")
		require.NoError(t, err)
		require.True(t, domain.ValidIntakeToken(a.IntakeToken()))
		require.Equal(t, "a@example.com", a.Email())
		filled, err = s.Employees.FillIntakeTokens(ctx, domain.NewIntakeToken)
		require.NoError(t, err)
		require.Zero(t, filled)

		// Two employees can never share a token.
		dup, err := domain.NewEmployee(domain.EmployeeData{ID: "emp-dup", Name: "dup", IntakeToken: a.IntakeToken()}, testkit.Now)
		require.NoError(t, err)
		require.Error(t, s.Employees.Add(ctx, dup))
	})
}

func TestMailboxLog(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		log := store.NewMailbox(db.DB)
		now := testkit.Now
		rec := intake.MailRecord{Key: "k1", MessageID: "<m1@example.com>", From: "x@example.com", Subject: "发票", ReceivedAt: now.Add(-time.Hour)}

		c, err := log.ClaimMail(ctx, rec, "a", now, time.Minute)
		require.NoError(t, err)
		require.True(t, c.Taken)
		c, err = log.ClaimMail(ctx, rec, "b", now, time.Minute)
		require.NoError(t, err)
		require.Equal(t, intake.MailClaim{State: intake.MailWorking, Since: now}, c, "a holds it")

		// a dies; its lease runs out and b takes the mail over. a's late
		// finish is refused.
		c, err = log.ClaimMail(ctx, rec, "b", now.Add(2*time.Minute), time.Minute)
		require.NoError(t, err)
		require.True(t, c.Taken)
		done := rec
		done.State, done.EmployeeID = intake.MailProcessed, "emp-li"
		done.Results = []intake.MailFileResult{{File: "a.xml", Outcome: intake.Imported, InvoiceID: "inv_1"}, {File: "b.pdf", Outcome: intake.Unreadable, Code: "invoice.unreadable"}}
		require.Error(t, log.FinishMail(ctx, done, "a", now))
		require.NoError(t, log.FinishMail(ctx, done, "b", now.Add(2*time.Minute)))
		c, err = log.ClaimMail(ctx, rec, "a", now.Add(time.Hour), time.Minute)
		require.NoError(t, err)
		require.Equal(t, intake.MailClaim{State: intake.MailProcessed, Since: now.Add(2 * time.Minute)}, c, "a finished mail is never taken again")
		got, err := log.Mail(ctx, "k1")
		require.NoError(t, err)
		require.Equal(t, done.Results, got.Results)
		require.Equal(t, domain.EmployeeID("emp-li"), got.EmployeeID)
		require.Equal(t, "发票", got.Subject)
		require.True(t, got.ReceivedAt.Equal(rec.ReceivedAt))

		// A released claim is taken anew at once.
		r2 := intake.MailRecord{Key: "k2"}
		c, err = log.ClaimMail(ctx, r2, "a", now, time.Hour)
		require.NoError(t, err)
		require.True(t, c.Taken)
		require.NoError(t, log.ReleaseMail(ctx, "k2", "a"))
		c, err = log.ClaimMail(ctx, r2, "b", now, time.Hour)
		require.NoError(t, err)
		require.True(t, c.Taken)

		// Unmatched mail is listed newest first, page by page.
		for i, k := range []string{"u1", "u2", "u3"} {
			r := intake.MailRecord{Key: k, MessageID: k, Subject: "subject " + k, ReceivedAt: now.Add(time.Duration(i) * time.Minute)}
			_, err := log.ClaimMail(ctx, r, "a", now, time.Minute)
			require.NoError(t, err)
			r.State, r.Reason = intake.MailUnmatched, intake.ReasonNoAddress
			require.NoError(t, log.FinishMail(ctx, r, "a", now))
		}
		page, err := log.UnmatchedMail(ctx, 0, 2)
		require.NoError(t, err)
		require.Len(t, page, 2)
		require.Equal(t, "u3", page[0].MessageID)
		require.Equal(t, intake.ReasonNoAddress, page[0].Reason)
		page, err = log.UnmatchedMail(ctx, page[1].ID, 2)
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.Equal(t, "u1", page[0].MessageID)

		// Long headers are cut to fit, on a character boundary.
		long := intake.MailRecord{Key: "k3", Subject: strings.Repeat("票", 300)}
		_, err = log.ClaimMail(ctx, long, "a", now, time.Minute)
		require.NoError(t, err)
	})
}

// TestMailboxClaimRace: of several instances claiming one mail at once,
// exactly one holds it.
func TestMailboxClaimRace(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		log := store.NewMailbox(db.DB)
		var wg sync.WaitGroup
		var mu sync.Mutex
		taken := 0
		var errs []error
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := log.ClaimMail(ctx, intake.MailRecord{Key: "race"}, string(rune('a'+i)), testkit.Now, time.Minute)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				}
				if c.Taken {
					taken++
				}
			}()
		}
		wg.Wait()
		require.NoError(t, errors.Join(errs...))
		require.Equal(t, 1, taken)
	})
}

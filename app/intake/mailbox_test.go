package intake_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// fakeImporter stands in for the intake service (which has tests of its
// own): it records calls and answers with err, or every file imported.
type fakeImporter struct {
	calls [][]intake.File
	err   error
}

func (f *fakeImporter) Import(_ context.Context, _ domain.EmployeeID, _ domain.OriginalSource, files []intake.File) ([]intake.FileResult, error) {
	f.calls = append(f.calls, files)
	if f.err != nil {
		return nil, f.err
	}
	out := make([]intake.FileResult, len(files))
	for i, file := range files {
		out[i] = intake.FileResult{File: file.Name, Outcome: intake.Imported}
	}
	return out, nil
}

var ctx = context.Background()

type fixture struct {
	st   *store.Store
	log  *store.Mailbox
	imp  *fakeImporter
	addr map[domain.EmployeeID]string
}

func newFixture(t *testing.T) *fixture {
	db := testkit.SQLite(t)
	f := &fixture{st: store.New(db.DB), log: store.NewMailbox(db.DB), imp: &fakeImporter{}, addr: map[domain.EmployeeID]string{}}
	for _, e := range []struct {
		id     domain.EmployeeID
		email  string
		active bool
	}{{"emp-li", "li@example.com", true}, {"emp-wang", "shared@example.com", true}, {"emp-zhang", "shared@example.com", true}, {"emp-gone", "gone@example.com", false}} {
		emp := testkit.AddEmployee(t, f.st, e.id, "")
		_, err := f.st.Employees.Update(ctx, e.id, func(cur *domain.Employee) error {
			d := cur.Data()
			d.Email, d.Active = e.email, e.active
			*cur = *domain.RestoreEmployee(d)
			return nil
		})
		require.NoError(t, err)
		f.addr[e.id] = "Fapiao+" + emp.IntakeToken() + "@Corp.Example"
	}
	return f
}

func (f *fixture) mailbox(trust bool) *intake.Mailbox {
	return intake.NewMailbox(f.st.Employees, f.imp, f.log, testkit.NewClock(), intake.MailboxOptions{
		Address: "fapiao@corp.example", TrustFrom: trust, Owner: "test", Logger: slog.New(slog.DiscardHandler),
	})
}

var pdf = []intake.File{{Name: "a.pdf", Data: []byte("%PDF")}}

func TestMailboxMatching(t *testing.T) {
	f := newFixture(t)
	n := 0
	for _, tt := range []struct {
		name  string
		trust bool
		mail  intake.Mail
		want  intake.Verdict
		owner domain.EmployeeID
		why   intake.MailReason
	}{
		{name: "own address", mail: intake.Mail{Recipients: []string{"x@example.com", f.addr["emp-li"]}}, want: intake.MoveProcessed, owner: "emp-li"},
		{name: "one address twice", mail: intake.Mail{Recipients: []string{f.addr["emp-li"], f.addr["emp-li"]}}, want: intake.MoveProcessed, owner: "emp-li"},
		{name: "two employees", mail: intake.Mail{Recipients: []string{f.addr["emp-li"], f.addr["emp-wang"]}}, want: intake.MoveUnmatched, why: intake.ReasonSeveralEmployees},
		{name: "tag on another domain", mail: intake.Mail{Recipients: []string{"fapiao+" + f.addr["emp-li"][7:19] + "@other.example"}}, want: intake.MoveUnmatched, why: intake.ReasonNoAddress},
		{name: "deactivated", trust: true, mail: intake.Mail{From: "li@example.com", Recipients: []string{f.addr["emp-gone"]}}, want: intake.MoveUnmatched, why: intake.ReasonInactive},
		{name: "unknown tag", trust: true, mail: intake.Mail{From: "li@example.com", Recipients: []string{"fapiao+zzzzzzzzzzzz@corp.example"}}, want: intake.MoveUnmatched, why: intake.ReasonUnknownToken},
		{name: "from untrusted", mail: intake.Mail{From: "li@example.com", Recipients: []string{"fapiao@corp.example"}}, want: intake.MoveUnmatched, why: intake.ReasonNoAddress},
		{name: "from trusted", trust: true, mail: intake.Mail{From: "LI@example.com", Recipients: []string{"fapiao@corp.example"}}, want: intake.MoveProcessed, owner: "emp-li"},
		{name: "from shared", trust: true, mail: intake.Mail{From: "shared@example.com"}, want: intake.MoveUnmatched, why: intake.ReasonSeveralEmployees},
		{name: "from deactivated", trust: true, mail: intake.Mail{From: "gone@example.com"}, want: intake.MoveUnmatched, why: intake.ReasonFromUnknown},
		{name: "too large", mail: intake.Mail{TooLarge: true, Recipients: []string{f.addr["emp-li"]}}, want: intake.MoveUnmatched, why: intake.ReasonTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n++
			tt.mail.Key = fmt.Sprint("key-", n)
			if !tt.mail.TooLarge {
				tt.mail.Files = pdf
			}
			calls := len(f.imp.calls)
			v, err := f.mailbox(tt.trust).Take(ctx, tt.mail)
			require.NoError(t, err)
			require.Equal(t, tt.want, v)
			rec, err := f.log.Mail(ctx, tt.mail.Key)
			require.NoError(t, err)
			require.Equal(t, tt.owner, rec.EmployeeID)
			require.Equal(t, tt.why, rec.Reason)
			if tt.owner != "" {
				require.Len(t, f.imp.calls, calls+1)
				require.Equal(t, []intake.MailFileResult{{File: "a.pdf", Outcome: intake.Imported}}, rec.Results)
			} else {
				require.Len(t, f.imp.calls, calls, "nothing imported for nobody")
			}
		})
	}
}

func TestMailboxImportOutcomes(t *testing.T) {
	f := newFixture(t)
	m := f.mailbox(false)
	to := []string{f.addr["emp-li"]}

	// No files: processed, nothing imported.
	v, err := m.Take(ctx, intake.Mail{Key: "empty", Recipients: to})
	require.NoError(t, err)
	require.Equal(t, intake.MoveProcessed, v)
	rec, _ := f.log.Mail(ctx, "empty")
	require.Equal(t, intake.ReasonNoFiles, rec.Reason)
	require.Empty(t, f.imp.calls)

	// More files than one import takes: batches of intake.MaxFiles.
	many := make([]intake.File, intake.MaxFiles*2+3)
	for i := range many {
		many[i] = intake.File{Name: fmt.Sprintf("%d.pdf", i), Data: []byte{byte(i)}}
	}
	_, err = m.Take(ctx, intake.Mail{Key: "many", Recipients: to, Files: many})
	require.NoError(t, err)
	require.Len(t, f.imp.calls, 3)
	rec, _ = f.log.Mail(ctx, "many")
	require.Len(t, rec.Results, len(many))

	// A failure of the store behind the importer: the mail stays, and the
	// next round takes it anew.
	f.imp.err = errors.New("database is locked")
	v, err = m.Take(ctx, intake.Mail{Key: "flaky", Recipients: to, Files: pdf})
	require.Error(t, err)
	require.Equal(t, intake.Leave, v)
	f.imp.err = nil
	v, err = m.Take(ctx, intake.Mail{Key: "flaky", Recipients: to, Files: pdf})
	require.NoError(t, err)
	require.Equal(t, intake.MoveProcessed, v)

	// A refusal of the whole batch is final: processed, files refused.
	f.imp.err = domain.Invalid("files", "at most 50 files at once")
	v, err = m.Take(ctx, intake.Mail{Key: "refused", Recipients: to, Files: pdf})
	require.NoError(t, err)
	require.Equal(t, intake.MoveProcessed, v)
	rec, _ = f.log.Mail(ctx, "refused")
	require.Equal(t, []intake.MailFileResult{{File: "a.pdf", Outcome: intake.Refused, Code: "request.invalid"}}, rec.Results)
	f.imp.err = nil

	// A finished mail seen again is not imported again; it is moved by
	// whoever finished it, or by anyone once that had a minute.
	calls := len(f.imp.calls)
	v, err = m.Take(ctx, intake.Mail{Key: "flaky", Recipients: to, Files: pdf})
	require.NoError(t, err)
	require.Equal(t, intake.Leave, v)
	clock := testkit.NewClock()
	clock.Advance(2 * time.Minute)
	late := intake.NewMailbox(f.st.Employees, f.imp, f.log, clock, intake.MailboxOptions{Address: "fapiao@corp.example", Owner: "other", Logger: slog.New(slog.DiscardHandler)})
	v, err = late.Take(ctx, intake.Mail{Key: "flaky", Recipients: to, Files: pdf})
	require.NoError(t, err)
	require.Equal(t, intake.MoveProcessed, v)
	require.Len(t, f.imp.calls, calls)
}

func TestAddressOf(t *testing.T) {
	f := newFixture(t)
	li, err := f.st.Employees.Get(ctx, "emp-li")
	require.NoError(t, err)
	require.Equal(t, "fapiao+"+li.IntakeToken()+"@corp.example", f.mailbox(false).AddressOf(li))
	none := intake.NewMailbox(f.st.Employees, f.imp, f.log, testkit.NewClock(), intake.MailboxOptions{})
	require.Empty(t, none.AddressOf(li), "no mailbox address, no employee address")
	var off *intake.Mailbox
	require.Empty(t, off.AddressOf(li))
}

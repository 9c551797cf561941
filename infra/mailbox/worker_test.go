package mailbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/mailbox"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// recorder stands in for the intake service: it records each call and
// answers every file imported. fail makes the next calls fail.
type recorder struct {
	mu       sync.Mutex
	calls    []call
	attempts int // calls, failed ones included
	fail     error
	delay    time.Duration
}

type call struct {
	owner domain.EmployeeID
	files []intake.File
}

func (r *recorder) Import(ctx context.Context, owner domain.EmployeeID, source domain.OriginalSource, files []intake.File) ([]intake.FileResult, error) {
	if source != domain.SourceMail {
		return nil, fmt.Errorf("source %s", source)
	}
	time.Sleep(r.delay)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts++
	if r.fail != nil {
		return nil, r.fail
	}
	r.calls = append(r.calls, call{owner, files})
	out := make([]intake.FileResult, len(files))
	for i, f := range files {
		out[i] = intake.FileResult{File: f.Name, Outcome: intake.Imported}
	}
	return out, nil
}

func (r *recorder) snapshot() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recorder) attemptCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.attempts
}

func (r *recorder) setFail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

// world is a dovecot, a database with two employees and the use case.
type world struct {
	dv    *testkit.Dovecot
	st    *store.Store
	log   *store.Mailbox
	rec   *recorder
	li    *domain.Employee
	wang  *domain.Employee
	inbox func(trustFrom bool) *intake.Mailbox
}

const address = "fapiao@corp.example"

func newWorld(t *testing.T) *world {
	dv := testkit.StartDovecot(t)
	db := testkit.SQLite(t)
	st := store.New(db.DB)
	w := &world{dv: dv, st: st, log: store.NewMailbox(db.DB), rec: &recorder{}}
	w.li = testkit.AddEmployee(t, st, "emp-li", "")
	w.wang = testkit.AddEmployee(t, st, "emp-wang", "")
	_, err := st.Employees.Update(context.Background(), "emp-wang", func(e *domain.Employee) error {
		d := e.Data()
		d.Email = "wang@example.com"
		*e = *domain.RestoreEmployee(d)
		return nil
	})
	require.NoError(t, err)
	w.inbox = func(trust bool) *intake.Mailbox {
		return intake.NewMailbox(st.Employees, w.rec, w.log, app.SystemClock{}, intake.MailboxOptions{
			Address: address, TrustFrom: trust, Owner: "test-" + t.Name(), Logger: quiet,
		})
	}
	return w
}

func (w *world) options(poll time.Duration) mailbox.Options {
	return mailbox.Options{
		Addr: w.dv.Addr, AllowPlain: true, Username: w.dv.User, Password: w.dv.Password,
		Mailbox: "INBOX", Processed: "Processed", Unmatched: "Unmatched", PollInterval: poll,
		Logger: quiet,
	}
}

// run starts a worker and stops it when the test ends; stop stops it
// earlier and returns once Run has returned, so whatever it was doing is
// done.
func run(t *testing.T, m *intake.Mailbox, opts mailbox.Options) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mailbox.New(m, opts).Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Error("the worker did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w *world) addressOf(e *domain.Employee) string {
	return "fapiao+" + e.IntakeToken() + "@corp.example"
}

// TestMailboxTakesInvoices is the check: a mail with two invoice
// attachments becomes two files imported for the right employee, and the
// mail moves to Processed. The worker idles: the poll interval is an hour,
// so only IDLE can bring the mail in time. Unmatched mail moves to
// Unmatched and is recorded.
func TestMailboxTakesInvoices(t *testing.T) {
	w := newWorld(t)
	run(t, w.inbox(false), w.options(time.Hour))
	eventually(t, "folders created", func() bool { return w.dv.Subjects(t, "Processed") != nil })

	xml, pdf := []byte("<EInvoice>one</EInvoice>"), []byte("%PDF-1.7 two")
	w.dv.Deliver(t, "INBOX", testkit.InvoiceMail("two-files", "\"收票\" <"+w.addressOf(w.li)+">", "seller@example.com",
		testkit.File{Name: "a.xml", Data: xml}, testkit.File{Name: "b.pdf", Data: pdf}))
	eventually(t, "mail processed", func() bool { return slices.Equal(w.dv.Subjects(t, "Processed"), []string{"two-files"}) })
	require.Empty(t, w.dv.Subjects(t, "INBOX"))
	calls := w.rec.snapshot()
	require.Len(t, calls, 1)
	require.Equal(t, domain.EmployeeID("emp-li"), calls[0].owner)
	require.Equal(t, []intake.File{{Name: "a.xml", Data: xml}, {Name: "b.pdf", Data: pdf}}, calls[0].files)

	// From is not trusted by default: wang's own address matches nobody.
	w.dv.Deliver(t, "INBOX", testkit.InvoiceMail("from-only", address, "Wang <wang@example.com>", testkit.File{Name: "c.pdf", Data: pdf}))
	w.dv.Deliver(t, "INBOX", testkit.InvoiceMail("bad-token", "fapiao+zzzzzzzzzzzz@corp.example", "x@example.com", testkit.File{Name: "d.pdf", Data: pdf}))
	eventually(t, "unmatched mail moved", func() bool { return len(w.dv.Subjects(t, "Unmatched")) == 2 })
	require.Empty(t, w.dv.Subjects(t, "INBOX"))
	require.Len(t, w.rec.snapshot(), 1, "unmatched mail imports nothing")
	un, err := w.inbox(false).Unmatched(context.Background(), testkit.AddEmployee(t, w.st, "admin", "", domain.RoleAdmin).ID(), 0, 10)
	require.NoError(t, err)
	require.Len(t, un, 2)
	require.Equal(t, "bad-token", un[0].Subject)
	require.Equal(t, intake.ReasonUnknownToken, un[0].Reason)
	require.Equal(t, "from-only", un[1].Subject)
	require.Equal(t, intake.ReasonNoAddress, un[1].Reason)
	require.Equal(t, "wang@example.com", un[1].From)
	_, err = w.inbox(false).Unmatched(context.Background(), "emp-li", 0, 10)
	require.ErrorIs(t, err, domain.ErrForbidden)
}

// TestMailboxFallbacks: without IDLE the worker polls, and without MOVE it
// copies, flags \Deleted and expunges only that mail (UID EXPUNGE). A
// trusted From matches; an import failure leaves the mail in INBOX for
// the next round.
func TestMailboxFallbacks(t *testing.T) {
	w := newWorld(t)
	// Another client's deleted mail must survive our expunges.
	w.dv.Deliver(t, "INBOX", testkit.InvoiceMail("someone-elses", "x@example.com", "x@example.com"))
	c, err := w.dv.Client()
	require.NoError(t, err)
	_, err = c.Select("INBOX", false)
	require.NoError(t, err)
	require.NoError(t, c.Store(seq1(), "+FLAGS.SILENT", []any{`\Deleted`}, nil))
	require.NoError(t, c.Logout())

	w.rec.setFail(errors.New("database down"))
	opts := w.options(200 * time.Millisecond)
	opts.NoIdle, opts.NoMove = true, true
	run(t, w.inbox(true), opts)
	w.dv.Deliver(t, "INBOX", testkit.InvoiceMail("by-from", "fapiao@corp.example", "WANG@example.com", testkit.File{Name: "e.ofd", Data: []byte("PK ofd")}))
	// A second attempt means the first failure was handled: had it moved
	// the mail, there would be nothing left to attempt.
	eventually(t, "two failed imports", func() bool { return w.rec.attemptCount() >= 2 })
	require.Equal(t, []string{"by-from"}, w.dv.Subjects(t, "INBOX"), "a failed import leaves the mail")
	require.Empty(t, w.dv.Subjects(t, "Processed"))

	w.rec.setFail(nil)
	eventually(t, "mail processed", func() bool { return slices.Equal(w.dv.Subjects(t, "Processed"), []string{"by-from"}) })
	require.Empty(t, w.dv.Subjects(t, "INBOX"))
	calls := w.rec.snapshot()
	require.Len(t, calls, 1)
	require.Equal(t, domain.EmployeeID("emp-wang"), calls[0].owner)

	c, err = w.dv.Client()
	require.NoError(t, err)
	st, err := c.Select("INBOX", true)
	require.NoError(t, err)
	require.Equal(t, uint32(1), st.Messages, "the other deleted mail was not expunged")
	require.NoError(t, c.Logout())
}

// TestMailboxTwoInstances: two workers on one mailbox import each mail
// once; the slow importer keeps both busy on the same mails.
func TestMailboxTwoInstances(t *testing.T) {
	w := newWorld(t)
	w.rec.delay = 300 * time.Millisecond
	for i := range 4 {
		w.dv.Deliver(t, "INBOX", testkit.InvoiceMail(fmt.Sprintf("m%d", i), w.addressOf(w.li), "x@example.com", testkit.File{Name: "f.pdf", Data: []byte{byte(i)}}))
	}
	var stops []func()
	for i := range 2 {
		m := intake.NewMailbox(w.st.Employees, w.rec, w.log, app.SystemClock{}, intake.MailboxOptions{Address: address, Owner: fmt.Sprint("instance-", i), Logger: quiet})
		stops = append(stops, run(t, m, w.options(100*time.Millisecond)))
	}
	eventually(t, "all mail processed", func() bool { return len(w.dv.Subjects(t, "Processed")) >= 4 })
	// Both workers stopped: an import or move either of them had begun
	// is finished and shows below.
	for _, stop := range stops {
		stop()
	}
	got := w.dv.Subjects(t, "Processed")
	slices.Sort(got)
	require.Equal(t, []string{"m0", "m1", "m2", "m3"}, got, "each mail moved once")
	require.Len(t, w.rec.snapshot(), 4, "each mail imported once")
}

func seq1() *imap.SeqSet {
	s := new(imap.SeqSet)
	s.AddNum(1)
	return s
}

var quiet = slog.New(slog.DiscardHandler)

// TestCheckAndSecrets: doctor's check reads without changing anything; a
// wrong password fails the login, and neither the check's error nor the
// worker's log carries the password.
func TestCheckAndSecrets(t *testing.T) {
	w := newWorld(t)
	w.dv.Deliver(t, "INBOX", testkit.InvoiceMail("waiting", address, "x@example.com"))
	got, err := mailbox.Check(context.Background(), w.options(time.Minute))
	require.NoError(t, err)
	require.Contains(t, got, "INBOX holds 1 mails; IDLE true, MOVE true")
	require.Nil(t, w.dv.Subjects(t, "Processed"), "the check creates no folder")

	opts := w.options(time.Minute)
	opts.Password = "wrong-Pa55word-xyz"
	_, err = mailbox.Check(context.Background(), opts)
	require.ErrorContains(t, err, "login as fapiao")
	require.NotContains(t, err.Error(), opts.Password)

	var buf testkit.LogBuffer
	opts.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	run(t, w.inbox(false), opts)
	eventually(t, "the failure logged", func() bool { return strings.Contains(buf.String(), "connection failed") })
	require.NotContains(t, buf.String(), opts.Password)
	require.Equal(t, []string{"waiting"}, w.dv.Subjects(t, "INBOX"))
}

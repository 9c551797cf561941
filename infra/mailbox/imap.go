// Package mailbox is the IMAP side of the mailbox intake (专属收票邮箱,
// issue 16, DECISIONS 48): a worker that reads one mailbox, hands each
// mail to the intake use case (app/intake.Mailbox) and moves it as the
// use case says. It uses github.com/emersion/go-imap v1.2.1, the stable
// release, which has IDLE and MOVE built in (v2 is still a beta).
package mailbox

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
	"github.com/emersion/go-imap/commands"
)

// maxMessageSize bounds one mail: the upload's 20 MiB of files (DECISIONS
// 38) plus base64's third. A bigger mail is not fetched at all.
const maxMessageSize = 30 << 20

// commandTimeout bounds one IMAP command (a 30 MiB fetch on a slow link
// included), so a dead server cannot hang the worker.
const commandTimeout = 5 * time.Minute

// session is one logged-in connection with the mailbox selected.
type session struct {
	c       *client.Client
	opts    *Options
	wake    chan struct{} // the server reported a change
	idle    bool          // IDLE offered
	move    bool          // MOVE offered
	uidplus bool          // UID EXPUNGE offered
	valid   uint32        // UIDVALIDITY of the selected mailbox
}

// dial connects and logs in. imaps is TLS from the first byte; imap must
// upgrade by STARTTLS, except on loopback when the server offers none.
func dial(ctx context.Context, o *Options) (*session, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", o.Addr, err)
	}
	host, _, _ := net.SplitHostPort(o.Addr)
	tlsConf := o.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tlsConf.ServerName == "" {
		tlsConf = tlsConf.Clone()
		tlsConf.ServerName = host
	}
	if o.ImplicitTLS {
		conn = tls.Client(conn, tlsConf)
	}
	// The greeting is read inside client.New: bound it.
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := client.New(conn)
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("greeting from %s: %w", o.Addr, err)
	}
	c.ErrorLog = slogPrinter{o.Logger}
	c.Timeout = commandTimeout
	s := &session{c: c, opts: o, wake: make(chan struct{}, 1)}
	if err := s.login(); err != nil {
		_ = c.Terminate()
		return nil, err
	}
	return s, nil
}

// Check logs in and looks at the mailbox without changing anything, for
// `baoxiao doctor`: it says how many mails wait and what the server offers.
func Check(ctx context.Context, o Options) (string, error) {
	o = withDefaults(o)
	s, err := dial(ctx, &o)
	if err != nil {
		return "", err
	}
	defer s.close()
	stop := context.AfterFunc(ctx, func() { _ = s.c.Terminate() })
	defer stop()
	st, err := s.c.Select(o.Mailbox, true)
	if err != nil {
		return "", fmt.Errorf("examine %s: %w", o.Mailbox, err)
	}
	return fmt.Sprintf("logged in to %s as %s; %s holds %d mails; IDLE %t, MOVE %t", o.Addr, o.Username, o.Mailbox, st.Messages, s.idle, s.move), nil
}

func (s *session) login() error {
	c, o := s.c, s.opts
	if !o.ImplicitTLS {
		ok, err := c.SupportStartTLS()
		if err != nil {
			return fmt.Errorf("capabilities: %w", err)
		}
		switch {
		case ok:
			host, _, _ := net.SplitHostPort(o.Addr)
			conf := o.TLS
			if conf == nil {
				conf = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
			}
			if err := c.StartTLS(conf); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		case !o.AllowPlain:
			// The password would cross the network in clear.
			return errors.New("the server offers no STARTTLS: use imaps://, or a server on loopback")
		}
	}
	// The error names the server's answer, never the password.
	if err := c.Login(o.Username, o.Password); err != nil {
		return fmt.Errorf("login as %s: %w", o.Username, err)
	}
	caps, err := c.Capability()
	if err != nil {
		return fmt.Errorf("capabilities: %w", err)
	}
	s.idle, s.move, s.uidplus = caps["IDLE"] && !o.NoIdle, caps["MOVE"] && !o.NoMove, caps["UIDPLUS"]
	return nil
}

// open readies the session for work: the folders exist, server news is
// read, and the mailbox is selected.
func (s *session) open() error {
	c, o := s.c, s.opts
	if err := s.ensureFolders(); err != nil {
		return err
	}
	// Updates must be read while the connection lives, or the client
	// blocks: each one wakes the worker (new mail while idling).
	updates := make(chan client.Update, 64)
	c.Updates = updates
	go func() {
		for {
			select {
			case <-updates:
				select {
				case s.wake <- struct{}{}:
				default:
				}
			case <-c.LoggedOut():
				return
			}
		}
	}()
	st, err := c.Select(o.Mailbox, false)
	if err != nil {
		return fmt.Errorf("select %s: %w", o.Mailbox, err)
	}
	s.valid = st.UidValidity
	return nil
}

// ensureFolders creates the processed and unmatched folders when missing.
func (s *session) ensureFolders() error {
	ch := make(chan *imap.MailboxInfo, 16)
	done := make(chan error, 1)
	go func() { done <- s.c.List("", "*", ch) }()
	var have []string
	for mb := range ch {
		have = append(have, mb.Name)
	}
	if err := <-done; err != nil {
		return fmt.Errorf("list folders: %w", err)
	}
	for _, f := range []string{s.opts.Processed, s.opts.Unmatched} {
		if !slices.Contains(have, f) {
			if err := s.c.Create(f); err != nil {
				return fmt.Errorf("create folder %s: %w", f, err)
			}
		}
	}
	return nil
}

func (s *session) close() {
	// Logout waits for the server's BYE; Terminate does not, for a dead link.
	if s.c.State() == imap.LogoutState {
		return
	}
	if err := s.c.Logout(); err != nil {
		_ = s.c.Terminate()
	}
}

// envelope is what is known of a mail before its body is fetched.
type envelope struct {
	uid      uint32
	size     uint32
	received time.Time
}

// pending lists the mails in the mailbox, oldest first. It takes every
// mail not marked deleted, seen or not: taken mail leaves the mailbox, so
// what is left is new or was left for the next round, and a mail someone
// opened in a web client must still be taken.
func (s *session) pending() ([]envelope, error) {
	crit := imap.NewSearchCriteria()
	crit.WithoutFlags = []string{imap.DeletedFlag}
	uids, err := s.c.UidSearch(crit)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if len(uids) == 0 {
		return nil, nil
	}
	set := new(imap.SeqSet)
	set.AddNum(uids...)
	ch := make(chan *imap.Message, len(uids))
	if err := s.c.UidFetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size, imap.FetchInternalDate}, ch); err != nil {
		return nil, fmt.Errorf("fetch sizes: %w", err)
	}
	var out []envelope
	for m := range ch {
		out = append(out, envelope{uid: m.Uid, size: m.Size, received: m.InternalDate})
	}
	slices.SortFunc(out, func(a, b envelope) int { return int(int64(a.uid) - int64(b.uid)) })
	return out, nil
}

// bodySection is the whole raw message, read without setting \Seen.
var bodySection = &imap.BodySectionName{Peek: true}

// fetch reads one mail's raw bytes; nil when the mail is gone (another
// instance moved it since the search).
func (s *session) fetch(uid uint32) ([]byte, error) {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	ch := make(chan *imap.Message, 1)
	if err := s.c.UidFetch(set, []imap.FetchItem{bodySection.FetchItem()}, ch); err != nil {
		return nil, fmt.Errorf("fetch mail %d: %w", uid, err)
	}
	m := <-ch
	if m == nil {
		return nil, nil
	}
	r := m.GetBody(bodySection)
	if r == nil {
		return nil, fmt.Errorf("fetch mail %d: no body", uid)
	}
	return io.ReadAll(r)
}

// key names a mail's place: the same on every instance, new if the mail
// is moved back into the mailbox (then it is taken again, and the
// invoices' identity makes that harmless).
func (s *session) key(uid uint32) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d\x00%d", s.opts.Addr, s.opts.Username, s.opts.Mailbox, s.valid, uid))
	return hex.EncodeToString(h[:])
}

// moveTo moves one mail: MOVE where offered, else COPY, \Deleted and
// EXPUNGE — UID EXPUNGE of just that mail where UIDPLUS allows, so other
// deleted mail is left to its owner.
func (s *session) moveTo(uid uint32, folder string) error {
	set := new(imap.SeqSet)
	set.AddNum(uid)
	if s.move {
		if err := s.c.UidMove(set, folder); err != nil {
			return fmt.Errorf("move mail %d to %s: %w", uid, folder, err)
		}
		return nil
	}
	if err := s.c.UidCopy(set, folder); err != nil {
		return fmt.Errorf("copy mail %d to %s: %w", uid, folder, err)
	}
	if err := s.c.UidStore(set, imap.FormatFlagsOp(imap.AddFlags, true), []any{imap.DeletedFlag}, nil); err != nil {
		return fmt.Errorf("flag mail %d deleted: %w", uid, err)
	}
	if s.uidplus {
		st, err := s.c.Execute(&commands.Uid{Cmd: uidExpunge{set}}, nil)
		if err == nil {
			err = st.Err()
		}
		if err != nil {
			return fmt.Errorf("expunge mail %d: %w", uid, err)
		}
		return nil
	}
	if err := s.c.Expunge(nil); err != nil {
		return fmt.Errorf("expunge: %w", err)
	}
	return nil
}

// refused says whether a failed command was the server's NO or BAD, not
// a broken connection, so the session can go on. go-imap v1 gives a NO
// no type of its own; a NOOP that works tells the two apart.
func (s *session) refused(err error) bool {
	return err != nil && s.c.Noop() == nil
}

// uidExpunge is UIDPLUS's EXPUNGE of named mails (RFC 4315), sent as UID
// EXPUNGE by commands.Uid.
type uidExpunge struct{ set *imap.SeqSet }

func (u uidExpunge) Command() *imap.Command {
	return &imap.Command{Name: "EXPUNGE", Arguments: []any{u.set}}
}

// wait returns when the mailbox may have changed: at once if the server
// said so, else after an IDLE that ends on news or at the poll interval,
// or after the poll interval without IDLE.
func (s *session) wait(ctx context.Context) error {
	select {
	case <-s.wake:
		return nil
	default:
	}
	timer := time.NewTimer(s.opts.PollInterval)
	defer timer.Stop()
	if !s.idle {
		select {
		case <-ctx.Done():
		case <-timer.C:
		case <-s.wake:
		}
		return nil
	}
	// The deadline covers the whole IDLE, so a link that died meanwhile
	// fails the command rather than hanging it.
	s.c.Timeout = s.opts.PollInterval + time.Minute
	defer func() { s.c.Timeout = commandTimeout }()
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- s.c.Idle(stop, &client.IdleOptions{LogoutTimeout: -1}) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	case <-timer.C:
	case <-s.wake:
	}
	close(stop)
	return <-done
}

// slogPrinter sends go-imap's own error lines to the log.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("imap: " + fmt.Sprintf(format, v...))
}
func (p slogPrinter) Println(v ...any) { p.log.Warn("imap: " + fmt.Sprint(v...)) }

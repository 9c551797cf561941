package mailbox

import (
	"context"
	"crypto/tls"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/config"
)

// Taker decides what becomes of one mail: app/intake.Mailbox.
type Taker interface {
	Take(ctx context.Context, mail intake.Mail) (intake.Verdict, error)
}

// Options configure the worker.
type Options struct {
	Addr        string // host:port
	ImplicitTLS bool   // imaps
	AllowPlain  bool   // imap without STARTTLS (loopback only)
	TLS         *tls.Config
	Username    string
	Password    string // never logged
	Mailbox     string
	Processed   string
	Unmatched   string
	// PollInterval is the read interval without IDLE, and the longest
	// IDLE before the mailbox is read again anyway.
	PollInterval time.Duration
	// NoIdle and NoMove pretend the server lacks IDLE or MOVE (tests of
	// the fallbacks).
	NoIdle, NoMove bool
	Logger         *slog.Logger
}

// OptionsFrom reads intake.imap.
func OptionsFrom(c config.IMAP, log *slog.Logger) Options {
	addr, implicit := c.Endpoint()
	return Options{
		Addr: addr, ImplicitTLS: implicit, AllowPlain: c.Loopback(),
		Username: c.Username, Password: c.Password.Reveal(),
		Mailbox: c.Mailbox, Processed: c.ProcessedFolder, Unmatched: c.UnmatchedFolder,
		PollInterval: c.PollInterval, Logger: log,
	}
}

// Worker reads the mailbox until its context ends. On every instance:
// the use case's claim lets one instance take each mail.
type Worker struct {
	opts  Options
	taker Taker
}

// New returns the worker.
func New(taker Taker, opts Options) *Worker {
	return &Worker{opts: withDefaults(opts), taker: taker}
}

func withDefaults(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Minute
	}
	return o
}

// Run reads the mailbox until ctx ends, reconnecting after failures with a
// growing pause; it returns nil then. An unreachable mail server is never
// fatal to serve.
func (w *Worker) Run(ctx context.Context) error {
	log := w.opts.Logger
	failures := 0
	for ctx.Err() == nil {
		err := w.session(ctx, func() { failures = 0 })
		if ctx.Err() != nil {
			break
		}
		failures++
		pause := backoff(failures)
		log.WarnContext(ctx, "mailbox: connection failed; trying again", "server", w.opts.Addr, "error", err, "in", pause.Round(time.Second))
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
	}
	return nil
}

// backoff doubles from 2s up to 5m; half is random so instances don't
// reconnect in step.
func backoff(n int) time.Duration {
	d := min(2*time.Second<<min(n-1, 8), 5*time.Minute)
	return d/2 + rand.N(d/2)
}

// session runs one connection: read every pending mail, wait for news,
// again. It returns on a connection error or when ctx ends.
func (w *Worker) session(ctx context.Context, connected func()) error {
	s, err := dial(ctx, &w.opts)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.open(); err != nil {
		return err
	}
	// A command blocked on a dead server ends when the connection does.
	stop := context.AfterFunc(ctx, func() { _ = s.c.Terminate() })
	defer stop()
	connected()
	w.opts.Logger.InfoContext(ctx, "mailbox: connected", "server", w.opts.Addr, "mailbox", w.opts.Mailbox, "idle", s.idle, "move", s.move)
	for ctx.Err() == nil {
		if err := w.round(ctx, s); err != nil {
			return err
		}
		if err := s.wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// round takes every pending mail once. A failure of the use case leaves
// its mail for the next round and goes on with the others; a failure of
// the connection ends the round.
func (w *Worker) round(ctx context.Context, s *session) error {
	mails, err := s.pending()
	if err != nil {
		return err
	}
	for _, m := range mails {
		if ctx.Err() != nil {
			return nil
		}
		if err := w.take(ctx, s, m); err != nil {
			return err
		}
	}
	return nil
}

func (w *Worker) take(ctx context.Context, s *session, env envelope) error {
	mail := intake.Mail{Key: s.key(env.uid), ReceivedAt: env.received}
	if env.size > maxMessageSize {
		// Not fetched: a mail this big holds more than an upload may.
		mail.TooLarge = true
	} else {
		raw, err := s.fetch(env.uid)
		if s.refused(err) {
			// The server will not give this one mail: the others go on,
			// and it is tried again next round.
			w.opts.Logger.WarnContext(ctx, "mailbox: mail not read", "uid", env.uid, "error", err)
			return nil
		}
		if err != nil {
			return err
		}
		if raw == nil {
			return nil // gone: another instance took it
		}
		msg, err := ReadMessage(raw)
		if err != nil {
			// No header to match by: it goes to the admins' list.
			w.opts.Logger.WarnContext(ctx, "mailbox: unreadable mail header", "uid", env.uid, "error", err)
		}
		mail.MessageID, mail.From, mail.Recipients, mail.Subject, mail.Files = msg.MessageID, msg.From, msg.Recipients, msg.Subject, msg.Files
	}
	// A use-case error (database, importer) leaves the mail for the next
	// round and the others go on; only an IMAP error ends the session.
	v, err := w.taker.Take(ctx, mail)
	if err != nil {
		if ctx.Err() == nil {
			w.opts.Logger.WarnContext(ctx, "mailbox: mail left for the next round", "uid", env.uid, "error", err)
		}
		return nil
	}
	folder := w.opts.Processed
	switch v {
	case intake.MoveUnmatched:
		folder = w.opts.Unmatched
	case intake.Leave:
		return nil
	}
	err = s.moveTo(env.uid, folder)
	if s.refused(err) {
		// The server said no (most often: another instance moved the
		// mail first). The record stands; if the mail is still here,
		// the next round moves it without importing it again.
		w.opts.Logger.WarnContext(ctx, "mailbox: mail not moved", "uid", env.uid, "folder", folder, "error", err)
		return nil
	}
	return err
}

package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Importer takes files into an employee's invoices: the intake service
// every file path shares (upload, mailbox, ERP).
type Importer interface {
	Import(ctx context.Context, owner domain.EmployeeID, source domain.OriginalSource, files []File) ([]FileResult, error)
}

// MailEmployees finds whom a mail is for (DECISIONS 48).
type MailEmployees interface {
	Get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error)
	// ByIntakeToken answers not_found when no employee has token.
	ByIntakeToken(ctx context.Context, token string) (*domain.Employee, error)
	// ActiveByEmail lists active employees with that email, at most two.
	ActiveByEmail(ctx context.Context, addr string) ([]*domain.Employee, error)
}

// MailLog claims mails for one instance and records what became of them.
type MailLog interface {
	// ClaimMail takes up the mail at m.Key for owner until now+lease: a
	// new mail, or one whose earlier claim ran out. Otherwise it answers
	// the state found and takes nothing.
	ClaimMail(ctx context.Context, m MailRecord, owner string, now time.Time, lease time.Duration) (MailClaim, error)
	// FinishMail records the outcome of a mail owner holds; it fails when
	// the claim was lost.
	FinishMail(ctx context.Context, rec MailRecord, owner string, now time.Time) error
	// ReleaseMail gives up owner's claim, so the next round takes it anew.
	ReleaseMail(ctx context.Context, key, owner string) error
	// UnmatchedMail lists unmatched mail, newest first, with ids below
	// before (0: from the newest), at most limit.
	UnmatchedMail(ctx context.Context, before int64, limit int) ([]MailRecord, error)
}

// Mail is one message as the mailbox adapter read it.
type Mail struct {
	// Key names the mail's place in the mailbox (account, folder,
	// UIDVALIDITY, UID): every instance computes the same one.
	Key        string
	MessageID  string
	From       string   // the From address in lower case, or ""
	Recipients []string // To, Cc, Delivered-To and X-Original-To addresses
	Subject    string
	ReceivedAt time.Time
	Files      []File // the invoice attachments; names are for display only
	// TooLarge: the mail was over the size the adapter reads, so only its
	// key and date are known.
	TooLarge bool
}

// MailState is where a mail stands in the log.
type MailState string

// The states of a logged mail.
const (
	MailWorking   MailState = "working"   // an instance holds its claim
	MailProcessed MailState = "processed" // matched; its files went to the importer
	MailUnmatched MailState = "unmatched" // no employee; moved to the unmatched folder
)

// MailClaim answers ClaimMail.
type MailClaim struct {
	Taken bool      // the caller now holds the mail
	State MailState // when not taken: what the log holds
	// Since is when that state was recorded.
	Since time.Time
}

// moveGrace is how long the instance that finished a mail has to move it
// before another moves it instead: two MOVEs of one mail at once can
// leave two copies in the folder.
const moveGrace = time.Minute

// MailRecord is a logged mail.
type MailRecord struct {
	ID         int64
	Key        string
	MessageID  string
	From       string
	Subject    string
	ReceivedAt time.Time
	State      MailState
	EmployeeID domain.EmployeeID // processed mail
	Reason     MailReason        // unmatched mail, or a processed one without files
	Results    []MailFileResult
	RecordedAt time.Time
}

// MailFileResult is what became of one attachment.
type MailFileResult struct {
	File      string           `json:"file"`
	Outcome   Outcome          `json:"outcome"`
	InvoiceID domain.InvoiceID `json:"invoice_id,omitempty"`
	Code      string           `json:"code,omitempty"` // the error code of a refused file
}

// MailReason says why a mail matched nobody (or had nothing to import).
type MailReason string

// The reasons, stable codes shown to admins.
const (
	ReasonNoAddress        MailReason = "no_address"        // no employee address among the recipients; From not trusted
	ReasonUnknownToken     MailReason = "unknown_token"     // a +tag that is no employee's
	ReasonInactive         MailReason = "inactive_employee" // the tag's employee is deactivated
	ReasonSeveralEmployees MailReason = "several_employees" // tags (or a trusted From) of more than one employee
	ReasonFromUnknown      MailReason = "from_unknown"      // trusted From matches no active employee
	ReasonTooLarge         MailReason = "too_large"         // over the size the mailbox reads; not opened
	ReasonNoFiles          MailReason = "no_files"          // processed, but no invoice attachment
)

// Verdict is where the adapter puts a mail after Take.
type Verdict string

// The verdicts.
const (
	MoveProcessed Verdict = "processed"
	MoveUnmatched Verdict = "unmatched"
	Leave         Verdict = "leave" // another instance holds it: not ours to move
)

// MailboxOptions configure the mailbox intake.
type MailboxOptions struct {
	// Address is the mailbox's own address local@domain (lower case); an
	// employee's is local+token@domain.
	Address string
	// TrustFrom also matches by From (DECISIONS 48).
	TrustFrom bool
	// Owner names this instance in claims.
	Owner string
	// Lease bounds how long a claim holds a mail an instance died on
	// (default 10 minutes).
	Lease  time.Duration
	Logger *slog.Logger
}

// Mailbox is the mailbox intake's use case (专属收票邮箱): it matches each
// mail to an employee and imports its invoice files for them. The IMAP
// adapter reads the mail and moves it as Take says. Mail is never
// answered: replies would tell a forger which addresses exist.
type Mailbox struct {
	employees MailEmployees
	importer  Importer
	log       MailLog
	clock     app.Clock
	opts      MailboxOptions
	local     string
	domain    string
}

// NewMailbox returns the mailbox intake.
func NewMailbox(employees MailEmployees, importer Importer, log MailLog, clock app.Clock, opts MailboxOptions) *Mailbox {
	if opts.Lease <= 0 {
		opts.Lease = 10 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &Mailbox{employees: employees, importer: importer, log: log, clock: clock, opts: opts}
	m.local, m.domain = splitAddress(strings.ToLower(opts.Address))
	return m
}

// AddressOf is the employee's own mailbox address, or "" when the mailbox
// has no address or the employee no token yet.
func (m *Mailbox) AddressOf(e *domain.Employee) string {
	if m == nil || m.local == "" || e.IntakeToken() == "" {
		return ""
	}
	return m.local + "+" + e.IntakeToken() + "@" + m.domain
}

// Take handles one mail: claims it, matches it, imports its files and
// records the outcome. An error (database, importer) leaves the mail where
// it is for the next round; a file the importer refuses is no error, so
// such a mail is processed all the same.
func (m *Mailbox) Take(ctx context.Context, mail Mail) (Verdict, error) {
	rec := MailRecord{Key: mail.Key, MessageID: mail.MessageID, From: mail.From, Subject: mail.Subject, ReceivedAt: mail.ReceivedAt}
	claim, err := m.log.ClaimMail(ctx, rec, m.opts.Owner, m.clock.Now(), m.opts.Lease)
	if err != nil {
		return Leave, err
	}
	if !claim.Taken {
		if m.clock.Now().Sub(claim.Since) < moveGrace {
			return Leave, nil // being moved by whoever finished it
		}
		switch claim.State {
		case MailProcessed: // an instance finished it but did not move it
			return MoveProcessed, nil
		case MailUnmatched:
			return MoveUnmatched, nil
		}
		return Leave, nil
	}
	v, err := m.take(ctx, mail, rec)
	if err != nil {
		// Another round tries again; an import that got halfway is
		// safe to repeat: the owner's files attach to what they made.
		if rerr := m.log.ReleaseMail(context.WithoutCancel(ctx), mail.Key, m.opts.Owner); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return Leave, err
	}
	return v, nil
}

func (m *Mailbox) take(ctx context.Context, mail Mail, rec MailRecord) (Verdict, error) {
	var e *domain.Employee
	reason := ReasonTooLarge // not opened: nobody to match
	if !mail.TooLarge {
		var err error
		if e, reason, err = m.match(ctx, mail); err != nil {
			return Leave, err
		}
	}
	log := m.opts.Logger.With("mail_key", shortKey(mail.Key), "message_id", mail.MessageID)
	if e == nil {
		rec.State, rec.Reason = MailUnmatched, reason
		if err := m.log.FinishMail(ctx, rec, m.opts.Owner, m.clock.Now()); err != nil {
			return Leave, err
		}
		log.InfoContext(ctx, "mail matched no employee", "reason", reason, "files", len(mail.Files))
		return MoveUnmatched, nil
	}
	rec.State, rec.EmployeeID = MailProcessed, e.ID()
	if len(mail.Files) == 0 {
		rec.Reason = ReasonNoFiles
	} else {
		results, err := m.importFiles(ctx, e.ID(), mail.Files)
		if err != nil {
			return Leave, err
		}
		rec.Results = results
	}
	if err := m.log.FinishMail(ctx, rec, m.opts.Owner, m.clock.Now()); err != nil {
		return Leave, err
	}
	log.InfoContext(ctx, "mail processed", "employee_id", e.ID(), "files", len(mail.Files), "results", resultsText(rec.Results))
	return MoveProcessed, nil
}

// importFiles imports in batches the importer accepts. A refusal of a
// whole batch (a domain error) is final, not a reason to try again: its
// files are recorded as refused and the mail is processed.
func (m *Mailbox) importFiles(ctx context.Context, owner domain.EmployeeID, files []File) ([]MailFileResult, error) {
	var out []MailFileResult
	for batch := range slices.Chunk(files, MaxFiles) {
		results, err := m.importer.Import(ctx, owner, domain.SourceMail, batch)
		var refused *domain.Error
		if errors.As(err, &refused) {
			for _, f := range batch {
				out = append(out, MailFileResult{File: f.Name, Outcome: Refused, Code: refused.Code})
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("import mail files: %w", err)
		}
		for _, r := range results {
			fr := MailFileResult{File: r.File, Outcome: r.Outcome}
			if r.Invoice != nil {
				fr.InvoiceID = r.Invoice.ID()
			}
			if r.Err != nil {
				fr.Code = r.Err.Code
			}
			out = append(out, fr)
		}
	}
	return out, nil
}

// match finds the one employee a mail is for: by the +token of an address
// of ours among the recipients, else by From when trusted and it names
// exactly one active employee. With none, reason says why.
func (m *Mailbox) match(ctx context.Context, mail Mail) (*domain.Employee, MailReason, error) {
	var found []*domain.Employee
	reason := ReasonNoAddress
	for _, token := range m.tokens(mail.Recipients) {
		e, err := m.employees.ByIntakeToken(ctx, token)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			reason = ReasonUnknownToken
			continue
		case err != nil:
			return nil, "", err
		case !e.Active():
			reason = ReasonInactive
			continue
		}
		if !slices.ContainsFunc(found, func(f *domain.Employee) bool { return f.ID() == e.ID() }) {
			found = append(found, e)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], "", nil
	case len(found) > 1:
		return nil, ReasonSeveralEmployees, nil
	}
	if !m.opts.TrustFrom || mail.From == "" || reason != ReasonNoAddress {
		// A tag that names no active employee is not overridden by From:
		// the sender meant someone, and an admin should see it.
		return nil, reason, nil
	}
	es, err := m.employees.ActiveByEmail(ctx, strings.ToLower(mail.From))
	if err != nil {
		return nil, "", err
	}
	switch len(es) {
	case 1:
		return es[0], "", nil
	case 0:
		return nil, ReasonFromUnknown, nil
	}
	return nil, ReasonSeveralEmployees, nil
}

// tokens returns the distinct +tags of the recipients that are addresses
// of this mailbox (local+tag@domain, without regard to case).
func (m *Mailbox) tokens(recipients []string) []string {
	var out []string
	if m.local == "" {
		return nil
	}
	for _, r := range recipients {
		local, dom := splitAddress(strings.ToLower(strings.TrimSpace(r)))
		base, tag, ok := strings.Cut(local, "+")
		if !ok || base != m.local || dom != m.domain || !domain.ValidIntakeToken(tag) {
			continue
		}
		if !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	return out
}

// Unmatched lists unmatched mail to an administrator, newest first.
func (m *Mailbox) Unmatched(ctx context.Context, by domain.EmployeeID, before int64, limit int) ([]MailRecord, error) {
	if _, err := app.RequireAdmin(ctx, m.employees, by); err != nil {
		return nil, err
	}
	return m.log.UnmatchedMail(ctx, before, limit)
}

func splitAddress(addr string) (local, domain string) {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return "", ""
	}
	return addr[:i], addr[i+1:]
}

// shortKey is enough of a mail key to find its row in logs.
func shortKey(k string) string {
	if len(k) > 16 {
		return k[:16]
	}
	return k
}

// resultsText is the per-file outcomes in one log value:
// "a.xml=imported b.pdf=unreadable(invoice.unreadable)".
func resultsText(rs []MailFileResult) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.File + "=" + string(r.Outcome))
		if r.Code != "" {
			b.WriteString("(" + r.Code + ")")
		}
	}
	return b.String()
}

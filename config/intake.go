package config

import (
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Intake holds the `intake.*` keys: the intake paths other than the wallet
// (issue 16).
type Intake struct {
	IMAP IMAP `yaml:"imap"`
}

// IMAP is the mailbox intake (专属收票邮箱, DECISIONS 48): a worker in
// `serve` reads invoice attachments from one IMAP mailbox. An empty URL
// turns it off.
type IMAP struct {
	// URL is imaps://host[:port] (TLS from the first byte, port 993) or
	// imap://host[:port] (port 143, STARTTLS required; plain text only on
	// a loopback address, for a local server and the tests).
	URL      string `yaml:"url"`
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	// Mailbox is the folder read; the mail that was taken moves to
	// ProcessedFolder, mail that matched no employee to UnmatchedFolder.
	Mailbox         string `yaml:"mailbox"`
	ProcessedFolder string `yaml:"processed_folder"`
	UnmatchedFolder string `yaml:"unmatched_folder"`
	// PollInterval is how often the mailbox is read when the server has
	// no IDLE, and the longest wait between reads when it has.
	PollInterval time.Duration `yaml:"poll_interval"`
	// Address is the mailbox's own address, local@domain; an employee's
	// address is local+token@domain.
	Address string `yaml:"address"`
	// TrustFrom matches mail by its From address too (DECISIONS 48). From
	// is easy to forge, so it is off unless the mail server checks senders.
	TrustFrom bool `yaml:"trust_from"`
}

// Enabled reports whether the mailbox intake is configured.
func (m IMAP) Enabled() bool { return m.URL != "" }

// Endpoint returns the server's host:port and whether TLS starts at once
// (imaps) rather than by STARTTLS (imap). Load has validated the URL.
func (m IMAP) Endpoint() (addr string, implicitTLS bool) {
	u, err := url.Parse(m.URL)
	if err != nil {
		return "", false
	}
	implicitTLS = strings.EqualFold(u.Scheme, "imaps")
	port := u.Port()
	if port == "" {
		port = "143"
		if implicitTLS {
			port = "993"
		}
	}
	return net.JoinHostPort(u.Hostname(), port), implicitTLS
}

// Loopback reports whether the server is on this machine, where imap://
// may run without TLS.
func (m IMAP) Loopback() bool {
	u, err := url.Parse(m.URL)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Hostname(), "localhost") {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// deriveIntake fills the address from the username, the usual case of a
// mailbox that logs in with its own address.
func (l *loader) deriveIntake() {
	m := &l.cfg.Intake.IMAP
	m.URL = strings.TrimSpace(m.URL)
	if !l.set["intake.imap.address"] && strings.Contains(m.Username, "@") {
		m.Address = strings.TrimSpace(m.Username)
	}
	m.Address = strings.ToLower(strings.TrimSpace(m.Address))
}

// checkIntake validates the mailbox keys; nothing is required while the
// URL is empty.
func (l *loader) checkIntake() {
	m := l.cfg.Intake.IMAP
	if m.Address != "" {
		if a, err := mail.ParseAddress(m.Address); err != nil || a.Address != m.Address || a.Name != "" || strings.Contains(localPart(m.Address), "+") {
			l.fail("intake.imap.address", "must be a plain address local@domain without a +tag, got %q", m.Address)
		}
	}
	for _, f := range []field{{"intake.imap.mailbox", m.Mailbox}, {"intake.imap.processed_folder", m.ProcessedFolder}, {"intake.imap.unmatched_folder", m.UnmatchedFolder}} {
		if strings.TrimSpace(f.val) == "" {
			l.fail(f.key, "must not be empty")
		}
	}
	if m.ProcessedFolder == m.Mailbox || m.UnmatchedFolder == m.Mailbox {
		l.fail("intake.imap.mailbox", "must differ from the processed and unmatched folders, or mail would be read again")
	}
	l.checkPositive("intake.imap.poll_interval", m.PollInterval.Nanoseconds())
	if !m.Enabled() {
		return
	}
	u, err := url.Parse(m.URL)
	if err != nil || (!strings.EqualFold(u.Scheme, "imap") && !strings.EqualFold(u.Scheme, "imaps")) || u.Hostname() == "" ||
		u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		// Never quote the URL: an operator may have put the password in it.
		l.fail("intake.imap.url", "must be imaps://host[:port] or imap://host[:port], with no user, path or query (the login has keys of its own)")
	} else if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			l.fail("intake.imap.url", "port must be a number from 1 to 65535, got %q", p)
		}
	}
	l.requireAll([]field{{"intake.imap.username", m.Username}, {"intake.imap.password", m.Password.Reveal()}, {"intake.imap.address", m.Address}}, "intake.imap.url")
}

// requireAll names each of fs that is empty although key is set.
func (l *loader) requireAll(fs []field, key string) {
	for _, f := range fs {
		if f.val == "" {
			l.fail(f.key, "required when %s is set (set %s)", key, envName(f.key))
		}
	}
}

func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}

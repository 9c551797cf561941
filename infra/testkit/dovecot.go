package testkit

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"
)

// Dovecot is a private IMAP server for one test: Debian's dovecot-imapd
// (DECISIONS 51) on a free loopback port, with its own generated config,
// passwd-file login and maildirs in a temporary directory; no system
// config is read. It offers IDLE, MOVE and UIDPLUS.
type Dovecot struct {
	Addr     string // 127.0.0.1:port, plain IMAP
	User     string
	Password string
	dir      string
	conf     string
}

// dovecotBinary is where Debian installs the server.
const dovecotBinary = "/usr/sbin/dovecot"

// StartDovecot starts the server and stops it when the test ends. Without
// dovecot the test skips, or fails under CI=true: CI must prove the mailbox.
func StartDovecot(t testing.TB) *Dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		bin = dovecotBinary
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but dovecot is not installed: .ci/run installs dovecot-imapd")
		}
		t.Skip("dovecot not installed (apt-get install dovecot-imapd); skipping the IMAP test")
	}
	// The mail files belong to the userdb's uid: dovecot refuses root
	// there, so as root they go to `mail` (DECISIONS 51); otherwise the
	// server runs wholly as the current user.
	internal, login, mailUser := "dovecot", "dovenull", "mail"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		internal, login, mailUser = u.Username, u.Username, u.Username
	}
	mu, err := user.Lookup(mailUser)
	if err != nil {
		t.Fatalf("dovecot: user %s: %v", mailUser, err)
	}
	g, err := user.LookupGroupId(mu.Gid)
	if err != nil {
		t.Fatalf("dovecot: group of %s: %v", mailUser, err)
	}

	// Not t.TempDir: its 0700 parent would keep the mail user out.
	dir, err := os.MkdirTemp("", "baoxiao-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o755))
	for _, sub := range []string{"run", "state", "mail"} {
		must(os.Mkdir(filepath.Join(dir, sub), 0o755))
	}
	if os.Geteuid() == 0 {
		var uid, gid int
		_, _ = fmt.Sscan(mu.Uid, &uid)
		_, _ = fmt.Sscan(mu.Gid, &gid)
		must(os.Chown(filepath.Join(dir, "mail"), uid, gid))
	}
	d := &Dovecot{User: "fapiao", Password: "test-pw-" + fmt.Sprint(time.Now().UnixNano()), dir: dir}
	must(os.WriteFile(filepath.Join(dir, "passwd"), []byte(d.User+":{PLAIN}"+d.Password+"::::::\n"), 0o644))

	port := freePort(t)
	d.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	d.conf = filepath.Join(dir, "dovecot.conf")
	conf := strings.NewReplacer("$D", dir, "$PORT", fmt.Sprint(port), "$INTERNAL", internal, "$LOGIN", login,
		"$MAILUSER", mailUser, "$MAILGROUP", g.Name).Replace(dovecotConf)
	must(os.WriteFile(d.conf, []byte(conf), 0o644))
	// In the foreground (-F) the test owns the process: no daemon, no
	// pid file to chase, and it stops with the test.
	logf, err := os.Create(filepath.Join(dir, "stderr.log"))
	must(err)
	cmd := exec.Command(bin, "-F", "-c", d.conf)
	cmd.Stdout, cmd.Stderr = logf, logf
	must(cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); _ = logf.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	for i := 0; ; i++ {
		c, err := d.Client()
		if err == nil {
			_ = c.Logout()
			return d
		}
		select {
		case <-exited:
			i = 50
		default:
		}
		if i >= 50 {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			out, _ := os.ReadFile(filepath.Join(dir, "stderr.log"))
			t.Fatalf("dovecot did not answer on %s: %v\n%s%s", d.Addr, err, log, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dovecotConf is the whole configuration: nothing from /etc/dovecot.
const dovecotConf = `base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
default_internal_user = $INTERNAL
default_internal_group = $INTERNAL
default_login_user = $LOGIN
mail_location = maildir:$D/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=$MAILUSER gid=$MAILGROUP home=$D/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
`

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Client logs in to the server; the caller logs out.
func (d *Dovecot) Client() (*client.Client, error) {
	c, err := client.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, d.Addr)
	if err != nil {
		return nil, err
	}
	c.Timeout = 30 * time.Second
	if err := c.Login(d.User, d.Password); err != nil {
		_ = c.Logout()
		return nil, err
	}
	return c, nil
}

// Deliver puts a raw message into a folder, as mail delivery would
// (APPEND), creating the folder when missing.
func (d *Dovecot) Deliver(t testing.TB, folder string, raw []byte) {
	t.Helper()
	c, err := d.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout() }()
	if folder != "INBOX" {
		_ = c.Create(folder) // exists already: fine
	}
	if err := c.Append(folder, nil, time.Now(), bytes.NewReader(raw)); err != nil {
		t.Fatalf("append to %s: %v", folder, err)
	}
}

// Subjects lists the Subject of each message in a folder, in UID order;
// an absent folder has none.
func (d *Dovecot) Subjects(t testing.TB, folder string) []string {
	t.Helper()
	c, err := d.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Logout() }()
	st, err := c.Select(folder, true)
	if err != nil {
		return nil
	}
	if st.Messages == 0 {
		return []string{}
	}
	seq := new(imap.SeqSet)
	seq.AddRange(1, st.Messages)
	ch := make(chan *imap.Message, st.Messages)
	if err := c.Fetch(seq, []imap.FetchItem{imap.FetchEnvelope, imap.FetchFlags}, ch); err != nil {
		t.Fatalf("fetch %s: %v", folder, err)
	}
	var out []string
	for m := range ch {
		if !hasFlag(m.Flags, imap.DeletedFlag) {
			out = append(out, m.Envelope.Subject)
		}
	}
	return out
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

// InvoiceMail is a mail from from to to with the files attached (base64),
// after a short text part.
func InvoiceMail(subject, to, from string, files ...File) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\nMIME-Version: 1.0\r\n", from, to, subject, subject)
	b.WriteString("Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n")
	for _, f := range files {
		fmt.Fprintf(&b, "--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
			mime.QEncoding.Encode("utf-8", f.Name), base64.StdEncoding.EncodeToString(f.Data))
	}
	b.WriteString("--B--\r\n")
	return b.Bytes()
}

package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// clock is a settable Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 10, 9, 8, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a seeded sandbox on a real listener with a fake clock.
type env struct {
	t     *testing.T
	url   string
	sb    *sandbox.Sandbox
	clock *clock
	http  *http.Client
}

// start runs a fresh sandbox on SQLite, or with SANDBOX_TEST_MYSQL=1 on a
// fresh MYSQL_TEST_DSN database (the whole suite on MySQL).
func start(t *testing.T, opts ...func(*sandbox.Options)) *env {
	t.Helper()
	clk := newClock()
	if os.Getenv("SANDBOX_TEST_MYSQL") == "1" {
		return newEnv(t, testkit.SandboxOn(t, testkit.MySQLUnmigrated(t).DB, withClock(clk, opts)...), clk)
	}
	return newEnv(t, testkit.Sandbox(t, withClock(clk, opts)...), clk)
}

// withClock puts clk and a quiet logger before opts.
func withClock(clk *clock, opts []func(*sandbox.Options)) []func(*sandbox.Options) {
	return append([]func(*sandbox.Options){func(o *sandbox.Options) {
		o.Now = clk.Now
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}}, opts...)
}

func newEnv(t *testing.T, srv *testkit.SandboxServer, clk *clock) *env {
	return &env{t: t, url: srv.URL, sb: srv.SB, clock: clk, http: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// resp is a decoded answer.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (r resp) errcode() int {
	v, ok := r.JSON["errcode"]
	if !ok {
		return 0 // token endpoints omit it on success
	}
	f, _ := v.(float64)
	return int(f)
}

func (r resp) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

func (e *env) do(method, path string, q url.Values, body any) resp {
	e.t.Helper()
	u := e.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Body: raw}
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(raw, &out.JSON)
	}
	return out
}

func (e *env) get(path string, q url.Values) resp { return e.do(http.MethodGet, path, q, nil) }

func (e *env) post(path string, q url.Values, body any) resp {
	return e.do(http.MethodPost, path, q, body)
}

func tok(t string) url.Values { return url.Values{"access_token": {t}} }

// wantErrcode fails unless r carries errcode want with HTTP 200.
func wantErrcode(t *testing.T, r resp, want int) {
	t.Helper()
	if r.Status != http.StatusOK || r.errcode() != want {
		t.Fatalf("want errcode %d with HTTP 200, got HTTP %d: %s", want, r.Status, r.Body)
	}
}

func (e *env) oaToken() string {
	e.t.Helper()
	r := e.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"},
		"appid": {config.SandboxOAAppID}, "secret": {config.SandboxOAAppSecret}})
	wantErrcode(e.t, r, 0)
	return r.str("access_token")
}

func (e *env) workToken() string {
	e.t.Helper()
	r := e.get("/cgi-bin/gettoken", url.Values{"corpid": {config.SandboxWorkCorpID}, "corpsecret": {config.SandboxWorkSecret}})
	wantErrcode(e.t, r, 0)
	return r.str("access_token")
}

// ctl calls a control endpoint and requires HTTP 200.
func (e *env) ctl(method, path string, body any) resp {
	e.t.Helper()
	r := e.do(method, "/_control"+path, nil, body)
	if r.Status != http.StatusOK {
		e.t.Fatalf("%s /_control%s: HTTP %d %s", method, path, r.Status, r.Body)
	}
	return r
}

// walletItem is one item of GET /_control/wallets/{openid}.
type walletItem struct {
	CardID          string `json:"card_id"`
	EncryptCode     string `json:"encrypt_code"`
	ReimburseStatus string `json:"reimburse_status"`
	BillingNo       string `json:"billing_no"`
	BillingCode     string `json:"billing_code"`
	Fee             int64  `json:"fee"`
	Code            string `json:"code"`
	Channel         string `json:"channel"`
	LockedByAppID   string `json:"locked_by_appid"`
	Type            string `json:"type"`
	Payee           string `json:"payee"`
}

func (e *env) wallet(openid string) []walletItem {
	e.t.Helper()
	r := e.ctl(http.MethodGet, "/wallets/"+url.PathEscape(openid), nil)
	var out struct{ Items []walletItem }
	if err := json.Unmarshal(r.Body, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Items
}

// invoiceState is GET /_control/invoice.
func (e *env) invoiceState(cardID, encryptCode string) (status, owner, lockedBy string) {
	e.t.Helper()
	r := e.do(http.MethodGet, "/_control/invoice", url.Values{"card_id": {cardID}, "encrypt_code": {encryptCode}}, nil)
	if r.Status != http.StatusOK {
		e.t.Fatalf("control invoice: HTTP %d %s", r.Status, r.Body)
	}
	return r.str("reimburse_status"), r.str("owner_openid"), r.str("locked_by_appid")
}

// newInvoice creates an invoice in openid's wallet through the control API.
func (e *env) newInvoice(openid, channel string, extra map[string]any) walletItem {
	e.t.Helper()
	body := map[string]any{"owner_openid": openid, "channel": channel}
	for k, v := range extra {
		body[k] = v
	}
	r := e.ctl(http.MethodPost, "/invoices", body)
	return walletItem{CardID: r.str("card_id"), EncryptCode: r.str("encrypt_code"), Code: r.str("code")}
}

func ref(w walletItem) map[string]any {
	return map[string]any{"card_id": w.CardID, "encrypt_code": w.EncryptCode}
}

func demo(id string) sandbox.DemoUser {
	for _, u := range sandbox.DemoUsers {
		if u.ID == id {
			return u
		}
	}
	panic("no demo user " + id)
}

const (
	oaR   = "/card/invoice/reimburse/"
	workR = "/cgi-bin/card/invoice/reimburse/"
)

// setStatus calls updateinvoicestatus on a channel.
func (e *env) setStatus(channel, token string, w walletItem, status string) resp {
	e.t.Helper()
	path := oaR
	if channel == "work" {
		path = workR
	}
	body := ref(w)
	body["reimburse_status"] = status
	return e.post(path+"updateinvoicestatus", tok(token), body)
}

func must(t *testing.T, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf(format, args...)
	}
}

// demoIdentities is how many sandbox users the seed makes: one OA user per
// demo person, and a WeCom member for those who have a userid.
func demoIdentities() int {
	n := 0
	for _, u := range sandbox.DemoUsers {
		n++
		if u.WorkUserID != "" {
			n++
		}
	}
	return n
}

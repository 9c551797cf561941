package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	noticeworker "github.com/baoxiao/baoxiao/infra/notify"
	"github.com/baoxiao/baoxiao/infra/outbox"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/web"
)

// AppServer is the whole product in sandbox mode, served on a loopback
// port: the same assembly as `baoxiao serve`, with the embedded sandbox at
// URL + "/sandbox".
type AppServer struct {
	URL string
	Svc *service.Service
	DB  DB
	Cfg *config.Config
}

// AppOption changes how App starts.
type AppOption func(*appOptions)

type appOptions struct {
	env       []string
	envFor    []func(base string) []string
	runWorker bool
	service   []func(*service.Options)
}

// WithService changes the service's options (a clock, a WeChat transport).
func WithService(fn func(*service.Options)) AppOption {
	return func(o *appOptions) { o.service = append(o.service, fn) }
}

// WithPolicy starts the app with this approval policy stored.
func WithPolicy(p domain.Policy) AppOption {
	return WithService(func(o *service.Options) { o.ApprovalPolicy = &p })
}

// ManagerOnly is a one-step policy: the owner's manager approves.
func ManagerOnly() domain.Policy {
	return domain.Policy{Steps: []domain.PolicyStep{
		{Name: "主管审批", Kind: domain.ApproversManager, Level: 1, Mode: domain.ModeAny, IfEmpty: domain.EmptySkip},
	}}
}

// WithEnv adds BAOXIAO_* settings ("BAOXIAO_WECHAT_BATCH_SIZE=10").
func WithEnv(kv ...string) AppOption { return func(o *appOptions) { o.env = append(o.env, kv...) } }

// WithEnvFor adds BAOXIAO_* settings that depend on the app's own URL
// (known once its port is): fn gets "http://127.0.0.1:port".
func WithEnvFor(fn func(base string) []string) AppOption {
	return func(o *appOptions) { o.envFor = append(o.envFor, fn) }
}

// WithoutWorker leaves the outbox to the test: call RunOutbox.
func WithoutWorker() AppOption { return func(o *appOptions) { o.runWorker = false } }

// LiveApp starts baoxiao in live mode on db, with every WeChat base at
// wechatBase (a sandbox served elsewhere) and the sandbox's demo
// credentials.
func LiveApp(t testing.TB, db DB, wechatBase string, opts ...AppOption) *AppServer {
	t.Helper()
	return App(t, db, append([]AppOption{WithEnv(
		"BAOXIAO_MODE=live",
		"BAOXIAO_WECHAT_API_BASE="+wechatBase, "BAOXIAO_WECHAT_WORK_API_BASE="+wechatBase, "BAOXIAO_WECHAT_OPEN_BASE="+wechatBase,
		"BAOXIAO_WECHAT_OA_APP_ID="+config.SandboxOAAppID, "BAOXIAO_WECHAT_OA_APP_SECRET="+config.SandboxOAAppSecret,
		"BAOXIAO_WECHAT_OA_CALLBACK_TOKEN="+config.SandboxOACallbackToken,
		"BAOXIAO_AUTH_SESSION_SECRET=live-test-session-secret-0123456789abcdef",
		"BAOXIAO_AUTH_DATA_KEY=live-test-data-key-0123456789abcdef0123",
	)}, opts...)...)
}

// App starts baoxiao in sandbox mode on db.
func App(t testing.TB, db DB, opts ...AppOption) *AppServer {
	t.Helper()
	o := appOptions{runWorker: true}
	for _, f := range opts {
		f(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := append([]string{
		"BAOXIAO_PUBLIC_URL=" + base, "BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_LOG_LEVEL=error",
	}, o.env...)
	for _, fn := range o.envFor {
		env = append(env, fn(base)...)
	}
	cfg, err := config.Load("", env)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sopts := service.Options{Logger: log, Worker: outbox.Options{
		Poll: 20 * time.Millisecond, ID: "test-worker",
		Backoff: func(int) time.Duration { return time.Millisecond }, // tests do not wait minutes
		Busy:    time.Millisecond,
	}, Notices: noticeworker.Options{
		Poll: 20 * time.Millisecond, ID: "test-notices",
		Backoff: func(int) time.Duration { return time.Millisecond }, QuotaWait: 5 * time.Millisecond,
	}, PDF: app.PDFFetcherOptions{Poll: 20 * time.Millisecond, Backoff: func(int) time.Duration { return time.Millisecond }}}
	if sopts.ApprovalPolicy == nil {
		// Most tests were written for one approver, the owner's manager;
		// chain tests choose their own (WithPolicy) or PUT one.
		p := ManagerOnly()
		sopts.ApprovalPolicy = &p
	}
	for _, fn := range o.service {
		fn(&sopts)
	}
	svc, err := service.New(ctx, cfg, db.DB, sopts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{}, 5)
	go func() { _ = web.Serve(ctx, svc.App, ln, 2*time.Second); done <- struct{}{} }()
	workers := 1
	if o.runWorker {
		workers++
		go func() { _ = svc.Worker.Run(ctx); done <- struct{}{} }()
		workers++
		go func() { _ = svc.PDFFetcher.Run(ctx); done <- struct{}{} }()
		if svc.MailboxWorker != nil {
			workers++
			go func() { _ = svc.MailboxWorker.Run(ctx); done <- struct{}{} }()
		}
		workers++
		go func() { _ = svc.NoticeWorker.Run(ctx); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		cancel()
		for range workers {
			<-done
		}
		_ = svc.Close()
	})
	return &AppServer{URL: base, Svc: svc, DB: db, Cfg: cfg}
}

// RunOutbox runs the worker until no row is pending (retries are due
// after a millisecond in tests).
func (a *AppServer) RunOutbox(t testing.TB) {
	t.Helper()
	for range 2000 {
		if _, err := a.Svc.Worker.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if a.Pending(t) == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("the outbox did not drain")
}

// Pending counts outbox rows still pending.
func (a *AppServer) Pending(t testing.TB) int {
	t.Helper()
	n, err := a.DB.DB.NewSelect().Table("outbox").Where("state = 'pending'").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Client is a browser-like client with a cookie jar.
type Client struct {
	t        testing.TB
	base     string
	http     *http.Client
	location string
}

// Client returns a client with no session.
func (a *AppServer) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: a.URL, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Login signs a demo user in through POST /auth/sandbox/login.
func (a *AppServer) Login(t testing.TB, user string) *Client {
	t.Helper()
	c := a.Client(t)
	res := c.Do(http.MethodPost, "/auth/sandbox/login", map[string]any{"user": user})
	if res.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, res.Status, res.Body)
	}
	return c
}

// Get fetches an absolute URL with the client's cookies.
func (c *Client) Get(rawURL string) Response {
	c.t.Helper()
	res, err := c.http.Get(rawURL)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.location = res.Header.Get("Location")
	out := Response{Status: res.StatusCode, Body: b, Header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &out.JSON)
	}
	return out
}

// Cookie returns one of the client's cookies for base.
func (c *Client) Cookie(base, name string) *http.Cookie {
	u, _ := url.Parse(base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// Location is the Location header of the last answer.
func (c *Client) Location() string { return c.location }

// Response is a decoded answer.
type Response struct {
	Status int
	Body   []byte
	JSON   map[string]any
	Header http.Header
}

// ErrorCode is error.code of an error answer.
func (r Response) ErrorCode() string {
	e, _ := r.JSON["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// Do sends a JSON request (body nil = none) and decodes the answer.
func (c *Client) Do(method, path string, body any) Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	c.location = res.Header.Get("Location")
	out := Response{Status: res.StatusCode, Body: b, Header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(b, &out.JSON)
	}
	return out
}

// Sandbox calls the embedded sandbox's control API.
func (a *AppServer) Sandbox(t testing.TB, method, path string, body any) Response {
	t.Helper()
	c := a.Client(t)
	return c.Do(method, "/sandbox"+path, body)
}

// Query escapes a value for a URL query.
func Query(s string) string { return url.QueryEscape(s) }

// StorageEnv is the app's storage settings as BAOXIAO_ variables, so a
// command run beside it (baoxiao archive) reads the same originals.
func (a *AppServer) StorageEnv() []string {
	s := a.Cfg.Storage
	return []string{
		"BAOXIAO_STORAGE_DRIVER=" + s.Driver, "BAOXIAO_STORAGE_DIR=" + s.Dir,
		"BAOXIAO_STORAGE_S3_ENDPOINT=" + s.S3.Endpoint, "BAOXIAO_STORAGE_S3_BUCKET=" + s.S3.Bucket,
		"BAOXIAO_STORAGE_S3_REGION=" + s.S3.Region, "BAOXIAO_STORAGE_S3_ACCESS_KEY=" + s.S3.AccessKey,
		"BAOXIAO_STORAGE_S3_SECRET_KEY=" + s.S3.SecretKey.Reveal(), "BAOXIAO_STORAGE_S3_PREFIX=" + s.S3.Prefix,
		"BAOXIAO_STORAGE_S3_PATH_STYLE=" + strconv.FormatBool(s.S3.PathStyle),
	}
}

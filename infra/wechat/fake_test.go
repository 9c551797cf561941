package wechat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeWeChat is a small stand-in for WeChat's servers, for the pure tests:
// it issues tokens and tickets, checks them and answers the reimburse paths
// with whatever a test registers. The integration tests use the real
// sandbox (infra/sandbox) instead.
type fakeWeChat struct {
	srv *httptest.Server

	mu       sync.Mutex
	calls    map[string]int      // path → count
	bodies   map[string][][]byte // path → request bodies
	queries  map[string][]string // path → raw queries
	valid    map[string]bool     // tokens WeChat accepts
	issued   int
	handlers map[string]func(w http.ResponseWriter, r *http.Request, body []byte)

	tokenDelay time.Duration
	sameToken  string // stable_token answers this (valid once) unless force_refresh
	sameIssued bool
	forced     []bool // force_refresh of each stable_token call
	workSecret string
	staleCode  int // answered for a token that is no longer valid
}

const (
	fakeAppID      = "wx0000000000000000"
	fakeSecret     = "oa-secret-shh"
	fakeCorpID     = "ww0000000000000000"
	fakeAgentID    = "1000002"
	fakeWorkSecret = "work-secret-shh"
)

func newFake(t testing.TB) *fakeWeChat {
	f := &fakeWeChat{
		calls: map[string]int{}, bodies: map[string][][]byte{}, queries: map[string][]string{},
		valid: map[string]bool{}, handlers: map[string]func(http.ResponseWriter, *http.Request, []byte){},
		workSecret: fakeWorkSecret, staleCode: 42001,
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeChat) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls[r.URL.Path]++
	f.bodies[r.URL.Path] = append(f.bodies[r.URL.Path], body)
	f.queries[r.URL.Path] = append(f.queries[r.URL.Path], r.URL.RawQuery)
	h := f.handlers[r.URL.Path]
	workSecret, tokenDelay, staleCode := f.workSecret, f.tokenDelay, f.staleCode
	f.mu.Unlock()

	switch r.URL.Path {
	case "/cgi-bin/stable_token":
		var req struct {
			AppID        string `json:"appid"`
			Secret       string `json:"secret"`
			ForceRefresh bool   `json:"force_refresh"`
		}
		_ = json.Unmarshal(body, &req)
		if req.Secret != fakeSecret {
			writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
			return
		}
		time.Sleep(tokenDelay)
		f.mu.Lock()
		f.forced = append(f.forced, req.ForceRefresh)
		if same := f.sameToken; same != "" && !req.ForceRefresh {
			if !f.sameIssued {
				f.valid[same], f.sameIssued = true, true
			}
			f.mu.Unlock()
			writeJSON(w, map[string]any{"access_token": same, "expires_in": 7200})
			return
		}
		f.mu.Unlock()
		writeJSON(w, map[string]any{"access_token": f.issue("oa"), "expires_in": 7200})
		return
	case "/cgi-bin/gettoken":
		if r.URL.Query().Get("corpsecret") != workSecret {
			writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential, corpsecret " + r.URL.Query().Get("corpsecret")})
			return
		}
		time.Sleep(tokenDelay)
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": f.issue("work"), "expires_in": 7200})
		return
	}
	if h == nil && !strings.HasPrefix(r.URL.Path, "/cgi-bin/ticket") && r.URL.Path != "/cgi-bin/get_jsapi_ticket" &&
		r.URL.Path != "/sns/oauth2/access_token" {
		http.NotFound(w, r)
		return
	}
	if r.URL.Path != "/sns/oauth2/access_token" {
		tok := r.URL.Query().Get("access_token")
		f.mu.Lock()
		ok := f.valid[tok]
		f.mu.Unlock()
		if !ok {
			writeJSON(w, map[string]any{"errcode": staleCode, "errmsg": "access_token expired"})
			return
		}
	}
	if h != nil {
		h(w, r, body)
		return
	}
	switch r.URL.Path {
	case "/cgi-bin/ticket/getticket", "/cgi-bin/ticket/get":
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": "ticket-" + r.URL.Query().Get("type"), "expires_in": 7200})
	case "/cgi-bin/get_jsapi_ticket":
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "ticket": "ticket-corp", "expires_in": 7200})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeWeChat) issue(prefix string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.issued++
	tok := fmt.Sprintf("%s-token-%d", prefix, f.issued)
	f.valid[tok] = true
	return tok
}

// set changes the fake's settings.
func (f *fakeWeChat) set(fn func(f *fakeWeChat)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// expireAll makes every issued token stale.
func (f *fakeWeChat) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

func (f *fakeWeChat) handle(path string, h func(w http.ResponseWriter, r *http.Request, body []byte)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[path] = h
}

// answer registers a fixed JSON answer for path.
func (f *fakeWeChat) answer(path string, v any) {
	f.handle(path, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, v) })
}

// answerFile serves a testdata fixture for path.
func (f *fakeWeChat) answerFile(t testing.TB, path, file string) {
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	f.handle(path, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
}

func (f *fakeWeChat) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}

func (f *fakeWeChat) query(path string, i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[path][i]
}

func (f *fakeWeChat) lastBody(path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bodies[path]
	if len(b) == 0 {
		return nil
	}
	return b[len(b)-1]
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// logBuffer collects debug logs so tests can check what is never logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func quiet(o Options) Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (f *fakeWeChat) oa(o Options) *Client {
	o = quiet(o)
	return NewOA(OAOptions{APIBase: f.srv.URL, OpenBase: f.srv.URL, AppID: fakeAppID, AppSecret: fakeSecret, Options: o})
}

func (f *fakeWeChat) work(o Options) *Client {
	o = quiet(o)
	return NewWork(WorkOptions{APIBase: f.srv.URL, OpenBase: f.srv.URL, CorpID: fakeCorpID, AgentID: fakeAgentID, Secret: fakeWorkSecret, Options: o})
}

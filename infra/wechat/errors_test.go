package wechat

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

func TestErrcodeKind(t *testing.T) {
	oa, work := domain.ChannelOA, domain.ChannelWork
	for _, tc := range []struct {
		ch   domain.Channel
		code int
		want app.WeChatErrorKind
	}{
		{oa, -1, app.Retryable}, {work, -1, app.Retryable},
		{oa, 72036, app.Retryable}, {oa, 45009, app.Retryable}, {oa, 45011, app.Retryable},
		{oa, 72052, app.Retryable}, {work, 72055, app.Retryable},
		{oa, 72023, app.Refused}, {work, 72023, app.Refused},
		{oa, 72031, app.Refused}, {oa, 40078, app.Refused}, {oa, 72060, app.Refused},
		{oa, 72061, app.Refused}, {oa, 72017, app.Refused}, {oa, 72025, app.Refused},
		{oa, 72024, app.NeedsReread}, {work, 72037, app.NeedsReread}, {oa, 72039, app.NeedsReread},
		{oa, 40013, app.Misconfigured}, {oa, 40125, app.Misconfigured}, {oa, 40164, app.Misconfigured},
		{oa, 48001, app.Misconfigured}, {work, 60020, app.Misconfigured}, {oa, 72015, app.Misconfigured},
		{work, 40001, app.Misconfigured}, // bad corpsecret (DECISIONS 12)
		{oa, 40001, app.Retryable},       // stale token, still stale after the one retry
		{oa, 40014, app.Retryable}, {work, 42001, app.Retryable}, {oa, 41001, app.Retryable},
		{oa, 40029, app.Refused}, {work, 40163, app.Refused}, // restart OAuth
		{oa, 99999, app.Refused}, {work, 12345, app.Refused}, // unknown
	} {
		require.Equal(t, tc.want, ErrcodeKind(tc.ch, tc.code), "%s %d", tc.ch, tc.code)
	}
}

func TestStaleTokenCodes(t *testing.T) {
	e := func(code int) error { return &app.WeChatError{Errcode: code} }
	for _, code := range []int{40001, 40014, 42001, 41001} {
		require.True(t, staleToken(domain.ChannelOA, e(code)), code)
	}
	for _, code := range []int{40014, 42001} {
		require.True(t, staleToken(domain.ChannelWork, e(code)), code)
	}
	require.False(t, staleToken(domain.ChannelWork, e(40001)))
	require.False(t, staleToken(domain.ChannelOA, e(-1)))
	require.False(t, staleToken(domain.ChannelOA, nil))
}

func weErr(t *testing.T, err error) *app.WeChatError {
	t.Helper()
	var we *app.WeChatError
	require.True(t, errors.As(err, &we), "want *app.WeChatError, got %T %v", err, err)
	return we
}

func TestErrcodesBecomeTypedErrors(t *testing.T) {
	for _, tc := range []struct {
		code int
		want app.WeChatErrorKind
	}{{-1, app.Retryable}, {72036, app.Retryable}, {45009, app.Retryable}, {72023, app.Refused}, {72024, app.NeedsReread}, {48001, app.Misconfigured}} {
		f := newFake(t)
		f.answer(oaPaths.setStatus, map[string]any{"errcode": tc.code, "errmsg": "nope"})
		err := f.oa(Options{}).SetStatus(context.Background(), sampleRef, domain.StatusLock)
		we := weErr(t, err)
		require.Equal(t, tc.want, we.Kind, tc.code)
		require.Equal(t, tc.code, we.Errcode)
		require.Equal(t, "nope", we.Errmsg)
		require.Equal(t, "updateinvoicestatus", we.API)
		require.Equal(t, 1, f.count(oaPaths.setStatus), "no retry inside the client for %d", tc.code)
	}
}

func TestHTTPStatus(t *testing.T) {
	f := newFake(t)
	h := func(w http.ResponseWriter, _ *http.Request, _ []byte) { http.Error(w, "boom", http.StatusBadGateway) }
	f.handle(oaPaths.invoice, h)
	f.handle(oaPaths.setStatus, h)
	c := f.oa(Options{})
	_, err := c.Invoice(context.Background(), sampleRef)
	require.Equal(t, app.Retryable, weErr(t, err).Kind)
	require.Contains(t, weErr(t, err).Errmsg, "502")
	// An update may have happened behind a failing gateway: re-read first.
	err = c.SetStatus(context.Background(), sampleRef, domain.StatusLock)
	require.Equal(t, app.OutcomeUnknown, weErr(t, err).Kind)

	f.handle(oaPaths.invoice, func(w http.ResponseWriter, _ *http.Request, _ []byte) { http.NotFound(w, nil) })
	_, err = c.Invoice(context.Background(), sampleRef)
	require.Equal(t, app.Misconfigured, weErr(t, err).Kind)
}

func TestTimeoutAfterSendingIsOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	f.handle(oaPaths.setStatus, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
		writeJSON(w, map[string]any{"errcode": 0})
	})
	c := f.oa(Options{Timeout: 200 * time.Millisecond})
	_, err := c.accessToken(context.Background(), "") // warm the token so only the update times out
	require.NoError(t, err)
	err = c.SetStatus(context.Background(), sampleRef, domain.StatusLock)
	we := weErr(t, err)
	require.Equal(t, app.OutcomeUnknown, we.Kind)
	require.Contains(t, we.Errmsg, "timeout")
}

func TestConnectionLostAfterSendingIsOutcomeUnknown(t *testing.T) {
	f := newFake(t)
	f.handle(oaPaths.setStatus, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	err := f.oa(Options{}).SetStatus(context.Background(), sampleRef, domain.StatusLock)
	require.Equal(t, app.OutcomeUnknown, weErr(t, err).Kind)
}

func TestNothingSentIsRetryable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nobody listens there now
	c := NewOA(OAOptions{APIBase: "http://" + addr, AppID: fakeAppID, AppSecret: fakeSecret, Options: quiet(Options{})})
	err = c.SetStatus(context.Background(), sampleRef, domain.StatusLock)
	we := weErr(t, err)
	require.Equal(t, app.Retryable, we.Kind)
	require.Equal(t, "stable_token", we.API)
	require.Contains(t, we.Errmsg, "before sending")
}

// WeChat echoing the URL (a proxy error page, say) must not leak the token
// or the secret into errors or logs.
func TestNoTokenOrSecretInErrorsAndLogs(t *testing.T) {
	f := newFake(t)
	f.handle(oaPaths.invoice, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, map[string]any{"errcode": 72031, "errmsg": "invalid param, url " + r.URL.String()})
	})
	var logs logBuffer
	c := f.oa(Options{Logger: logs.logger()})
	_, err := c.Invoice(context.Background(), sampleRef)
	we := weErr(t, err)
	require.Equal(t, app.Refused, we.Kind)
	require.Contains(t, we.Errmsg, "access_token=[redacted]")
	oaErr := err

	// A bad WeCom secret echoed in errmsg is scrubbed too.
	f.set(func(f *fakeWeChat) { f.workSecret = "the-right-one" })
	w := f.work(Options{Logger: logs.logger()})
	_, err = w.Invoice(context.Background(), sampleRef)
	we = weErr(t, err)
	require.Equal(t, app.Misconfigured, we.Kind)
	require.Equal(t, 40001, we.Errcode)
	require.Equal(t, "gettoken", we.API)

	for _, s := range []string{oaErr.Error(), err.Error(), logs.String()} {
		require.NotContains(t, s, "oa-token-")
		require.NotContains(t, s, fakeSecret)
		require.NotContains(t, s, fakeWorkSecret)
		require.NotContains(t, s, "corpsecret=")
	}
	require.Contains(t, logs.String(), "api=getinvoiceinfo")
	require.Contains(t, logs.String(), "errcode=72031")
	require.True(t, strings.Contains(logs.String(), "latency="))
}

// A secret is redacted as a whole value, wherever WeChat or a proxy could
// echo it, and a short one no longer mangles the words that contain it
// (issue 19: doctor printed "o[redacted]" for "open").
func TestScrubRedactsWholeValues(t *testing.T) {
	for _, tc := range []struct{ msg, secret, want string }{
		{"invalid appsecret pen, please open the docs", "pen", "invalid appsecret [redacted], please open the docs"},
		{"bad secret pen.", "pen", "bad secret [redacted]."},
		{"hint: [pen] penalty pens spent", "pen", "hint: [[redacted]] penalty pens spent"},
		{"url /cgi-bin/gettoken?corpid=ww1&corpsecret=pen&debug=1", "pen", "url /cgi-bin/gettoken?corpid=ww1&corpsecret=[redacted]&debug=1"},
		{`{"secret":"pen"}`, "pen", `{"secret":"[redacted]"}`},
		{"pen", "pen", "[redacted]"},
		{"lookup pen.example.com: no such host", "pen", "lookup pen.example.com: no such host"},
		{"secret=a%2Bb%2Fc&x=1 a+b/c", "a+b/c", "secret=[redacted]&x=1 [redacted]"},
		// Long secrets go wherever they are: no word contains them.
		{"xx0123456789abcdefyy", "0123456789abcdef", "xx[redacted]yy"},
		{"密钥pen错误", "pen", "密钥[redacted]错误"}, // Chinese runs without spaces
	} {
		if got := scrub(tc.msg, tc.secret); got != tc.want {
			t.Errorf("scrub(%q, %q) = %q, want %q", tc.msg, tc.secret, got, tc.want)
		}
	}
}

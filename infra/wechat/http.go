package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/baoxiao/baoxiao/app"
)

// endpoint is one WeChat API.
type endpoint struct {
	name     string // the API's name in errors and logs, e.g. "getinvoicebatch"
	method   string
	path     string // relative to the API base; never logged with its query
	mutating bool   // changes state in WeChat: an unclear answer is OutcomeUnknown
}

// envelope is the errcode/errmsg every answer carries (success answers of
// the token calls omit them).
type envelope struct {
	Errcode flexInt `json:"errcode"`
	Errmsg  string  `json:"errmsg"`
}

// call makes one HTTP exchange and checks the answer's errcode. It returns
// the raw body of an errcode-0 answer. query may hold the access token or
// the secret; they are passed again as secrets so that nothing echoing them
// reaches an error. Every failure is a *app.WeChatError naming only the API.
func (c *Client) call(ctx context.Context, ep endpoint, query url.Values, body any, secrets ...string) ([]byte, error) {
	start := time.Now()
	raw, status, err := c.exchange(ctx, ep, query, body, secrets)
	errcode := 0
	if err == nil {
		raw, err = c.checkAnswer(ep, raw, secrets)
		errcode = errcodeOf(err)
	}
	c.observeCall(ep.name, status, errcode, err != nil, time.Since(start))
	// Paths only: the query holds the token or the secret.
	c.log.LogAttrs(ctx, slog.LevelDebug, "wechat call",
		slog.String("api", ep.name), slog.String("path", ep.path), slog.Int("http_status", status),
		slog.Int("errcode", errcode), slog.Duration("latency", time.Since(start)),
		slog.Bool("failed", err != nil))
	return raw, err
}

// exchange sends the request and reads a bounded answer.
func (c *Client) exchange(ctx context.Context, ep endpoint, query url.Values, body any, secrets []string) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	u := c.apiBase + ep.path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, 0, newError(ep.name, app.Refused, 0, "encode request: "+err.Error())
		}
		rd = bytes.NewReader(b)
	}
	// WroteRequest tells a failure before sending (safe to retry) from one
	// after (WeChat may have acted).
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	req, err := http.NewRequestWithContext(ctx, ep.method, u, rd)
	if err != nil {
		return nil, 0, newError(ep.name, app.Misconfigured, 0, "bad API base URL")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, c.transportError(ep, wrote.Load(), err, secrets)
	}
	defer resp.Body.Close()

	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.maxResponse+1))
	if err != nil {
		// The request went out: the connection broke mid-answer.
		return nil, resp.StatusCode, newError(ep.name, app.OutcomeUnknown, 0, "reading the answer: "+netCause(err), secrets...)
	}
	if int64(len(raw)) > c.maxResponse {
		kind := app.Unreadable // the same request would get the same oversized answer
		if ep.mutating {
			kind = app.OutcomeUnknown
		}
		return nil, resp.StatusCode, newError(ep.name, kind, 0, fmt.Sprintf("answer larger than %d bytes", c.maxResponse))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, newError(ep.name, httpStatusKind(ep, resp.StatusCode), 0, "HTTP "+resp.Status)
	}
	return raw, resp.StatusCode, nil
}

// httpStatusKind classifies a non-200 answer. 5xx is retryable for reads;
// for an update WeChat (or a gateway in front of it) may have acted, so it
// is OutcomeUnknown: re-read before resending (wechat-protocol.md §6). 429 is
// a rate limit; other 4xx mean a wrong base URL or path.
func httpStatusKind(ep endpoint, status int) app.WeChatErrorKind {
	switch {
	case status >= 500 && ep.mutating:
		return app.OutcomeUnknown
	case status >= 500, status == http.StatusTooManyRequests:
		return app.Retryable
	case status >= 400:
		return app.Misconfigured
	}
	return app.OutcomeUnknown
}

// transportError classifies a failed round trip: before the request was
// written nothing happened in WeChat (Retryable); after, the outcome is
// unknown, timeouts included.
func (c *Client) transportError(ep endpoint, wrote bool, err error, secrets []string) *app.WeChatError {
	msg := netCause(err)
	if wrote {
		return newError(ep.name, app.OutcomeUnknown, 0, "after sending: "+msg, secrets...)
	}
	return newError(ep.name, app.Retryable, 0, "before sending: "+msg, secrets...)
}

// netCause describes a transport error without its URL: *url.Error's text
// carries the query, and with it the access token.
func netCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return err.Error()
}

// checkAnswer turns a non-zero errcode into a *app.WeChatError.
func (c *Client) checkAnswer(ep endpoint, raw []byte, secrets []string) ([]byte, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		kind := app.Retryable // a proxy's error page, most likely
		if ep.mutating {
			kind = app.OutcomeUnknown
		}
		return nil, newError(ep.name, kind, 0, "the answer is not a JSON object")
	}
	if env.Errcode.N != 0 {
		code := int(env.Errcode.N)
		return nil, newError(ep.name, ErrcodeKind(c.channel, code), code, env.Errmsg, secrets...)
	}
	return raw, nil
}

// decode unmarshals an errcode-0 answer; a shape we cannot read is
// unreadable for reads (the same answer would come again) and unknown for
// updates.
func decode(ep endpoint, raw []byte, out any) error {
	if err := json.Unmarshal(raw, out); err != nil {
		kind := app.Unreadable
		if ep.mutating {
			kind = app.OutcomeUnknown
		}
		return newError(ep.name, kind, 0, "unreadable answer: "+jsonProblem(err))
	}
	return nil
}

// jsonProblem names what was wrong without quoting values.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "field " + te.Field + " has the wrong type"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "malformed JSON"
	}
	return err.Error()
}

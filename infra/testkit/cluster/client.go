package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// Client is a signed-in browser: a cookie jar good at every instance
// (they share the session secret), pointed at one instance at a time.
type Client struct {
	Base string
	http *http.Client
}

// APIError is a non-2xx answer of the product.
type APIError struct {
	Status int
	Code   string
	Body   string
}

func (e *APIError) Error() string { return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Body) }

// Login signs in through the sandbox's OAuth page as openid, starting at
// base, and returns the signed-in client.
func Login(ctx context.Context, base, sandboxURL, channel, openid string) (*Client, error) {
	c := &Client{Base: base, http: OAuthBrowser(sandboxURL, openid)}
	var me struct {
		OpenID string `json:"openid"`
	}
	if err := c.Do(ctx, http.MethodGet, "/auth/"+channel+"/start?next=/api/v1/me", nil, &me); err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", openid, err)
	}
	if me.OpenID != openid {
		return nil, fmt.Errorf("signed in as %q, want %q", me.OpenID, openid)
	}
	return c, nil
}

// OAuthBrowser is an HTTP client with a cookie jar that picks openid on
// the sandbox's OAuth page, as the person would tap their name.
func OAuthBrowser(sandboxURL, openid string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), sandboxURL+"/connect/oauth2/authorize") {
			q := req.URL.Query()
			q.Set("sandbox_pick", openid)
			req.URL.RawQuery = q.Encode()
		}
		if len(via) > 10 {
			return errors.New("too many redirects")
		}
		return nil
	}}
}

// At is the same browser talking to another instance.
func (c *Client) At(base string) *Client { return &Client{Base: base, http: c.http} }

// Do sends body as JSON and decodes a 2xx answer into out (when not nil).
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	return do(ctx, c.http, method, c.Base+path, body, out)
}

// GetJSON and PostJSON talk to endpoints that need no session (the
// sandbox's control API).
func GetJSON(ctx context.Context, url string, out any) error {
	return do(ctx, http.DefaultClient, http.MethodGet, url, nil, out)
}

// PostJSON: see GetJSON.
func PostJSON(ctx context.Context, url string, body, out any) error {
	return do(ctx, http.DefaultClient, http.MethodPost, url, body, out)
}

// Delete: see GetJSON.
func Delete(ctx context.Context, url string) error {
	return do(ctx, http.DefaultClient, http.MethodDelete, url, nil, nil)
}

func do(ctx context.Context, hc *http.Client, method, url string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.Unmarshal(b, &e)
		return &APIError{Status: res.StatusCode, Code: e.Error.Code, Body: string(b)}
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

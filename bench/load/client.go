package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"time"
)

// client is one signed-in person (or nobody, for setup calls): its own
// cookie jar on a transport every client shares, as browsers behind one
// NAT would look to the server.
type client struct {
	base string
	http *http.Client
	rec  *recorder // nil: not measured
}

func newClient(base string, tr http.RoundTripper, rec *recorder) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, rec: rec, http: &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}}
}

// statusError is a non-2xx answer, with the API's error code when it gave one.
type statusError struct {
	Status int
	Code   string
	Body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %.300s", e.Status, e.Code, e.Body)
}

// reason is how the table groups failures: "409 invoice.in_report".
func reason(err error) string {
	var se *statusError
	switch {
	case errors.As(err, &se) && se.Code != "":
		return fmt.Sprintf("%d %s", se.Status, se.Code)
	case errors.As(err, &se):
		return fmt.Sprint(se.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, new(*json.SyntaxError)):
		return "bad JSON"
	}
	return "transport"
}

// do sends one request, records it under ep (when ep is not ""), and
// decodes a 2xx JSON answer into out (when out is not nil). Mutating
// requests are always JSON: the API answers 415 otherwise.
func (c *client) do(ctx context.Context, ep, method, path string, body, out any) error {
	var rd io.Reader
	if method != http.MethodGet {
		b := []byte("{}")
		if body != nil {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return err
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	began := time.Now()
	res, err := c.http.Do(req)
	if err == nil {
		var raw []byte
		raw, err = io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil && (res.StatusCode < 200 || res.StatusCode > 299) {
			err = apiError(res.StatusCode, raw)
		}
		if err == nil && out != nil {
			err = json.Unmarshal(raw, out)
		}
	}
	elapsed := time.Since(began)
	if c.rec != nil && ep != "" {
		if err != nil {
			c.rec.fail(ep, reason(err))
		} else {
			c.rec.ok(ep, elapsed)
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

func apiError(status int, raw []byte) *statusError {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	return &statusError{Status: status, Code: e.Error.Code, Body: string(raw)}
}

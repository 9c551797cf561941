package service_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/web"
)

// signing is how a /open/v1 case signs its request.
type signing int

const (
	unsigned     signing = iota // no X-Baoxiao-* headers (or not an open API case)
	signedRight                 // correct signature, fresh nonce and Idempotency-Key
	signedNoKey                 // correct signature, no Idempotency-Key
	signedWrong                 // signature of zeros
	signedStale                 // timestamp six minutes old
	signedReplay                // the same signed request (or Yuanian envelope) twice: the second is judged
)

// badCase is one bad request and the answer the contract promises.
type badCase struct {
	route  string            // the registered route exercised: "POST /api/v1/reports/:id"
	verb   string            // a method other than the route's (wrong-method cases)
	name   string            // what is wrong with the request
	as     string            // demo user whose session is sent; "" = none, "forged" = a forged cookie
	target string            // path and query with {placeholders}; "" = the route spec's sample
	body   string            // sent as is, with {placeholders}
	big    bool              // body over the 1 MiB limit instead
	huge   bool              // body over the 20 MiB upload limit instead
	header map[string]string // extra request headers (Origin, Sec-Fetch-Site)
	ctype  string            // Content-Type; mutating requests default to application/json
	sign   signing
	yn     *ynReq // a Yuanian call: envelope, sign and token from the ERP app

	status int
	code   string // what answerCode reads: error.code, a Yuanian result code, or an import's failed[0]
}

func (c badCase) method() string {
	if c.verb != "" {
		return c.verb
	}
	m, _, _ := strings.Cut(c.route, " ")
	return m
}

// oversized is a JSON body one byte over the limit.
func oversized() []byte {
	const head, tail = `{"title":"`, `"}`
	return []byte(head + strings.Repeat("a", web.BodyLimit+1-len(head)-len(tail)) + tail)
}

// send sends the case's request and returns the status, the code (see
// answerCode) and the body.
func (w *badWorld) send(t *testing.T, c badCase) (int, string, []byte) {
	t.Helper()
	if c.yn != nil {
		r := *c.yn
		r.path = strings.TrimPrefix(c.route, "POST ")
		r.rawBody = w.fill(r.rawBody)
		if c.sign == signedReplay {
			// The sign covers the header and body only: the same
			// envelope within 10 minutes is a replay.
			r.timestamp = time.Now()
			w.erp.yn(r)
		}
		res := w.erp.yn(r)
		return http.StatusOK, strconv.Itoa(ynCode(res)), []byte(res["__raw"].(string))
	}
	target := w.fill(c.target)
	body := []byte(w.fill(c.body))
	if c.big {
		body = oversized()
	}
	if c.huge {
		body = []byte(multipartText(formFile("big.pdf", strings.Repeat("a", web.UploadBodyLimit))))
	}
	if c.sign != unsigned {
		r := signedReq{method: c.method(), target: target, body: body, contentType: c.ctype}
		switch c.sign {
		case signedRight, signedReplay:
			if c.method() != http.MethodGet {
				r.idemKey = nonce()
			}
		case signedWrong:
			r.tamper, r.idemKey = true, nonce()
		case signedStale:
			r.ts, r.idemKey = time.Now().Add(-6*time.Minute).Unix(), nonce()
		}
		if c.sign == signedReplay {
			r.nonce = nonce()
			w.erp.send(r)
		}
		res := w.erp.send(r)
		return res.Status, answerCode(res), res.Body
	}

	req, err := http.NewRequest(c.method(), w.a.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ctype := c.ctype
	if ctype == "" && c.method() != http.MethodGet {
		ctype = "application/json"
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch c.as {
	case "":
	case "forged":
		req.Header.Set("Cookie", "baoxiao_session="+forgedSession(w.sessions["emp-li"]))
	default:
		v, ok := w.sessions[c.as]
		if !ok {
			t.Fatalf("no session for %q", c.as)
		}
		req.Header.Set("Cookie", "baoxiao_session="+v)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	// An over-limit answer closes the connection: keep none for reuse.
	req.Close = c.big || c.huge
	res := doHTTP(t, req)
	return res.Status, answerCode(res), res.Body
}

// forgedSession is emp-li's session cookie edited to claim admin: the
// payload changes, the signature stays emp-li's.
func forgedSession(li string) string {
	payload, sig, _ := strings.Cut(li, ".")
	b, _ := base64.RawURLEncoding.DecodeString(payload)
	claims := strings.Replace(string(b), `"emp-li"`, `"admin"`, 1)
	return base64.RawURLEncoding.EncodeToString([]byte(claims)) + "." + sig
}

// answerCode is the code a refusal carries: error.code; a Yuanian result
// code; or, for an import answered 200, the code of its first failed item
// (imports refuse per invoice, shared/API.md).
func answerCode(res testkit.Response) string {
	if n, ok := res.JSON["code"].(float64); ok && res.Status == http.StatusOK {
		return strconv.Itoa(int(n))
	}
	if failed, _ := res.JSON["failed"].([]any); len(failed) > 0 && res.Status == http.StatusOK {
		e, _ := failed[0].(map[string]any)["error"].(map[string]any)
		code, _ := e["code"].(string)
		return code
	}
	return res.ErrorCode()
}

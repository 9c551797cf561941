package sandbox_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/sandbox"
)

// Checklist 1: tokens.
func TestChecklist01Tokens(t *testing.T) {
	e := start(t)
	oaCreds := url.Values{"grant_type": {"client_credential"}, "appid": {config.SandboxOAAppID}, "secret": {config.SandboxOAAppSecret}}
	// A cheap call that needs an OA token.
	probe := func(token string) resp {
		return e.get("/cgi-bin/ticket/getticket", url.Values{"access_token": {token}, "type": {"jsapi"}})
	}

	t.Run("token answers expires_in 7200 without errcode", func(t *testing.T) {
		r := e.get("/cgi-bin/token", oaCreds)
		wantErrcode(t, r, 0)
		must(t, r.JSON["expires_in"] == float64(7200), "expires_in = %v", r.JSON["expires_in"])
		_, has := r.JSON["errcode"]
		must(t, !has && len(r.str("access_token")) > 100, "answer %s", r.Body)
	})

	t.Run("a new token fetch supersedes the old one after 300 s", func(t *testing.T) {
		a := e.oaToken()
		b := e.oaToken()
		must(t, a != b, "same token twice")
		wantErrcode(t, probe(a), 0)
		e.clock.Advance(299 * time.Second)
		wantErrcode(t, probe(a), 0)
		e.clock.Advance(2 * time.Second)
		wantErrcode(t, probe(a), 40001)
		wantErrcode(t, probe(b), 0)
	})

	t.Run("expired token is 42001", func(t *testing.T) {
		a := e.oaToken()
		e.clock.Advance(7201 * time.Second)
		wantErrcode(t, probe(a), 42001)
	})

	t.Run("garbage token is 40014, missing is 41001", func(t *testing.T) {
		wantErrcode(t, probe("not-a-token"), 40014)
		wantErrcode(t, e.get("/cgi-bin/ticket/getticket", url.Values{"type": {"jsapi"}}), 41001)
	})

	t.Run("bad OA credentials", func(t *testing.T) {
		q := url.Values{"grant_type": {"client_credential"}, "appid": {config.SandboxOAAppID}, "secret": {"wrong"}}
		wantErrcode(t, e.get("/cgi-bin/token", q), 40125)
		q.Set("appid", "wxunknown")
		wantErrcode(t, e.get("/cgi-bin/token", q), 40013)
	})

	t.Run("stable_token is stable; force_refresh kills the old one at once", func(t *testing.T) {
		body := map[string]any{"grant_type": "client_credential", "appid": config.SandboxOAAppID, "secret": config.SandboxOAAppSecret}
		r1 := e.post("/cgi-bin/stable_token", nil, body)
		r2 := e.post("/cgi-bin/stable_token", nil, body)
		wantErrcode(t, r1, 0)
		must(t, r1.str("access_token") == r2.str("access_token"), "stable token changed")
		// /cgi-bin/token fetches do not touch it.
		e.oaToken()
		e.clock.Advance(301 * time.Second)
		wantErrcode(t, probe(r1.str("access_token")), 0)

		body["force_refresh"] = true
		r3 := e.post("/cgi-bin/stable_token", nil, body)
		must(t, r3.str("access_token") != r1.str("access_token"), "force_refresh kept the token")
		wantErrcode(t, probe(r1.str("access_token")), 40001)
		wantErrcode(t, probe(r3.str("access_token")), 0)
		// Forced refreshes less than 30 s apart are ignored.
		r4 := e.post("/cgi-bin/stable_token", nil, body)
		must(t, r4.str("access_token") == r3.str("access_token"), "second force within 30 s refreshed")
	})

	t.Run("stable_token renews in its last 5 minutes with an overlap", func(t *testing.T) {
		body := map[string]any{"grant_type": "client_credential", "appid": config.SandboxOAAppID, "secret": config.SandboxOAAppSecret, "force_refresh": true}
		e.clock.Advance(time.Minute)
		old := e.post("/cgi-bin/stable_token", nil, body).str("access_token")
		delete(body, "force_refresh")
		e.clock.Advance(7200*time.Second - 4*time.Minute)
		r := e.post("/cgi-bin/stable_token", nil, body)
		must(t, r.str("access_token") != old, "no renewal in the last 5 minutes")
		must(t, r.JSON["expires_in"].(float64) >= 300, "expires_in %v", r.JSON["expires_in"])
		wantErrcode(t, probe(old), 0) // both valid meanwhile
		e.clock.Advance(5 * time.Minute)
		wantErrcode(t, probe(old), 42001)
		wantErrcode(t, probe(r.str("access_token")), 0)
	})

	t.Run("WeCom token", func(t *testing.T) {
		r := e.get("/cgi-bin/gettoken", url.Values{"corpid": {config.SandboxWorkCorpID}, "corpsecret": {config.SandboxWorkSecret}})
		wantErrcode(t, r, 0)
		must(t, r.JSON["expires_in"] == float64(7200) && r.str("errmsg") == "ok", "answer %s", r.Body)
		must(t, e.workToken() == r.str("access_token"), "WeCom answers the same token while valid")
		wantErrcode(t, e.get("/cgi-bin/gettoken", url.Values{"corpid": {config.SandboxWorkCorpID}, "corpsecret": {"bad"}}), 40001)
		wantErrcode(t, e.get("/cgi-bin/gettoken", url.Values{"corpid": {"wwnobody"}, "corpsecret": {"bad"}}), 40013)
		e.clock.Advance(7201 * time.Second)
		wantErrcode(t, e.get("/cgi-bin/get_jsapi_ticket", tok(r.str("access_token"))), 42001)
		must(t, e.workToken() != r.str("access_token"), "expired WeCom token reissued")
	})

	t.Run("_control/tokens/expire", func(t *testing.T) {
		oa, work := e.oaToken(), e.workToken()
		r := e.ctl(http.MethodPost, "/tokens/expire", nil)
		must(t, r.JSON["expired"].(float64) >= 2, "expired %v", r.JSON["expired"])
		wantErrcode(t, probe(oa), 42001)
		wantErrcode(t, e.get("/cgi-bin/get_jsapi_ticket", tok(work)), 42001)
		wantErrcode(t, probe(e.oaToken()), 0)
		wantErrcode(t, e.get("/cgi-bin/get_jsapi_ticket", tok(e.workToken())), 0)
	})
}

func TestTokenGraceOption(t *testing.T) {
	e := start(t, func(o *sandbox.Options) { o.TokenGrace = 10 * time.Second })
	a := e.oaToken()
	e.oaToken()
	probe := url.Values{"access_token": {a}, "type": {"wx_card"}}
	wantErrcode(t, e.get("/cgi-bin/ticket/getticket", probe), 0)
	e.clock.Advance(11 * time.Second)
	wantErrcode(t, e.get("/cgi-bin/ticket/getticket", probe), 40001)
}

// Checklist 2: tokens are bound to (channel, appid).
func TestChecklist02ChannelIsolation(t *testing.T) {
	e := start(t)
	oa, work := e.oaToken(), e.workToken()
	body := map[string]any{"card_id": "x", "encrypt_code": "y"}
	cases := []struct {
		name, method, path string
		token              string
		q                  url.Values
	}{
		{"OA token on WeCom corp ticket", "GET", "/cgi-bin/get_jsapi_ticket", oa, nil},
		{"OA token on WeCom agent ticket", "GET", "/cgi-bin/ticket/get", oa, url.Values{"type": {"agent_config"}}},
		{"OA token on WeCom getinvoiceinfo", "POST", workR + "getinvoiceinfo", oa, nil},
		{"OA token on WeCom updatestatusbatch", "POST", workR + "updatestatusbatch", oa, nil},
		{"OA token on WeCom getuserinfo", "GET", "/cgi-bin/auth/getuserinfo", oa, url.Values{"code": {"x"}}},
		{"OA token on WeCom user list", "GET", "/cgi-bin/user/list", oa, url.Values{"department_id": {"1"}}},
		{"WeCom token on OA ticket", "GET", "/cgi-bin/ticket/getticket", work, url.Values{"type": {"jsapi"}}},
		{"WeCom token on OA getinvoiceinfo", "POST", oaR + "getinvoiceinfo", work, nil},
		{"WeCom token on OA getinvoicebatch", "POST", oaR + "getinvoicebatch", work, nil},
		{"WeCom token on issuer insert", "POST", "/card/invoice/insert", work, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"access_token": {tc.token}}
			for k, v := range tc.q {
				q[k] = v
			}
			var b any
			if tc.method == "POST" {
				b = body
			}
			wantErrcode(t, e.do(tc.method, tc.path, q, b), 40014)
		})
	}
}

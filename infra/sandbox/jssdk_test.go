package sandbox_test

import (
	"crypto/sha1"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/sandbox"
)

// The official wx.config vector (wechat-protocol.md §3.1) and the computed
// cardSign example (§3.2).
const (
	vectorTicket    = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	vectorNonce     = "Wm3WZYTPz0wzccnW"
	vectorTimestamp = "1414587457"
	vectorURL       = "http://mp.weixin.qq.com?params=value"
	vectorSignature = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"

	cardAppID     = "wx0000000000000000"
	cardTimestamp = "1489030247"
	cardNonce     = "p6N7WOAFk0hGdSXK"
	cardVector    = "ef8dce0ed6a02557440445c35dcc97d94113843f"
)

// Independent implementations of WeChat's signatures, for the tests.
func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func jsapiSig(ticket, nonce, ts, u string) string {
	return sha1hex("jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + ts + "&url=" + u)
}

func sortedSig(vals ...string) string {
	v := append([]string(nil), vals...)
	sort.Strings(v)
	return sha1hex(strings.Join(v, ""))
}

func (e *env) ticket(path string, q url.Values) string {
	e.t.Helper()
	r := e.get(path, q)
	wantErrcode(e.t, r, 0)
	must(e.t, r.JSON["expires_in"] == float64(7200) && r.str("ticket") != "", "ticket answer %s", r.Body)
	return r.str("ticket")
}

func (e *env) verifyConfig(appID, ticketSig, nonce, ts, pageURL string) resp {
	e.t.Helper()
	return e.post("/_js/verify-config", nil, map[string]any{
		"appId": appID, "timestamp": ts, "nonceStr": nonce, "signature": ticketSig, "url": pageURL,
	})
}

// Checklist 3: tickets.
func TestChecklist03Tickets(t *testing.T) {
	e := start(t)
	oa, work := e.oaToken(), e.workToken()
	q := func(token, typ string) url.Values { return url.Values{"access_token": {token}, "type": {typ}} }

	oaJSAPI := e.ticket("/cgi-bin/ticket/getticket", q(oa, "jsapi"))
	oaCard := e.ticket("/cgi-bin/ticket/getticket", q(oa, "wx_card"))
	corp := e.ticket("/cgi-bin/get_jsapi_ticket", tok(work))
	agent := e.ticket("/cgi-bin/ticket/get", q(work, "agent_config"))
	workCard := e.ticket("/cgi-bin/ticket/get", q(work, "wx_card"))
	all := map[string]bool{oaJSAPI: true, oaCard: true, corp: true, agent: true, workCard: true}
	must(t, len(all) == 5, "tickets are not distinct")

	t.Run("same token, same ticket", func(t *testing.T) {
		must(t, e.ticket("/cgi-bin/ticket/getticket", q(oa, "jsapi")) == oaJSAPI, "jsapi ticket changed")
		must(t, e.ticket("/cgi-bin/ticket/get", q(work, "agent_config")) == agent, "agent ticket changed")
	})
	t.Run("unknown types are 40097", func(t *testing.T) {
		wantErrcode(t, e.get("/cgi-bin/ticket/getticket", q(oa, "agent_config")), 40097)
		wantErrcode(t, e.get("/cgi-bin/ticket/get", q(work, "jsapi")), 40097)
		wantErrcode(t, e.get("/cgi-bin/ticket/get", q(work, "nope")), 40097)
	})
	t.Run("wx.config and agentConfig verify with the issued tickets", func(t *testing.T) {
		page := "https://h5.example.com/h5/?a=1"
		r := e.verifyConfig(config.SandboxOAAppID, jsapiSig(oaJSAPI, "n1", "1700000000", page), "n1", "1700000000", page)
		must(t, r.JSON["ok"] == true && r.str("errMsg") == "config:ok", "OA config: %s", r.Body)
		r = e.verifyConfig(config.SandboxWorkCorpID, jsapiSig(corp, "n2", "1700000001", page), "n2", "1700000001", page)
		must(t, r.JSON["ok"] == true, "WeCom config: %s", r.Body)
		// The OA ticket does not sign for the corp, nor the URL with its #.
		r = e.verifyConfig(config.SandboxWorkCorpID, jsapiSig(oaJSAPI, "n2", "1700000001", page), "n2", "1700000001", page)
		must(t, r.JSON["ok"] == false && r.str("errMsg") == "config:invalid signature", "cross ticket: %s", r.Body)
		r = e.verifyConfig(config.SandboxOAAppID, jsapiSig(oaJSAPI, "n1", "1700000000", page+"#x"), "n1", "1700000000", page)
		must(t, r.JSON["ok"] == false, "fragment accepted: %s", r.Body)

		ag := e.post("/_js/verify-agent-config", nil, map[string]any{
			"corpid": config.SandboxWorkCorpID, "agentid": config.SandboxWorkAgentID, "timestamp": "1700000002",
			"nonceStr": "n3", "signature": jsapiSig(agent, "n3", "1700000002", page), "url": page,
		})
		must(t, ag.JSON["ok"] == true && ag.str("errMsg") == "agentConfig:ok", "agentConfig: %s", ag.Body)
		ag = e.post("/_js/verify-agent-config", nil, map[string]any{
			"corpid": config.SandboxWorkCorpID, "agentid": config.SandboxWorkAgentID, "timestamp": "1700000002",
			"nonceStr": "n3", "signature": jsapiSig(corp, "n3", "1700000002", page), "url": page,
		})
		must(t, ag.JSON["ok"] == false && ag.str("errMsg") == "agentConfig:invalid signature", "agentConfig with corp ticket: %s", ag.Body)
	})
	t.Run("tickets die with their token", func(t *testing.T) {
		page := "https://h5.example.com/h5/"
		e.oaToken() // supersedes oa
		e.clock.Advance(301 * time.Second)
		r := e.verifyConfig(config.SandboxOAAppID, jsapiSig(oaJSAPI, "n", "1", page), "n", "1", page)
		must(t, r.JSON["ok"] == false, "ticket of a dead token verified: %s", r.Body)
		fresh := e.ticket("/cgi-bin/ticket/getticket", q(e.oaToken(), "jsapi"))
		must(t, fresh != oaJSAPI, "new token, same ticket")
		r = e.verifyConfig(config.SandboxOAAppID, jsapiSig(fresh, "n", "1", page), "n", "1", page)
		must(t, r.JSON["ok"] == true, "fresh ticket: %s", r.Body)
		e.ctl(http.MethodPost, "/tokens/expire", nil)
		r = e.verifyConfig(config.SandboxOAAppID, jsapiSig(fresh, "n", "1", page), "n", "1", page)
		must(t, r.JSON["ok"] == false, "ticket survived tokens/expire: %s", r.Body)
	})
	t.Run("the official wx.config vector with a pinned ticket", func(t *testing.T) {
		e.ctl(http.MethodPost, "/tickets", map[string]any{"channel": "oa", "type": "jsapi", "ticket": vectorTicket})
		must(t, e.ticket("/cgi-bin/ticket/getticket", q(e.oaToken(), "jsapi")) == vectorTicket, "getticket ignores the pin")
		r := e.verifyConfig(config.SandboxOAAppID, vectorSignature, vectorNonce, vectorTimestamp, vectorURL)
		must(t, r.JSON["ok"] == true, "vector: %s", r.Body)
	})
}

func pickerQuery(appID, ts, nonce, sign, openid, channel string) url.Values {
	return url.Values{"appid": {appID}, "timestamp": {ts}, "nonceStr": {nonce}, "signType": {"SHA1"},
		"cardSign": {sign}, "openid": {openid}, "channel": {channel}}
}

// Checklist 4: the chooseInvoice page verifies cardSign, lists the wallet
// and returns a string (OA) or an array (WeCom), switchable.
func TestChecklist04ChooseInvoicePage(t *testing.T) {
	e := start(t, func(o *sandbox.Options) { o.OA.AppID = cardAppID })
	li := demo("emp-li")

	t.Run("the computed cardSign example is accepted", func(t *testing.T) {
		must(t, sortedSig(vectorTicket, cardAppID, cardTimestamp, cardNonce, "INVOICE") == cardVector, "test helper disagrees with §3.2")
		e.ctl(http.MethodPost, "/tickets", map[string]any{"channel": "oa", "appid": cardAppID, "type": "wx_card", "ticket": vectorTicket})
		r := e.get("/_js/choose-invoice", pickerQuery(cardAppID, cardTimestamp, cardNonce, cardVector, li.OAOpenID, "oa"))
		body := string(r.Body)
		must(t, r.Status == 200 && !strings.Contains(body, `id="sandbox-error"`), "picker refused: %s", body)
		for _, id := range []string{`id="sandbox-confirm"`, `id="sandbox-cancel"`, `data-card-id=`, `format = "string"`} {
			must(t, strings.Contains(body, id), "picker lacks %s", id)
		}
		// Every wallet invoice is listed; only INIT ones are selectable.
		w := e.wallet(li.OAOpenID)
		must(t, strings.Count(body, "data-card-id=") == len(w), "listed %d of %d", strings.Count(body, "data-card-id="), len(w))
		disabled := 0
		for _, it := range w {
			if it.ReimburseStatus != "INVOICE_REIMBURSE_INIT" {
				disabled++
			}
		}
		got := len(regexp.MustCompile(`<input [^>]*data-card-id[^>]* disabled>`).FindAllString(body, -1))
		must(t, disabled > 0 && got == disabled, "disabled %d, want %d", got, disabled)
		// encrypt_codes reach the page intact (+, / and =) once HTML-decoded.
		must(t, strings.Contains(html.UnescapeString(body), `data-encrypt-code="`+w[0].EncryptCode+`"`), "encrypt_code mangled")
	})
	t.Run("a wrong cardSign gets an error page with a clear message", func(t *testing.T) {
		for name, q := range map[string]url.Values{
			"bad sign":       pickerQuery(cardAppID, cardTimestamp, cardNonce, strings.Repeat("0", 40), li.OAOpenID, "oa"),
			"other nonce":    pickerQuery(cardAppID, cardTimestamp, "other", cardVector, li.OAOpenID, "oa"),
			"wrong channel":  pickerQuery(cardAppID, cardTimestamp, cardNonce, cardVector, li.OAOpenID, "work"),
			"unknown openid": pickerQuery(cardAppID, cardTimestamp, cardNonce, cardVector, "oNobody", "oa"),
		} {
			r := e.get("/_js/choose-invoice", q)
			must(t, strings.Contains(string(r.Body), `id="sandbox-error"`), "%s: no error page", name)
			must(t, strings.Contains(string(r.Body), `id="sandbox-cancel"`), "%s: no way out", name)
		}
		r := e.get("/_js/choose-invoice", pickerQuery(cardAppID, cardTimestamp, cardNonce, strings.Repeat("0", 40), li.OAOpenID, "oa"))
		must(t, strings.Contains(string(r.Body), "cardSign 校验失败"), "message: %s", r.Body)
	})
	t.Run("the OA result format is switchable to an array", func(t *testing.T) {
		e.ctl(http.MethodPost, "/switches", map[string]any{"oa_result_array": true})
		defer e.ctl(http.MethodPost, "/switches", map[string]any{"oa_result_array": false})
		r := e.get("/_js/choose-invoice", pickerQuery(cardAppID, cardTimestamp, cardNonce, cardVector, li.OAOpenID, "oa"))
		must(t, strings.Contains(string(r.Body), `format = "array"`), "switch ignored")
	})
	t.Run("WeCom signs with the corp id and its wx_card ticket, and gets an array", func(t *testing.T) {
		wang := demo("emp-wang")
		card := e.ticket("/cgi-bin/ticket/get", url.Values{"access_token": {e.workToken()}, "type": {"wx_card"}})
		sign := sortedSig(card, config.SandboxWorkCorpID, "1700000000", "abc", "INVOICE")
		r := e.get("/_js/choose-invoice", pickerQuery(config.SandboxWorkCorpID, "1700000000", "abc", sign, wang.WorkOpenID, "work"))
		body := string(r.Body)
		must(t, !strings.Contains(body, "sandbox-error") && strings.Contains(body, `format = "array"`), "WeCom picker: %s", body)
		must(t, strings.Count(body, "data-card-id=") == len(e.wallet(wang.WorkOpenID)), "WeCom wallet not listed")
		// The OA ticket does not sign for the corp.
		bad := sortedSig(vectorTicket, config.SandboxWorkCorpID, "1700000000", "abc", "INVOICE")
		r = e.get("/_js/choose-invoice", pickerQuery(config.SandboxWorkCorpID, "1700000000", "abc", bad, wang.WorkOpenID, "work"))
		must(t, strings.Contains(string(r.Body), "sandbox-error"), "OA ticket signed for WeCom")
	})
}

func TestJweixinScriptNode(t *testing.T) {
	e := start(t)
	for _, tc := range []struct {
		path       string
		has, lacks []string
	}{
		// jweixin 1.6.0 has no agentConfig and no ww (issue 18): the stand-in neither.
		{"/jweixin.js", []string{"wx.config", "wx.ready", "wx.error", "wx.invoke", "preVerifyJSAPI", "agentConfig", "global.WeixinJSBridge"},
			[]string{"wx.agentConfig", "global.ww", "wx.chooseInvoice"}},
		{"/jsbridge.js", []string{"preVerifyJSAPI", "agentConfig", "chooseInvoice", "WeixinJSBridgeReady"}, []string{"global.wx"}},
	} {
		r := e.get(tc.path, nil)
		body := string(r.Body)
		must(t, r.Status == 200 && strings.Contains(r.Header.Get("Content-Type"), "javascript"), "%s: %d %s", tc.path, r.Status, r.Header)
		must(t, strings.Contains(body, `"`+e.url+`"`), "%s: base not filled in", tc.path)
		for _, s := range tc.has {
			must(t, strings.Contains(body, s), "%s: missing %s", tc.path, s)
		}
		for _, s := range tc.lacks {
			must(t, !strings.Contains(body, s), "%s: has %s", tc.path, s)
		}
		path := filepath.Join(t.TempDir(), "script.js")
		if err := os.WriteFile(path, r.Body, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(nodePath(t), "--check", path).CombinedOutput(); err != nil {
			t.Fatalf("node --check %s: %v\n%s", tc.path, err, out)
		}
	}
}

// nodePath finds node; without it the test skips, except under CI=true
// where it must run (.ci/run installs Debian's nodejs).
func nodePath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but node is not installed")
	}
	t.Skip("node not installed: syntax not checked")
	return ""
}

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// liveWithSandbox starts baoxiao in live mode against a sandbox served
// by another instance, with the demo people registered as employees (as
// an administrator would), and answers it with the sandbox's URL.
func liveWithSandbox(t *testing.T) (*testkit.AppServer, string) {
	t.Helper()
	sb := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	live := testkit.LiveApp(t, testkit.SQLite(t), sb.URL+"/sandbox", testkit.WithoutWorker())
	for _, u := range sandbox.DemoUsers {
		d := domain.EmployeeData{ID: domain.EmployeeID(u.ID), Name: u.Name, ManagerID: domain.EmployeeID(u.ManagerID),
			Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: config.SandboxOAAppID, OpenID: u.OAOpenID}}}
		for _, r := range u.Roles {
			d.Roles = append(d.Roles, domain.Role(r))
		}
		if _, err := live.Svc.Directory.Ensure(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	return live, sb.URL + "/sandbox"
}

func demoOpenID(t *testing.T, id string) string {
	t.Helper()
	for _, u := range sandbox.DemoUsers {
		if u.ID == id {
			return u.OAOpenID
		}
	}
	t.Fatalf("no demo user %s", id)
	return ""
}

// qrPhone is a phone as an HTTP client with its own cookies, signed in
// through the sandbox's OAuth page as openid.
type qrPhone struct {
	t    *testing.T
	base string
	http *http.Client
}

// signIn runs the OAuth sign-in with next = path and answers where the
// phone landed.
func (p *qrPhone) signIn(sbURL, openid, path string) *url.URL {
	p.t.Helper()
	p.http = cluster.OAuthBrowser(sbURL, openid)
	res, err := p.http.Get(p.base + "/auth/oa/start?next=" + url.QueryEscape(path))
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("OAuth sign-in: %d at %s", res.StatusCode, res.Request.URL)
	}
	return res.Request.URL
}

// post sends a JSON body with the phone's cookies.
func (p *qrPhone) post(path string, body any) (int, map[string]any) {
	p.t.Helper()
	return sendJSON(p.t, p.http, http.MethodPost, p.base+path, body, "")
}

// sendJSON sends a request (cookie: an extra Cookie header) and decodes
// the answer.
func sendJSON(t *testing.T, c *http.Client, method, target string, body any, cookie string) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, target, rd)
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	out["_set_cookie"] = strings.Join(res.Header.Values("Set-Cookie"), "\n")
	return res.StatusCode, out
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// tokenOf is the t parameter of a sign-in QR's link on base.
func tokenOf(t *testing.T, base, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, base+"/h5/qr-login?") || u.Query().Get("t") == "" {
		t.Fatalf("QR link %q", link)
	}
	return u.Query().Get("t")
}

// TestBrowserQRLogin is DECISIONS 4 in live mode: a PC's login page shows
// a QR; a phone that signed in through OAuth confirms it; the PC's page
// polls, asks "sign in as X?" and, accepted, gets the session and lands
// signed in. The code is then used up,
// the browser secret is needed to collect it, and expired codes say so.
func TestBrowserQRLogin(t *testing.T) {
	t.Parallel()
	live, sbURL := liveWithSandbox(t)
	b := startBrowser(t, live)

	// 1. The PC page and an HTTP phone.
	pc := b.newTab("pc")
	pc.open("/h5/login?next=%2Fh5%2Ffinance")
	pc.until("the QR code", `!!document.querySelector('#qrl-img') && document.getElementById('qrl-state').dataset.state === 'pending'`, nil)
	var link string
	pc.eval(`document.getElementById('qrl-img').dataset.url`, &link)
	token := tokenOf(t, live.URL, link)
	var size []int
	pc.eval(`(() => { const i = document.getElementById('qrl-img'); return [i.naturalWidth, i.naturalHeight]; })()`, &size)
	if len(size) != 2 || size[0] < 100 || size[0] != size[1] {
		t.Fatalf("QR image %v", size)
	}
	var visible bool
	pc.eval(`document.cookie.includes('baoxiao_qr_login')`, &visible)
	if visible {
		t.Error("the browser secret is readable by scripts")
	}
	pc.screenshot("qr-login-pending")

	phone := &qrPhone{t: t, base: live.URL}
	landed := phone.signIn(sbURL, demoOpenID(t, "fin-chen"), strings.TrimPrefix(link, live.URL))
	if landed.Path != "/h5/qr-login" || landed.Query().Get("t") != token {
		t.Fatalf("the phone landed on %s", landed)
	}
	if st, res := phone.post("/auth/qr-login/scan", map[string]any{"token": token}); st != http.StatusOK || res["state"] != "scanned" {
		t.Fatalf("scan: %d %v", st, res)
	}
	pc.until("the PC sees the scan", `document.getElementById('qrl-state').dataset.state === 'scanned'`, nil)
	if st, res := phone.post("/auth/qr-login/confirm", map[string]any{"token": token}); st != http.StatusOK || res["state"] != "confirmed" {
		t.Fatalf("confirm: %d %v", st, res)
	}
	var ask string
	pc.until("the PC asks who", `!document.getElementById('qrl-ask').hidden && document.getElementById('qrl-question').textContent`, &ask)
	if !strings.Contains(ask, "陈静") || !strings.Contains(ask, "fin-chen") {
		t.Errorf("the PC asks %q: it does not name who confirmed", ask)
	}
	pc.screenshot("qr-login-accept")
	pc.click("#qrl-accept")
	pc.until("the PC signed in on the finance page", `location.pathname === '/h5/finance' && document.querySelector('#who') && document.querySelector('#who').textContent === '陈静'`, nil)
	pc.screenshot("qr-login-signed-in")
	if st, res := phone.post("/auth/qr-login/confirm", map[string]any{"token": token}); st != http.StatusConflict || errCode(res) != "qr.used" {
		t.Fatalf("confirm again: %d %v", st, res)
	}

	// 2. Over HTTP: only the browser secret collects the session, once.
	plain := &http.Client{Timeout: 20 * time.Second}
	st, started := sendJSON(t, plain, http.MethodPost, live.URL+"/auth/qr-login", nil, "")
	if st != http.StatusCreated {
		t.Fatalf("start: %d %v", st, started)
	}
	secret := ""
	for _, line := range strings.Split(started["_set_cookie"].(string), "\n") {
		if v, ok := strings.CutPrefix(line, "baoxiao_qr_login="); ok {
			secret, _, _ = strings.Cut(v, ";")
			if !strings.Contains(strings.ToLower(line), "httponly") || !strings.Contains(strings.ToLower(line), "path=/auth/qr-login") {
				t.Errorf("browser cookie %q", line)
			}
		}
	}
	if secret == "" {
		t.Fatalf("no browser cookie: %v", started["_set_cookie"])
	}
	token2 := tokenOf(t, live.URL, started["url"].(string))
	if st, res := phone.post("/auth/qr-login/confirm", map[string]any{"token": token2}); st != http.StatusOK {
		t.Fatalf("confirm 2: %d %v", st, res)
	}
	for _, cookie := range []string{"", "baoxiao_qr_login=" + token2, "baoxiao_qr_login=wrong"} {
		if st, res := sendJSON(t, plain, http.MethodGet, live.URL+"/auth/qr-login/status", nil, cookie); st != http.StatusNotFound || strings.Contains(res["_set_cookie"].(string), "baoxiao_session=") {
			t.Fatalf("poll with cookie %q: %d %v", cookie, st, res)
		}
	}
	st, poll := sendJSON(t, plain, http.MethodGet, live.URL+"/auth/qr-login/status", nil, "baoxiao_qr_login="+secret)
	who, _ := poll["who"].(map[string]any)
	if st != http.StatusOK || poll["state"] != "confirmed" || who["id"] != "fin-chen" || strings.Contains(poll["_set_cookie"].(string), "baoxiao_session=") {
		t.Fatalf("poll after the confirm: %d %v", st, poll)
	}
	for _, cookie := range []string{"", "baoxiao_qr_login=" + token2} {
		if st, res := sendJSON(t, plain, http.MethodPost, live.URL+"/auth/qr-login/accept", map[string]any{}, cookie); st != http.StatusNotFound || strings.Contains(res["_set_cookie"].(string), "baoxiao_session=") {
			t.Fatalf("accept with cookie %q: %d %v", cookie, st, res)
		}
	}
	st, first := sendJSON(t, plain, http.MethodPost, live.URL+"/auth/qr-login/accept", map[string]any{}, "baoxiao_qr_login="+secret)
	me, _ := first["me"].(map[string]any)
	if st != http.StatusOK || first["state"] != "signed_in" || me["id"] != "fin-chen" || !strings.Contains(first["_set_cookie"].(string), "baoxiao_session=") {
		t.Fatalf("accept: %d %v", st, first)
	}
	st, second := sendJSON(t, plain, http.MethodPost, live.URL+"/auth/qr-login/accept", map[string]any{}, "baoxiao_qr_login="+secret)
	if st != http.StatusConflict || errCode(second) != "qr.used" || strings.Contains(second["_set_cookie"].(string), "baoxiao_session=") {
		t.Fatalf("second accept: %d %v", st, second)
	}

	// 3. The phone page in a browser: OAuth, the question, the confirm.
	pc2 := b.newTab("pc2")
	pc2.open("/h5/login")
	pc2.until("the QR code", `!!document.querySelector('#qrl-img') && document.getElementById('qrl-state').dataset.state === 'pending'`, nil)
	var link3 string
	pc2.eval(`document.getElementById('qrl-img').dataset.url`, &link3)
	tokenOf(t, live.URL, link3)
	ph := b.newTab("phone")
	ph.open(strings.TrimPrefix(link3, live.URL))
	ph.until("the sandbox's OAuth page", `location.href.startsWith(`+jsString(sbURL+"/connect/oauth2/authorize")+`)`, nil)
	ph.eval(`(() => { const u = new URL(location.href); u.hash = ''; u.searchParams.set('sandbox_pick', `+jsString(demoOpenID(t, "emp-li"))+`); location.assign(u); return 0; })()`, nil)
	var question string
	ph.until("the question", `location.pathname === '/h5/qr-login' && !!document.getElementById('qrl-confirm') && document.getElementById('qrl-question').textContent`, &question)
	if !strings.Contains(question, "李娜") {
		t.Errorf("question %q does not name the phone's user", question)
	}
	pc2.until("the PC sees the scan", `document.getElementById('qrl-state').dataset.state === 'scanned'`, nil)
	ph.screenshot("qr-login-question")
	ph.click("#qrl-confirm")
	ph.until("the confirmation", `!!document.getElementById('qrl-done')`, nil)
	pc2.until("the PC asks", `!!document.getElementById('qrl-accept') && !document.getElementById('qrl-ask').hidden`, nil)
	pc2.click("#qrl-accept")
	pc2.until("the PC signed in as emp-li", `location.pathname === '/h5/' && document.querySelector('#who') && document.querySelector('#who').textContent === '李娜'`, nil)
	ph.open(strings.TrimPrefix(link3, live.URL))
	ph.until("the used-code error", `!!document.querySelector('#qrl-error .error[data-code="qr.used"]')`, nil)

	// 4. Expiry on the PC, and a new code.
	pc3 := b.newTab("pc3")
	pc3.open("/h5/login")
	pc3.until("the QR code", `!!document.querySelector('#qrl-img') && document.getElementById('qrl-state').dataset.state === 'pending'`, nil)
	var link4 string
	pc3.eval(`document.getElementById('qrl-img').dataset.url`, &link4)
	if _, err := live.DB.DB.NewUpdate().Table("qr_logins").Set("expires_at = ?", time.Now().UTC().Add(-time.Second)).
		Where("state = 'pending'").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	pc3.until("the expiry", `document.getElementById('qrl-state').dataset.state === 'expired' && !document.getElementById('qrl-new').hidden`, nil)
	pc3.screenshot("qr-login-expired")
	if st, res := phone.post("/auth/qr-login/confirm", map[string]any{"token": tokenOf(t, live.URL, link4)}); st != http.StatusGone || errCode(res) != "qr.expired" {
		t.Fatalf("confirm an expired code: %d %v", st, res)
	}
	pc3.click("#qrl-new")
	pc3.until("a new QR code", `document.getElementById('qrl-state').dataset.state === 'pending' && document.getElementById('qrl-img').dataset.url !== `+jsString(link4), nil)
}

// TestBrowserQRLoginSwap (issue 15): someone else confirms the QR a PC
// shows. The PC's page names them and waits; its user declines, stays
// signed out and gets a new code.
func TestBrowserQRLoginSwap(t *testing.T) {
	t.Parallel()
	live, sbURL := liveWithSandbox(t)
	b := startBrowser(t, live)
	pc := b.newTab("pc")
	pc.open("/h5/login")
	pc.until("the QR code", `!!document.querySelector('#qrl-img') && document.getElementById('qrl-state').dataset.state === 'pending'`, nil)
	var link string
	pc.eval(`document.getElementById('qrl-img').dataset.url`, &link)
	attacker := &qrPhone{t: t, base: live.URL}
	attacker.signIn(sbURL, demoOpenID(t, "emp-wang"), "/h5/")
	if st, res := attacker.post("/auth/qr-login/confirm", map[string]any{"token": tokenOf(t, live.URL, link)}); st != http.StatusOK {
		t.Fatalf("confirm: %d %v", st, res)
	}
	var ask string
	pc.until("the PC asks who", `(() => { const a = document.getElementById('qrl-ask'); return a && !a.hidden && document.getElementById('qrl-question').textContent; })()`, &ask)
	if !strings.Contains(ask, "emp-wang") {
		t.Errorf("the PC asks %q: it does not name who confirmed", ask)
	}
	// The page stops polling once it asks, so nothing later can move it:
	// it must still be on the login page, and the server must not have
	// signed it in with the status answer that carried the question.
	var path string
	pc.eval(`location.pathname`, &path)
	if path != "/h5/login" {
		t.Fatalf("the PC left the login page for %s before anyone accepted", path)
	}
	var early bool
	pc.run("signed in early?", chromedp.Evaluate(`fetch('/api/v1/me').then(r => r.ok)`, &early, awaitPromise))
	if early {
		t.Fatal("the PC is signed in before its user accepted")
	}
	pc.screenshot("qr-login-swap")
	pc.click("#qrl-decline")
	pc.until("declined", `document.getElementById('qrl-state').dataset.state === 'declined' && !document.getElementById('qrl-new').hidden`, nil)
	var signedIn bool
	pc.run("signed in?", chromedp.Evaluate(`fetch('/api/v1/me').then(r => r.ok)`, &signedIn, awaitPromise))
	if signedIn {
		t.Fatal("the PC is signed in after declining")
	}
	pc.click("#qrl-new")
	pc.until("a new QR code", `document.getElementById('qrl-state').dataset.state === 'pending' && document.getElementById('qrl-img').dataset.url !== `+jsString(link), nil)
}

package service_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// pcPoll polls the sign-in hand-off with a PC's browser secret and
// answers the status, the error code and the session cookie it set.
func pcPoll(t *testing.T, base, secret string) (int, string, string) {
	t.Helper()
	st, code, session, _ := pcCall(t, base, http.MethodGet, "/auth/qr-login/status", secret)
	return st, code, session
}

// pcCall sends a PC's request on the hand-off (a POST with an empty JSON
// body) with its browser secret, and answers the status, the error code,
// the session cookie it set and the decoded body.
func pcCall(t *testing.T, base, method, path, secret string) (int, string, string, map[string]any) {
	t.Helper()
	var body io.Reader
	if method != http.MethodGet {
		body = strings.NewReader("{}")
	}
	req, _ := http.NewRequest(method, base+path, body)
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	if secret != "" {
		req.AddCookie(&http.Cookie{Name: "baoxiao_qr_login", Value: secret})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, "", "", nil
	}
	defer res.Body.Close()
	var session string
	for _, c := range res.Cookies() {
		if c.Name == "baoxiao_session" && c.Value != "" {
			session = c.Value
		}
	}
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	code := ""
	if e, ok := out["error"].(map[string]any); ok {
		code, _ = e["code"].(string)
	}
	return res.StatusCode, code, session, out
}

// startQRLogin opens a hand-off as a PC would and answers the QR's token
// and the browser secret from the cookie.
func startQRLogin(t *testing.T, a *testkit.AppServer) (token, secret string) {
	t.Helper()
	pc := a.Client(t)
	res := pc.Do(http.MethodPost, "/auth/qr-login", nil)
	if res.Status != http.StatusCreated || res.JSON["state"] != "pending" || res.JSON["qr_png"] == "" {
		t.Fatalf("start: %d %s", res.Status, res.Body)
	}
	u, err := url.Parse(res.JSON["url"].(string))
	if err != nil || u.Path != "/h5/qr-login" || u.Query().Get("t") == "" {
		t.Fatalf("QR link %v", res.JSON["url"])
	}
	ck := pc.Cookie(a.URL+"/auth/qr-login/status", "baoxiao_qr_login")
	if ck == nil || ck.Value == "" {
		t.Fatal("no browser cookie")
	}
	return u.Query().Get("t"), ck.Value
}

// The sign-in hand-off over HTTP on both databases: the poll after the
// confirm names who confirmed; ten accepts race on the confirmed code and
// exactly one gets a session, the phone's; the phone
// must be signed in and active; requests follow the JSON-only rule.
func TestQRLoginOverHTTP(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		token, secret := startQRLogin(t, a)

		if res := a.Client(t).Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": token}); res.Status != http.StatusUnauthorized {
			t.Fatalf("confirm without a session: %d %s", res.Status, res.Body)
		}
		if st, code, _ := pcPoll(t, a.URL, ""); st != http.StatusNotFound || code != "not_found" {
			t.Fatalf("poll without the cookie: %d %s", st, code)
		}
		if res := li.Do(http.MethodPost, "/auth/qr-login/scan", map[string]any{"token": token}); res.Status != http.StatusOK || res.JSON["state"] != "scanned" {
			t.Fatalf("scan: %d %s", res.Status, res.Body)
		}
		if res := li.Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": token}); res.Status != http.StatusOK || res.JSON["state"] != "confirmed" {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		if res := li.Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": token}); res.Status != http.StatusConflict || res.ErrorCode() != "qr.used" {
			t.Fatalf("confirm twice: %d %s", res.Status, res.Body)
		}

		// The poll names who confirmed and hands over nothing (issue 15).
		st, code, session, poll := pcCall(t, a.URL, http.MethodGet, "/auth/qr-login/status", secret)
		if who, _ := poll["who"].(map[string]any); st != http.StatusOK || code != "" || session != "" || poll["state"] != "confirmed" || who["id"] != "emp-li" || who["name"] != "李娜" {
			t.Fatalf("poll after the confirm: %d %s session=%v %v", st, code, session != "", poll)
		}

		var mu sync.Mutex
		var sessions []string
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				st, code, session, _ := pcCall(t, a.URL, http.MethodPost, "/auth/qr-login/accept", secret)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case st == http.StatusOK && session != "":
					sessions = append(sessions, session)
				case st == http.StatusConflict && code == "qr.used" && session == "":
				default:
					t.Errorf("poll: %d %s session=%v", st, code, session != "")
				}
			})
		}
		wg.Wait()
		if len(sessions) != 1 {
			t.Fatalf("%d accepts got a session, want exactly 1", len(sessions))
		}
		// The PC is now signed in as the phone's user, on its channel.
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/api/v1/me", nil)
		req.AddCookie(&http.Cookie{Name: "baoxiao_session", Value: sessions[0]})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		pcMe, _ := io.ReadAll(res.Body)
		res.Body.Close()
		phoneMe := li.Do(http.MethodGet, "/api/v1/me", nil)
		if res.StatusCode != http.StatusOK || phoneMe.JSON["channel"] != "oa" || string(pcMe) != string(phoneMe.Body) {
			t.Fatalf("PC me %d %s, phone me %s", res.StatusCode, pcMe, phoneMe.Body)
		}

		// A deactivated employee's phone cannot confirm.
		token2, _ := startQRLogin(t, a)
		wang := a.Login(t, "emp-wang")
		if _, err := a.Svc.Store.Employees.Update(context.Background(), "emp-wang", func(e *domain.Employee) error {
			e.Deactivate(testkit.Now)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if res := wang.Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": token2}); res.Status != http.StatusUnauthorized {
			t.Fatalf("deactivated confirm: %d %s", res.Status, res.Body)
		}
		if res := li.Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": "no-such-token"}); res.Status != http.StatusNotFound || res.ErrorCode() != "not_found" {
			t.Fatalf("unknown token: %d %s", res.Status, res.Body)
		}

		// JSON only (DECISIONS 27).
		req, _ = http.NewRequest(http.MethodPost, a.URL+"/auth/qr-login", strings.NewReader("x=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("form POST: %v %v", res, err)
		} else {
			res.Body.Close()
		}
	})
}

// TestQRLoginSwap (issue 15): someone else who sees a PC's QR and confirms
// it on their own phone does not sign the PC in. The PC's poll names
// them and hands over no session; the PC's user declines, and the code is
// spent. A PC accept before any confirm is refused. An accepted PC
// session is a session like any other: "sign out everywhere" ends it.
func TestQRLoginSwap(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		attacker := a.Login(t, "emp-wang")
		token, secret := startQRLogin(t, a)

		if st, code, session, _ := pcCall(t, a.URL, http.MethodPost, "/auth/qr-login/accept", secret); st != http.StatusConflict || code != "qr.not_confirmed" || session != "" {
			t.Fatalf("accept before any confirm: %d %s session=%v", st, code, session != "")
		}
		if res := attacker.Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": token}); res.Status != http.StatusOK {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		for range 3 {
			st, code, session, poll := pcCall(t, a.URL, http.MethodGet, "/auth/qr-login/status", secret)
			if session != "" {
				t.Fatal("the PC's poll signed it in as the person who confirmed, unasked")
			}
			if who, _ := poll["who"].(map[string]any); st != http.StatusOK || code != "" || poll["state"] != "confirmed" || who["id"] != "emp-wang" {
				t.Fatalf("poll: %d %s %v", st, code, poll)
			}
		}
		st, code, session, res := pcCall(t, a.URL, http.MethodPost, "/auth/qr-login/decline", secret)
		if st != http.StatusOK || session != "" || res["state"] != "declined" {
			t.Fatalf("decline: %d %s session=%v %v", st, code, session != "", res)
		}
		if st, code, session, _ := pcCall(t, a.URL, http.MethodPost, "/auth/qr-login/accept", secret); st == http.StatusOK || session != "" {
			t.Fatalf("accept after decline: %d %s session=%v", st, code, session != "")
		}
		if res := attacker.Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": token}); res.Status != http.StatusConflict || res.ErrorCode() != "qr.used" {
			t.Fatalf("confirm a declined code: %d %s", res.Status, res.Body)
		}

		// The rightful hand-off gives the PC a revocable session.
		li := a.Login(t, "emp-li")
		token, secret = startQRLogin(t, a)
		if res := li.Do(http.MethodPost, "/auth/qr-login/confirm", map[string]any{"token": token}); res.Status != http.StatusOK {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		st, code, pcSession, _ := pcCall(t, a.URL, http.MethodPost, "/auth/qr-login/accept", secret)
		if st != http.StatusOK || pcSession == "" {
			t.Fatalf("accept: %d %s", st, code)
		}
		if got := meWith(t, a.URL, pcSession); got != http.StatusOK {
			t.Fatalf("the PC's session: %d", got)
		}
		if res := li.Do(http.MethodPost, "/auth/logout", nil); res.Status != http.StatusNoContent {
			t.Fatalf("phone logout: %d", res.Status)
		}
		if got := meWith(t, a.URL, pcSession); got != http.StatusOK {
			t.Fatalf("the phone's logout ended the PC's own session: %d", got)
		}
		admin := a.Login(t, "admin")
		if res := admin.Do(http.MethodPost, "/api/v1/admin/employees/emp-li/sign-out", nil); res.Status != http.StatusOK {
			t.Fatalf("sign out everywhere: %d %s", res.Status, res.Body)
		}
		if got := meWith(t, a.URL, pcSession); got != http.StatusUnauthorized {
			t.Fatalf("the PC's session after sign out everywhere: %d", got)
		}
	})
}

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
	req, _ := http.NewRequest(http.MethodGet, base+"/auth/qr-login/status", nil)
	if secret != "" {
		req.AddCookie(&http.Cookie{Name: "baoxiao_qr_login", Value: secret})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, "", ""
	}
	defer res.Body.Close()
	var session string
	for _, c := range res.Cookies() {
		if c.Name == "baoxiao_session" && c.Value != "" {
			session = c.Value
		}
	}
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Error.Code, session
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

// The sign-in hand-off over HTTP on both databases: ten polls race on a
// confirmed code and exactly one gets a session, the phone's; the phone
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

		var mu sync.Mutex
		var sessions []string
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				st, code, session := pcPoll(t, a.URL, secret)
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
			t.Fatalf("%d polls got a session, want exactly 1", len(sessions))
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

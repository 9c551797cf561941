package service_test

import (
	"net/http"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// sharedSecret lets two instances read each other's session cookies, as
// the instances of one deployment do.
var sharedSecret = testkit.WithEnv("BAOXIAO_AUTH_SESSION_SECRET=sessions-test-secret-0123456789abcdef")

// sessionCookie is a copy of the client's session cookie, as an attacker
// who copied it would hold it.
func sessionCookie(t *testing.T, a *testkit.AppServer, c *testkit.Client) string {
	t.Helper()
	ck := c.Cookie(a.URL, "baoxiao_session")
	if ck == nil || ck.Value == "" {
		t.Fatal("no session cookie")
	}
	return ck.Value
}

// meWith asks GET /api/v1/me at base with only the given cookie.
func meWith(t *testing.T, base, cookie string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", "baoxiao_session="+cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestSessionsEnd (issue 15): logout, "sign out everywhere", a role
// change and a deactivation end sessions at their next request, on this
// instance and on another one sharing the database, with no wait; a
// copied cookie is worth nothing afterwards.
func TestSessionsEnd(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker(), sharedSecret)
		b := testkit.App(t, db, testkit.WithoutWorker(), sharedSecret) // another instance
		admin := a.Login(t, "admin")
		wang := a.Login(t, "emp-wang")
		wangCookie := sessionCookie(t, a, wang)

		ended := func(t *testing.T, what, cookie string) {
			t.Helper()
			for _, base := range []string{a.URL, b.URL} {
				if got := meWith(t, base, cookie); got != http.StatusUnauthorized {
					t.Errorf("%s: a copied cookie still works at %s: %d", what, base, got)
				}
			}
		}
		alive := func(t *testing.T, what, cookie string) {
			t.Helper()
			for _, base := range []string{a.URL, b.URL} {
				if got := meWith(t, base, cookie); got != http.StatusOK {
					t.Fatalf("%s: the session does not work at %s: %d", what, base, got)
				}
			}
		}

		t.Run("logout", func(t *testing.T) {
			li := a.Login(t, "emp-li")
			other := b.Login(t, "emp-li") // the same person on another device
			copied, otherCookie := sessionCookie(t, a, li), sessionCookie(t, b, other)
			alive(t, "before logout", copied)
			if res := li.Do(http.MethodPost, "/auth/logout", nil); res.Status != http.StatusNoContent {
				t.Fatalf("logout: %d %s", res.Status, res.Body)
			}
			ended(t, "after logout", copied)
			alive(t, "the other device after logout", otherCookie)
		})

		t.Run("sign out everywhere", func(t *testing.T) {
			c1, c2 := a.Login(t, "emp-li"), b.Login(t, "emp-li")
			k1, k2 := sessionCookie(t, a, c1), sessionCookie(t, b, c2)
			res := admin.Do(http.MethodPost, "/api/v1/admin/employees/emp-li/sign-out", nil)
			if res.Status != http.StatusOK || res.JSON["employee_id"] != "emp-li" || res.JSON["sessions_ended"].(float64) < 2 {
				t.Fatalf("sign out everywhere: %d %s", res.Status, res.Body)
			}
			ended(t, "after sign out everywhere", k1)
			ended(t, "after sign out everywhere", k2)
			alive(t, "another employee", wangCookie)
			if res := a.Login(t, "emp-li").Do(http.MethodGet, "/api/v1/me", nil); res.Status != http.StatusOK {
				t.Fatalf("signing in again: %d", res.Status)
			}
		})

		patch := func(t *testing.T, id string, change map[string]any) {
			t.Helper()
			cur := admin.Do(http.MethodGet, "/api/v1/admin/employees/"+id, nil)
			if cur.Status != http.StatusOK {
				t.Fatalf("get %s: %d", id, cur.Status)
			}
			change["version"] = cur.JSON["version"]
			if res := admin.Do(http.MethodPatch, "/api/v1/admin/employees/"+id, change); res.Status != http.StatusOK {
				t.Fatalf("patch %s: %d %s", id, res.Status, res.Body)
			}
		}

		t.Run("role change", func(t *testing.T) {
			li := b.Login(t, "emp-li")
			copied := sessionCookie(t, b, li)
			patch(t, "emp-li", map[string]any{"name": "李娜 (renamed)"})
			alive(t, "after a change of name only", copied)
			patch(t, "emp-li", map[string]any{"roles": []string{"employee", "approver"}})
			ended(t, "after a role change", copied)
			alive(t, "another employee", wangCookie)
		})

		t.Run("deactivation", func(t *testing.T) {
			li := b.Login(t, "emp-li")
			copied := sessionCookie(t, b, li)
			patch(t, "emp-li", map[string]any{"active": false})
			ended(t, "after deactivation", copied) // at once: no "still active" cache
			patch(t, "emp-li", map[string]any{"active": true})
			ended(t, "after reactivation", copied)
		})
	})
}

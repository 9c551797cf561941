package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/web"
)

// nextCases are next parameters as the server and the login page see
// them (decoded). Browsers drop TAB, CR and LF inside URLs and read a
// backslash as a slash, so several of them are "//evil.example" to a
// browser (issue 15).
var nextCases = []string{
	"", "/h5/approve", "/h5/?x=1#frag", "/h5/../h5/finance", "/h5/a b",
	"//evil.example/", "https://evil.example", "/\\evil.example", "h5/", "/ok\r\nx",
	"/\t/evil.example", "/\n/evil.example", "/\x0b/evil.example", "/.//evil.example",
	"///evil.example", "/%09/evil.example", "javascript:alert(1)", "/\t\\evil.example",
}

// TestBrowserLoginNextStaysHome: the sandbox login with
// next=/%09/evil.example lands on our site, and the login page's
// BX.safeNext keeps or refuses each next exactly as the server's safeNext.
func TestBrowserLoginNextStaysHome(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	b := startBrowser(t, app)
	tb := b.newTab("emp-li")
	tb.open("/h5/login?next=%2F%09%2Fevil.example")
	tb.until("the login page", `!!document.querySelector('button[data-user="emp-li"]')`, nil)
	for _, n := range nextCases {
		var got string
		tb.eval(fmt.Sprintf(`BX.safeNext(%s) || '/h5/'`, jsString(n)), &got)
		if want := web.SafeNext(n); got != want {
			t.Errorf("next %q: page %q, server %q", n, got, want)
		}
	}
	tb.click(`button[data-user="emp-li"]`)
	var where string
	tb.until("a page after sign-in", `location.pathname !== '/h5/login' && location.href`, &where)
	if want := app.URL + "/h5/"; where != want {
		t.Fatalf("signed in with next=/%%09/evil.example, landed on %s, want %s", where, want)
	}
}

// TestSessionCookieSecure: the session cookie is Secure whenever
// public_url is https, whatever the scheme's case (issue 15).
func TestSessionCookieSecure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		publicURL string
		secure    bool
	}{
		{"https://bx.example", true},
		{"HTTPS://bx.example", true},
		{"Https://bx.example/", true},
		{"http://bx.example", false},
	} {
		t.Run(tc.publicURL, func(t *testing.T) {
			app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_PUBLIC_URL="+tc.publicURL))
			res, err := http.Post(app.URL+"/auth/sandbox/login", "application/json", strings.NewReader(`{"user":"emp-li"}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			var found bool
			for _, c := range res.Cookies() {
				if c.Name == "baoxiao_session" {
					found = true
					if c.Secure != tc.secure {
						t.Errorf("Secure = %v, want %v", c.Secure, tc.secure)
					}
				}
			}
			if !found {
				t.Fatalf("no session cookie (status %d)", res.StatusCode)
			}
		})
	}
}

package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Every answer carries nosniff and a Referrer-Policy; answers that may hold
// personal data (the API, sign-in, both ERP profiles, exports), errors
// included, are no-store; the H5 pages carry the CSP (issue 15 item 12).
func TestSecurityHeaders(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		app := testkit.App(t, db, testkit.WithoutWorker())
		session := app.Login(t, "fin-chen").Cookie(app.URL, "baoxiao_session")
		if session == nil {
			t.Fatal("no session cookie")
		}
		const big = 2 << 20 // over the 1 MiB body limit: fasthttp refuses it before any middleware
		for _, tc := range []struct {
			name, method, path, body string
			signedIn                 bool
			status                   int
			noStore                  bool
		}{
			{"page", "GET", "/h5/finance", "", false, 200, false},
			{"script", "GET", "/h5/common.js", "", false, 200, false},
			{"stylesheet", "GET", "/h5/style.css", "", false, 200, false},
			{"pages' config", "GET", "/h5/config.json", "", false, 200, false},
			{"health", "GET", "/healthz", "", false, 200, false},
			{"sandbox", "GET", "/sandbox/jweixin.js", "", false, 200, false},
			{"no route", "GET", "/nowhere", "", false, 404, false},
			{"API", "GET", "/api/v1/me", "", true, 200, true},
			{"API list", "GET", "/api/v1/invoices", "", true, 200, true},
			{"API error", "GET", "/api/v1/me", "", false, 401, true},
			{"API not found", "GET", "/api/v1/reports/rpt_nope", "", true, 404, true},
			{"finance export", "GET", "/api/v1/finance/export?from=2026-01-01&to=2026-01-31", "", true, 200, true},
			{"body too large", "POST", "/api/v1/reports", `{"title":"` + strings.Repeat("x", big) + `"}`, true, 413, true},
			{"open API unsigned", "GET", "/open/v1/invoices/inv_nope", "", false, 401, true},
			{"Yuanian profile", "POST", "/openapi/auth/token", `{}`, false, 0, true},
			{"sign-in", "POST", "/auth/logout", `{}`, true, 0, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var body *strings.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				} else {
					body = strings.NewReader("")
				}
				req, err := http.NewRequest(tc.method, app.URL+tc.path, body)
				if err != nil {
					t.Fatal(err)
				}
				if tc.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if tc.signedIn {
					req.AddCookie(session)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_ = res.Body.Close()
				if tc.status != 0 && res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
				}
				if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options = %q", got)
				}
				if got := res.Header.Get("Referrer-Policy"); got != "same-origin" {
					t.Errorf("Referrer-Policy = %q", got)
				}
				if got := res.Header.Get("Cache-Control"); tc.noStore && got != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store", got)
				}
			})
		}

		res, err := http.Get(app.URL + "/h5/approve")
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		origin := app.URL
		want := "default-src 'none'; script-src 'self' " + origin + "/sandbox/jweixin.js; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self' " + origin + "; frame-src 'self' " + origin + "; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
		if got := res.Header.Get("Content-Security-Policy"); got != want {
			t.Errorf("CSP\n got %s\nwant %s", got, want)
		}
		if got := res.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("X-Frame-Options = %q", got)
		}
	})
}

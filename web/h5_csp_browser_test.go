package web_test

import (
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBrowserPagesUnderCSP loads every H5 page as the user who uses it,
// with the sandbox's stand-in jweixin, and checks that the page works with
// no CSP violation (newTab's watch fails the test on any), and that the
// policy is really enforced: a script injected inline or from another
// origin, an inline event handler and a style attribute are refused.
func TestBrowserPagesUnderCSP(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	b := startBrowser(t, app)

	for _, p := range []struct{ user, path, ready string }{
		{"", "/h5/login", `!!document.querySelector('button[data-user]') && !!document.querySelector('#qrl-demo')`},
		{"emp-li", "/h5/", `!!document.querySelector('#invoices .state.empty')`},
		{"mgr-zhao", "/h5/approve", `!!document.querySelector('#who') && document.querySelector('#who').textContent !== ''`},
		{"fin-chen", "/h5/finance", `!!document.querySelector('#who') && document.querySelector('#who').textContent !== ''`},
		{"admin", "/h5/admin", `document.querySelectorAll('#employees-grid tbody tr').length > 0`},
		{"fin-chen", "/h5/pc-import", `!!document.querySelector('#qr-image img') && document.querySelector('#qr-image img').complete`},
		{"emp-li", "/h5/qr-import?t=nope", `document.querySelector('#qr-error').textContent !== ''`},
		{"emp-li", "/h5/qr-login?t=nope", `document.querySelector('#qrl-error').textContent !== ''`},
	} {
		page, _, _ := strings.Cut(strings.TrimPrefix(p.path, "/h5/"), "?")
		if page == "" {
			page = "index"
		}
		t.Run(page, func(t *testing.T) {
			name := p.user
			if name == "" {
				name = "visitor"
			}
			tb := b.newTab(name)
			tb.t = t
			switch home := strings.SplitN(p.path, "?", 2)[0]; {
			case p.user == "":
			case home == "/h5/qr-login": // it sends nobody to the login page
				tb.login(p.user, "/h5/")
			default:
				tb.login(p.user, home)
			}
			tb.open(p.path)
			tb.until("the page", p.ready, nil)
			if p.path == "/h5/login" {
				tb.click("#qrl-demo") // the QR arrives as a data: PNG
				tb.until("the QR image", `!!document.querySelector('#qrl-img') && document.querySelector('#qrl-img').complete`, nil)
			}
			if p.path == "/h5/" {
				// jweixin from the sandbox, its fetches, the picker's iframe
				tb.importFromWallet(1, "")
			}
			var got []string
			tb.eval(`window.__cspViolations`, &got)
			if len(got) > 0 {
				t.Errorf("violations: %q", got)
			}
			checkCSPEnforced(tb)
		})
	}
}

// checkCSPEnforced provokes four violations on the page shown and checks
// each is refused and reported.
func checkCSPEnforced(tb *tab) {
	tb.t.Helper()
	tb.eval(`(() => {
		window.__cspExpected = true;
		window.__cspViolations = [];
		const inline = document.createElement('script');
		inline.textContent = 'window.__inlineRan = true';
		document.body.append(inline);
		const foreign = document.createElement('script');
		foreign.src = 'https://evil.example/x.js';
		document.body.append(foreign);
		const b = document.createElement('button');
		b.setAttribute('onclick', 'window.__handlerRan = true');
		document.body.append(b);
		b.click();
		b.setAttribute('style', 'color: red');
		window.__styled = getComputedStyle(b).color === 'rgb(255, 0, 0)';
		b.remove();
		return 0;
	})()`, nil)
	var got []string
	tb.until("four reported violations", `window.__cspViolations.length >= 4 && window.__cspViolations`, &got)
	var ran []bool
	tb.eval(`[!!window.__inlineRan, !!window.__handlerRan, !!window.__styled]`, &ran)
	tb.eval(`window.__cspExpected = false, window.__cspViolations = [], 0`, nil)
	if len(ran) != 3 || ran[0] || ran[1] || ran[2] {
		tb.t.Errorf("inline script, onclick attribute, style attribute took effect: %v", ran)
	}
	want := []string{"script-src-elem blocked inline", "script-src-elem blocked https://evil.example/x.js", "script-src-attr blocked inline", "style-src-attr blocked inline"}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			tb.t.Errorf("no violation %q in:\n%s", w, joined)
		}
	}
}

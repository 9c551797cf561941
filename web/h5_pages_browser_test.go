package web_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/web"
)

// TestBrowserEnglish: a browser that prefers English gets English labels
// (the pages are Chinese first) and the same working page.
func TestBrowserEnglish(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	b := startBrowserLang(t, app, "en-US")
	tb := b.newTab("emp-li")
	tb.open("/h5/")
	tb.until("the login page", `location.pathname === '/h5/login' && !!document.querySelector('button[data-user]')`, nil)
	var texts []string
	tb.eval(`[document.documentElement.lang, document.querySelector('h2').textContent, document.title]`, &texts)
	if want := []string{"en", "Sign in", "Sign in"}; strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("login page %q, want %q", texts, want)
	}
	tb.click(`button[data-user="emp-li"]`)
	tb.until("the employee page", `location.pathname === '/h5/' && !!document.querySelector('#invoices .state.empty')`, nil)
	tb.eval(`[document.querySelector('#import').textContent, document.querySelector('#invoices .state.empty').textContent, document.getElementById('logout').textContent]`, &texts)
	if want := []string{"Import invoices", "No invoices yet. Tap “Import invoices” to add some from the card wallet.", "Sign out"}; strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("employee page %q, want %q", texts, want)
	}
	tb.screenshot("employee-en")

	// A refused input reads in English too, the code tucked away (issue 19).
	tb.until("the bank form", `document.getElementById('bank-current').textContent !== ''`, nil)
	tb.eval(`(() => { document.getElementById('bank-bank').value = 'CMB'; document.getElementById('bank-number').value = 'abc';
		document.getElementById('bank-name').value = 'Li Na'; document.getElementById('bank-form').requestSubmit(); return 0; })()`, nil)
	var shown string
	tb.until("the refusal", `(() => { const e = document.querySelector('#bank-error .error'); return e && e.innerText; })()`, &shown)
	if want := "Some input is not valid; check it and send again\nDetails"; shown != want {
		t.Errorf("the refusal reads %q, want %q", shown, want)
	}
}

// TestBrowserLiveLogin: in live mode the login page offers OAuth through
// the enabled channels, keeping where to go next.
func TestBrowserLiveLogin(t *testing.T) {
	t.Parallel()
	srv := web.New(web.Deps{
		H5:       web.H5Config{JWeixinURL: "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"},
		Channels: []domain.Channel{domain.ChannelOA, domain.ChannelWork},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = web.Serve(ctx, srv, ln, time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	b := startBrowser(t, &testkit.AppServer{URL: "http://" + ln.Addr().String()})
	tb := b.newTab("visitor")
	tb.open("/h5/login?next=%2Fh5%2Fapprove")
	var links []string
	tb.until("the OAuth links", `(() => { const a = Array.from(document.querySelectorAll('#login-body a.button')).map(a => a.getAttribute('href')); return a.length ? a : null; })()`, &links)
	if want := []string{"/auth/oa/start?next=%2Fh5%2Fapprove", "/auth/work/start?next=%2Fh5%2Fapprove"}; strings.Join(links, " ") != strings.Join(want, " ") {
		t.Errorf("links %q, want %q", links, want)
	}
	var demo bool
	tb.eval(`!!document.querySelector('button[data-user]')`, &demo)
	if demo {
		t.Error("live mode shows the demo users")
	}
	tb.open("/h5/login?next=%2F%2Fevil.example")
	tb.until("the OAuth links", `!!document.querySelector('#login-oa')`, nil)
	var href string
	tb.eval(`document.querySelector('#login-oa').getAttribute('href')`, &href)
	if href != "/auth/oa/start?next=%2Fh5%2F" {
		t.Errorf("next=//evil.example became %q", href)
	}
	tb.screenshot("login-live")
}

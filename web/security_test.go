package web

import (
	"regexp"
	"strings"
	"testing"
)

func TestH5CSP(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  H5Config
		want string
	}{
		{"live: WeChat's jweixin, pinned to its path", H5Config{JWeixinURL: "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"},
			"default-src 'none'; script-src 'self' https://res.wx.qq.com/open/js/jweixin-1.6.0.js; style-src 'self'; img-src 'self' data:; " +
				"connect-src 'self'; frame-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
		{"sandbox elsewhere: its API and picker too", H5Config{JWeixinURL: "http://127.0.0.1:8090/sandbox/jweixin.js?v=2", Sandbox: true},
			"default-src 'none'; script-src 'self' http://127.0.0.1:8090/sandbox/jweixin.js; style-src 'self'; img-src 'self' data:; " +
				"connect-src 'self' http://127.0.0.1:8090; frame-src 'self' http://127.0.0.1:8090; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
		{"a path on our origin", H5Config{JWeixinURL: "/sandbox/jweixin.js", Sandbox: true},
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
				"connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := h5CSP(tc.cfg); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestJWeixinSource(t *testing.T) {
	for _, tc := range []struct{ in, src, origin string }{
		{"https://res.wx.qq.com/open/js/jweixin-1.6.0.js", "https://res.wx.qq.com/open/js/jweixin-1.6.0.js", "https://res.wx.qq.com"},
		{"https://res.wx.qq.com", "https://res.wx.qq.com", "https://res.wx.qq.com"},
		{"https://cdn.example/a;b.js", "https://cdn.example", "https://cdn.example"}, // ';' would end the directive
		{"https://cdn.example/a%3Bb.js", "https://cdn.example/a%3Bb.js", "https://cdn.example"},
		{"/jweixin.js", "", ""},
		{"javascript:alert(1)", "", ""},
		{"", "", ""},
	} {
		src, origin := jweixinSource(tc.in)
		if src != tc.src || origin != tc.origin {
			t.Errorf("jweixinSource(%q) = %q, %q; want %q, %q", tc.in, src, origin, tc.src, tc.origin)
		}
	}
}

// TestH5PagesHaveNothingInline keeps the pages within their CSP: no inline
// script, no event handler attribute, no style attribute.
func TestH5PagesHaveNothingInline(t *testing.T) {
	script := regexp.MustCompile(`(?i)<script\b[^>]*>`)
	attr := regexp.MustCompile(`(?i)<[a-z][^>]*\s(on[a-z]+|style)\s*=`)
	for name, a := range loadH5Assets() {
		if !a.html {
			continue
		}
		html := string(a.body)
		for _, tag := range script.FindAllString(html, -1) {
			if !strings.Contains(tag, " src=") {
				t.Errorf("%s: inline %s", name, tag)
			}
		}
		if m := attr.FindString(html); m != "" {
			t.Errorf("%s: inline attribute in %s", name, m)
		}
	}
}

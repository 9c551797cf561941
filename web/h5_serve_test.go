package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/domain"
)

func TestH5Serving(t *testing.T) {
	app := New(Deps{
		H5:       H5Config{JWeixinURL: "https://res.wx.qq.com/open/js/jweixin-1.6.0.js", Sandbox: true},
		Channels: []domain.Channel{domain.ChannelOA, domain.ChannelWork},
	})
	get := func(t *testing.T, path string, header ...string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = res.Body.Close() })
		return res
	}

	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/h5/", "text/html; charset=utf-8", `src="/h5/employee.js"`},
		{"/h5/approve", "text/html; charset=utf-8", `src="/h5/approve.js"`},
		{"/h5/finance", "text/html; charset=utf-8", `src="/h5/finance.js"`},
		{"/h5/login", "text/html; charset=utf-8", `src="/h5/login.js"`},
		{"/h5/index.html", "text/html; charset=utf-8", `src="/h5/employee.js"`},
		{"/h5/baoxiao-jsapi.js", "text/javascript; charset=utf-8", "BaoxiaoJSAPI"},
		{"/h5/lib/baoxiao-jsapi.js", "text/javascript; charset=utf-8", "chooseInvoices"},
		{"/h5/lib/baoxiao-jsapi.mjs", "text/javascript; charset=utf-8", "export default BaoxiaoJSAPI"},
		{"/h5/common.js", "text/javascript; charset=utf-8", "global.BX"},
		{"/h5/style.css", "text/css; charset=utf-8", ":root"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := get(t, tc.path)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			if got := res.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
			}
			if got := res.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", got)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if again := get(t, tc.path, "If-None-Match", etag); again.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match: status %d, want 304", again.StatusCode)
			}
		})
	}

	t.Run("redirects", func(t *testing.T) {
		for _, p := range []string{"/", "/h5"} {
			res := get(t, p)
			if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/h5/" {
				t.Errorf("GET %s: %d Location %q, want 302 /h5/", p, res.StatusCode, res.Header.Get("Location"))
			}
		}
	})

	t.Run("config", func(t *testing.T) {
		res := get(t, "/h5/config.json")
		var got h5ConfigView
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		want := h5ConfigView{JWeixinURL: "https://res.wx.qq.com/open/js/jweixin-1.6.0.js", Sandbox: true, Channels: []string{"oa", "work"}}
		wantEqual(t, got, want)
		if res.Header.Get("Cache-Control") != "no-cache" {
			t.Error("config.json may be cached")
		}
	})

	t.Run("no channels is an empty list", func(t *testing.T) {
		res, err := New(Deps{}).Test(httptest.NewRequest(http.MethodGet, "/h5/config.json", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(body), `"channels":[]`) || !strings.Contains(string(body), `"sandbox":false`) {
			t.Errorf("config.json = %s", body)
		}
	})

	t.Run("unknown files are not found", func(t *testing.T) {
		for _, p := range []string{"/h5/nope.js", "/h5/../go.mod", "/h5/h5/index.html"} {
			res := get(t, p)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
			}
		}
	})

	t.Run("pages cannot be framed", func(t *testing.T) {
		res := get(t, "/h5/approve")
		if got := res.Header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("CSP = %q", got)
		}
		if got := res.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("X-Frame-Options = %q", got)
		}
	})
}

// TestH5PagesUseOnlyTheirFiles keeps the pages build-free: every script and
// stylesheet they reference is one of the embedded files; links go to the
// pages.
func TestH5PagesUseOnlyTheirFiles(t *testing.T) {
	assets := loadH5Assets()
	for page, file := range h5Pages {
		html := string(assets[file].body)
		if html == "" {
			t.Fatalf("page %q: %s missing", page, file)
		}
		for _, attr := range []string{`src="`, `href="`} {
			for rest := html; ; {
				i := strings.Index(rest, attr)
				if i < 0 {
					break
				}
				rest = rest[i+len(attr):]
				ref := rest[:strings.IndexByte(rest, '"')]
				if ref == "data:," {
					continue
				}
				name, ok := strings.CutPrefix(ref, "/h5/")
				_, found := assets[name]
				if _, page := h5Pages[name]; page && attr == `href="` {
					found = true // a link to another page
				}
				if !ok || !found {
					t.Errorf("%s references %q, not an embedded file", file, ref)
				}
			}
		}
	}
}

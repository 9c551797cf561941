package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestRequireJSON(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	ok := func(c *fiber.Ctx) error { return c.SendStatus(http.StatusNoContent) }
	for _, p := range []string{"/api/v1/x", "/auth/logout", "/open/v1/x", "/wechat/oa/callback", "/authority", "/sandbox/_control/faults"} {
		app.Post(p, ok)
		app.Delete(p, ok)
		app.Get(p, ok)
	}

	cases := []struct {
		name, method, path, contentType, body string
		status                                int
	}{
		{"text/plain to api", "POST", "/api/v1/x", "text/plain", "{}", 415},
		{"form to auth", "POST", "/auth/logout", "application/x-www-form-urlencoded", "a=b", 415},
		{"multipart to open", "POST", "/open/v1/x", "multipart/form-data; boundary=x", "--x--", 415},
		{"json", "POST", "/api/v1/x", "application/json", "{}", 204},
		{"json with charset", "POST", "/api/v1/x", "application/json; charset=utf-8", "{}", 204},
		{"json upper case", "POST", "/api/v1/x", "Application/JSON", "{}", 204},
		{"empty json body", "POST", "/auth/logout", "application/json", "", 204},
		{"empty body, no type", "POST", "/auth/logout", "", "", 415},
		{"delete, no type", "DELETE", "/api/v1/x", "", "", 415},
		{"delete json", "DELETE", "/api/v1/x", "application/json", "", 204},
		{"json-ish type", "POST", "/api/v1/x", "application/jsonp", "{}", 415},
		{"broken type", "POST", "/api/v1/x", "application/json; charset", "{}", 415},
		{"upper-case path still enforced", "POST", "/API/V1/x", "text/plain", "{}", 415},
		{"unknown api path still enforced", "POST", "/api/v1/nope", "text/plain", "{}", 415},
		{"get not enforced", "GET", "/api/v1/x", "text/plain", "", 204},
		{"wechat callback not enforced", "POST", "/wechat/oa/callback", "text/xml", "<xml/>", 204},
		{"prefix needs a boundary", "POST", "/authority", "text/plain", "x", 204},
		{"sandbox not enforced", "POST", "/sandbox/_control/faults", "", "", 204},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, app, tc.method, tc.path, tc.contentType, tc.body)
			wantStatus(t, res, tc.status)
			if tc.status == 415 {
				if got := errorOf(t, res).Code; got != "request.unsupported_media_type" {
					t.Fatalf("code = %q", got)
				}
			}
		})
	}
}

func TestRequireJSONRefusesCompressedBodies(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	app.Post("/api/v1/x", func(c *fiber.Ctx) error { return c.SendStatus(http.StatusNoContent) })
	req := httptest.NewRequest(http.MethodPost, "/api/v1/x", strings.NewReader("not really gzip"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	res := send(t, app, req)
	wantStatus(t, res, http.StatusUnsupportedMediaType)
	if got := errorOf(t, res).Code; got != "request.unsupported_media_type" {
		t.Fatalf("code = %q", got)
	}
}

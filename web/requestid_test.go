package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestRequestID(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	app.Get("/test/id", func(c *fiber.Ctx) error { return c.SendString(RequestID(c.UserContext())) })

	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	cases := []struct {
		name, incoming string
		keep           bool
	}{
		{"none", "", false},
		{"sane", "abc-123_X.y", true},
		{"64 chars", strings.Repeat("a", 64), true},
		{"65 chars", strings.Repeat("a", 65), false},
		{"spaces", "abc def", false},
		{"log forging", "abc\"} level=ERROR", false},
		{"non-ascii", "报销", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/test/id", nil)
			if tc.incoming != "" {
				req.Header.Set(HeaderRequestID, tc.incoming)
			}
			res := send(t, app, req)
			wantStatus(t, res, http.StatusOK)
			got := res.Header.Get(HeaderRequestID)
			if tc.keep && got != tc.incoming {
				t.Fatalf("X-Request-ID = %q, want the incoming %q", got, tc.incoming)
			}
			if !tc.keep && !generated.MatchString(got) {
				t.Fatalf("X-Request-ID = %q, want 32 hex chars", got)
			}
			if ctxID := readAll(t, res); ctxID != got {
				t.Fatalf("RequestID(ctx) = %q, header %q", ctxID, got)
			}
		})
	}
}

func TestRequestIDsDiffer(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	a := do(t, app, http.MethodGet, "/healthz", "", "").Header.Get(HeaderRequestID)
	b := do(t, app, http.MethodGet, "/healthz", "", "").Header.Get(HeaderRequestID)
	if a == b {
		t.Fatalf("two requests share ID %q", a)
	}
}

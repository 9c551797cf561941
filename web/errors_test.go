package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

func TestEverySentinelHasAStatus(t *testing.T) {
	for _, e := range append(domain.AllErrors(), webErrors()...) {
		status, ok := statusByCode[e.Code]
		if !ok {
			t.Errorf("statusByCode lacks %q", e.Code)
		} else if status < 400 {
			t.Errorf("%s maps to %d", e.Code, status)
		}
	}
}

func TestErrorHandlerAnswersEverySentinel(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	var current error
	app.Get("/test/err", func(c *fiber.Ctx) error { return current })

	for _, e := range append(domain.AllErrors(), webErrors()...) {
		t.Run(e.Code, func(t *testing.T) {
			// Wrapped with a cause, as adapters do: the cause must not leak.
			current = fmt.Errorf("insert row: %w: %w", e, errors.New("SQL secret-dsn"))
			res := do(t, app, http.MethodGet, "/test/err", "", "")
			wantStatus(t, res, statusByCode[e.Code])
			got := errorOf(t, res)
			wantEqual(t, got, errorView{Code: e.Code, Message: e.Message})
			if res.Header.Get(HeaderRequestID) == "" {
				t.Error("no X-Request-ID on an error answer")
			}
		})
	}
}

func TestErrorHandlerCases(t *testing.T) {
	app, logs := newTestApp(t, Deps{})
	app.Get("/test/details", func(c *fiber.Ctx) error {
		return domain.ErrInvalidTransition.With(map[string]any{"from": "draft", "action": "approve"})
	})
	app.Get("/test/invalid", func(c *fiber.Ctx) error { return domain.Invalid("title", "required") })
	app.Get("/test/plain", func(c *fiber.Ctx) error { return errors.New("dial tcp 10.0.0.5:3306: password=hunter2") })
	app.Get("/test/deadline", func(c *fiber.Ctx) error { return context.DeadlineExceeded })
	app.Get("/test/fiber400", func(c *fiber.Ctx) error { return fiber.NewError(http.StatusBadRequest, "raw request bytes") })
	app.Get("/test/fiber401", func(c *fiber.Ctx) error { return fiber.ErrUnauthorized })
	app.Get("/test/fiber418", func(c *fiber.Ctx) error { return fiber.ErrTeapot })
	app.Get("/test/fiber503", func(c *fiber.Ctx) error { return fiber.ErrServiceUnavailable })
	app.Get("/test/unmapped", func(c *fiber.Ctx) error { return &domain.Error{Code: "brand.new", Message: "new thing"} })
	app.Post("/test/only-post", func(c *fiber.Ctx) error { return nil })

	cases := []struct {
		name, method, path string
		status             int
		code               string
		details            map[string]any
	}{
		{"details kept", "GET", "/test/details", 409, "report.invalid_transition", map[string]any{"from": "draft", "action": "approve"}},
		{"fields", "GET", "/test/invalid", 400, "request.invalid", map[string]any{"fields": map[string]any{"title": "required"}}},
		{"plain error is internal", "GET", "/test/plain", 500, "internal", nil},
		{"deadline is internal", "GET", "/test/deadline", 500, "internal", nil},
		{"fiber 400", "GET", "/test/fiber400", 400, "request.invalid", nil},
		{"fiber 401", "GET", "/test/fiber401", 401, "auth.required", nil},
		{"other fiber 4xx", "GET", "/test/fiber418", 400, "request.invalid", nil},
		{"other fiber 5xx", "GET", "/test/fiber503", 500, "internal", nil},
		{"unmapped domain code", "GET", "/test/unmapped", 500, "brand.new", nil},
		{"unknown route", "GET", "/nope", 404, "not_found", nil},
		{"unknown api route", "GET", "/api/v1/nope", 404, "not_found", nil},
		{"wrong method", "GET", "/test/only-post", 405, "request.method_not_allowed", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, app, tc.method, tc.path, "", "")
			wantStatus(t, res, tc.status)
			got := errorOf(t, res)
			if got.Code != tc.code {
				t.Errorf("code = %q, want %q", got.Code, tc.code)
			}
			wantEqual(t, got.Details, tc.details)
			for _, secret := range []string{"hunter2", "raw request bytes", "Cannot GET"} {
				if strings.Contains(got.Message, secret) {
					t.Errorf("message %q leaks %q", got.Message, secret)
				}
			}
		})
	}

	// The cause is logged once, with the request ID: error level for 5xx,
	// debug for 4xx.
	var found int
	for _, l := range logs.lines(t) {
		if l["msg"] != "request failed" {
			continue
		}
		if strings.Contains(fmt.Sprint(l["error"]), "hunter2") {
			found++
			if l["level"] != "ERROR" || l["code"] != "internal" || l["request_id"] == nil {
				t.Errorf("5xx log line: %v", l)
			}
		}
		if l["code"] == "not_found" && l["level"] != "DEBUG" {
			t.Errorf("4xx log line: %v", l)
		}
	}
	if found != 1 {
		t.Errorf("the cause was logged %d times, want 1:\n%s", found, logs)
	}
}

func TestErrorBodyOmitsEmptyDetails(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	res := do(t, app, http.MethodGet, "/nope", "", "")
	wantEqual(t, bodyOf(t, res), map[string]any{
		"error": map[string]any{"code": "not_found", "message": domain.ErrNotFound.Message},
	})
}

package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestPanicBecomesInternal(t *testing.T) {
	app, logs := newTestApp(t, Deps{})
	app.Get("/test/panic", func(c *fiber.Ctx) error { panic("boom: secret-token-42") })

	res := do(t, app, http.MethodGet, "/test/panic", "", "")
	wantStatus(t, res, http.StatusInternalServerError)
	got := errorOf(t, res)
	if got.Code != "internal" || strings.Contains(got.Message, "secret-token-42") || got.Details != nil {
		t.Fatalf("panic answer: %+v", got)
	}
	id := res.Header.Get(HeaderRequestID)

	var failed, access bool
	for _, l := range logs.lines(t) {
		if l["request_id"] != id {
			continue
		}
		switch l["msg"] {
		case "request failed":
			failed = true
			msg := fmt.Sprint(l["error"])
			if l["level"] != "ERROR" || !strings.Contains(msg, "boom") || !strings.Contains(msg, "goroutine") {
				t.Errorf("panic log line lacks value or stack: %v", l)
			}
		case "http request":
			access = true
			if l["status"] != float64(500) {
				t.Errorf("access log status = %v", l["status"])
			}
		}
	}
	if !failed || !access {
		t.Fatalf("missing log lines (failed=%v access=%v):\n%s", failed, access, logs)
	}

	// The server keeps serving.
	wantStatus(t, do(t, app, http.MethodGet, "/healthz", "", ""), http.StatusOK)
}

func TestDeadline(t *testing.T) {
	app, _ := newTestApp(t, Deps{RequestTimeout: 50 * time.Millisecond})
	var kept context.Context
	app.Get("/test/deadline", func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		kept = ctx
		dl, ok := ctx.Deadline()
		if !ok || time.Until(dl) > 50*time.Millisecond {
			return fmt.Errorf("deadline %v %v", dl, ok)
		}
		if RequestID(ctx) == "" {
			return fmt.Errorf("request ID lost under the deadline")
		}
		<-ctx.Done() // a slow DB call would give up here
		return ctx.Err()
	})
	app.Get("/test/quick", func(c *fiber.Ctx) error {
		kept = c.UserContext()
		return c.SendStatus(http.StatusNoContent)
	})

	start := time.Now()
	res := do(t, app, http.MethodGet, "/test/deadline", "", "")
	wantStatus(t, res, http.StatusInternalServerError)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("deadline not applied: took %v", d)
	}

	wantStatus(t, do(t, app, http.MethodGet, "/test/quick", "", ""), http.StatusNoContent)
	if kept.Err() == nil {
		t.Fatal("the handler's context is still live after it returned")
	}
}

func TestDefaultDeadline(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	app.Get("/test/deadline", func(c *fiber.Ctx) error {
		dl, ok := c.UserContext().Deadline()
		if !ok || time.Until(dl) > DefaultRequestTimeout || time.Until(dl) < DefaultRequestTimeout-5*time.Second {
			return fmt.Errorf("deadline %v %v", dl, ok)
		}
		return c.SendStatus(http.StatusNoContent)
	})
	wantStatus(t, do(t, app, http.MethodGet, "/test/deadline", "", ""), http.StatusNoContent)
}

package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// readiness is a stand-in for the store's readiness check.
type readiness struct {
	err      error
	deadline time.Duration // remaining time seen by Ready
}

func (r *readiness) Ready(ctx context.Context) error {
	if dl, ok := ctx.Deadline(); ok {
		r.deadline = time.Until(dl)
	}
	return r.err
}

func TestHealthz(t *testing.T) {
	app, _ := newTestApp(t, Deps{Version: "1.2.3", Ready: &readiness{err: errors.New("db down")}})
	res := do(t, app, http.MethodGet, "/healthz", "", "")
	wantStatus(t, res, http.StatusOK)
	wantEqual(t, bodyOf(t, res), map[string]any{"status": "ok", "version": "1.2.3"})
}

func TestReadyz(t *testing.T) {
	t.Run("ready", func(t *testing.T) {
		r := &readiness{}
		app, _ := newTestApp(t, Deps{Ready: r})
		res := do(t, app, http.MethodGet, "/readyz", "", "")
		wantStatus(t, res, http.StatusOK)
		wantEqual(t, bodyOf(t, res), map[string]any{"status": "ready"})
		if r.deadline <= 0 || r.deadline > readyTimeout {
			t.Fatalf("Ready got %v to answer, want at most %v", r.deadline, readyTimeout)
		}
	})

	t.Run("not ready", func(t *testing.T) {
		app, logs := newTestApp(t, Deps{Ready: &readiness{err: errors.New("dial tcp 10.1.2.3:3306: connection refused")}})
		res := do(t, app, http.MethodGet, "/readyz", "", "")
		wantStatus(t, res, http.StatusServiceUnavailable)
		got := errorOf(t, res)
		if got.Code != "not_ready" || strings.Contains(got.Message, "10.1.2.3") {
			t.Fatalf("answer: %+v", got)
		}
		if !strings.Contains(logs.String(), "connection refused") {
			t.Fatalf("cause not logged:\n%s", logs)
		}
	})

	t.Run("nothing to wait for", func(t *testing.T) {
		app, _ := newTestApp(t, Deps{})
		wantStatus(t, do(t, app, http.MethodGet, "/readyz", "", ""), http.StatusOK)
	})
}

package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestAccessLog(t *testing.T) {
	app, logs := newTestApp(t, Deps{})
	app.Get("/test/items/:id", func(c *fiber.Ctx) error { return c.SendString("hello") })

	res := do(t, app, http.MethodGet, "/test/items/42?code=OAUTH-CODE-SECRET&access_token=TOKEN-SECRET", "", "")
	wantStatus(t, res, http.StatusOK)
	id := res.Header.Get(HeaderRequestID)
	res404 := do(t, app, http.MethodGet, "/nope?code=OAUTH-CODE-SECRET", "", "")
	wantStatus(t, res404, http.StatusNotFound)

	for _, secret := range []string{"OAUTH-CODE-SECRET", "TOKEN-SECRET", "code="} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("log contains the query string (%s):\n%s", secret, logs)
		}
	}

	var lines []map[string]any
	for _, l := range logs.lines(t) {
		if l["msg"] == "http request" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("want 2 access log lines, got:\n%s", logs)
	}
	l := lines[0]
	want := map[string]any{
		"level": "INFO", "request_id": id, "method": "GET", "route": "/test/items/:id",
		"path": "/test/items/42", "status": float64(200), "bytes": float64(5),
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
		}
	}
	if _, ok := l["latency"]; !ok {
		t.Errorf("no latency: %v", l)
	}
	if l := lines[1]; l["route"] != "" || l["status"] != float64(404) || l["path"] != "/nope" {
		t.Errorf("404 line: %v", l)
	}
}

func TestAccessLogProbesAreQuiet(t *testing.T) {
	app, logs := newTestApp(t, Deps{})
	wantStatus(t, do(t, app, http.MethodGet, "/healthz", "", ""), http.StatusOK)
	for _, l := range logs.lines(t) {
		if l["msg"] == "http request" && l["level"] != "DEBUG" {
			t.Fatalf("probe logged at %v", l["level"])
		}
	}
}

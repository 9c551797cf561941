package web

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// listen serves app with Serve on 127.0.0.1:0 until the test ends. fasthttp
// enforces the body limit while reading, before any handler, so app.Test
// alone would not show what a real client gets.
func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, app, ln, 5*time.Second) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func TestBodyLimitOverRealListener(t *testing.T) {
	app, logs := newTestApp(t, Deps{})
	var handled atomic.Int64
	app.Post("/api/v1/upload", func(c *fiber.Ctx) error {
		handled.Store(int64(len(c.Body())))
		return c.SendStatus(http.StatusNoContent)
	})
	base := listen(t, app)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	post := func(t *testing.T, body io.Reader) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/upload", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("the client got no answer: %v", err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	tooLarge := func(t *testing.T, res *http.Response) {
		t.Helper()
		wantStatus(t, res, http.StatusRequestEntityTooLarge)
		if got := errorOf(t, res); got.Code != "request.too_large" {
			t.Fatalf("code = %q", got.Code)
		}
		if res.Header.Get(HeaderRequestID) == "" {
			t.Fatal("no X-Request-ID on the 413")
		}
	}

	t.Run("at the limit", func(t *testing.T) {
		res := post(t, bytes.NewReader(bytes.Repeat([]byte(" "), BodyLimit)))
		wantStatus(t, res, http.StatusNoContent)
		if n := handled.Load(); n != BodyLimit {
			t.Fatalf("handler saw %d bytes", n)
		}
	})
	t.Run("one byte over, with Content-Length", func(t *testing.T) {
		tooLarge(t, post(t, bytes.NewReader(bytes.Repeat([]byte(" "), BodyLimit+1))))
	})
	t.Run("chunked, no Content-Length", func(t *testing.T) {
		// Hiding the length forces chunked encoding: the limit trips mid-body.
		body := io.MultiReader(strings.NewReader(strings.Repeat(" ", 2*BodyLimit)))
		tooLarge(t, post(t, body))
	})
	t.Run("raw connection", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", 100*BodyLimit)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		tooLarge(t, res)
	})

	if !strings.Contains(logs.String(), `"code":"request.too_large"`) {
		t.Errorf("the 413 was not logged:\n%s", logs)
	}
}

func TestServeStopsWhenCancelledBeforeStart(t *testing.T) {
	app, _ := newTestApp(t, Deps{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, app, ln, 5*time.Second) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

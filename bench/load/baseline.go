package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/web"
)

const epBare = "GET /bare (Fiber, no middleware)"

// bareServer serves, on loopback, a Fiber handler that answers the same
// JSON as jsapi/config with nothing around it: the floor the product's
// own overhead (session, origin check, ticket, signature) is measured
// against. It runs in this process; the product runs in its own, so the
// comparison favours the baseline slightly (no context switch between
// processes), which only makes the ratio conservative.
func bareServer(ctx context.Context, sample map[string]any) (string, func(), error) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/bare", func(c *fiber.Ctx) error { return c.JSON(sample) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = web.Serve(ctx, app, ln, time.Second)
	}()
	return "http://" + ln.Addr().String(), func() { cancel(); <-done }, nil
}

// jsapiSample is one jsapi/config answer: the bare handler sends its twin.
func jsapiSample(ctx context.Context, p *person, page string) (map[string]any, error) {
	var m map[string]any
	err := p.do(ctx, "", http.MethodGet, "/api/v1/jsapi/config?url="+url.QueryEscape(page), nil, &m)
	return m, err
}

// hammer runs n workers calling fn back to back for d and returns how
// long they ran.
func hammer(ctx context.Context, d time.Duration, n int, fn func(ctx context.Context, worker int)) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	began := time.Now()
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				fn(context.WithoutCancel(ctx), w)
			}
		})
	}
	wg.Wait()
	return time.Since(began)
}

// baseline measures jsapi/config alone and the bare handler alone, each
// for d at the same concurrency, one after the other.
func baseline(ctx context.Context, d time.Duration, emps []*person, tr http.RoundTripper, page string) (jsapi, bare endpointStats, err error) {
	sample, err := jsapiSample(ctx, emps[0], page)
	if err != nil {
		return jsapi, bare, err
	}
	bareURL, stop, err := bareServer(ctx, sample)
	if err != nil {
		return jsapi, bare, err
	}
	defer stop()

	rec := newRecorder()
	clients := make([]*client, len(emps))
	for i, p := range emps {
		c := *p.client
		c.rec = rec
		clients[i] = &c
	}
	path := "/api/v1/jsapi/config?url=" + url.QueryEscape(page)
	took := hammer(ctx, d, len(emps), func(ctx context.Context, w int) {
		_ = clients[w].do(ctx, epJSAPI, http.MethodGet, path, nil, nil)
	})
	jsapi = rec.stats(epJSAPI, took)

	plain := newClient(bareURL, tr, rec)
	took = hammer(ctx, d, len(emps), func(ctx context.Context, _ int) {
		_ = plain.do(ctx, epBare, http.MethodGet, "/bare", nil, nil)
	})
	bare = rec.stats(epBare, took)
	return jsapi, bare, nil
}

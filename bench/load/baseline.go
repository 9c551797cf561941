package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/web"
)

const epBare = "GET /bare (Fiber, no middleware)"

// The bare server runs in a child process of this program (a re-run of
// its own executable with these variables), so it is placed as the
// product is: a process of its own beside the generator. In one process
// with the generator it would skip the cross-process scheduling the
// product pays for, and the ratio would flatter the baseline.
const (
	bareAddrEnv = "LOADBENCH_BARE_ADDR"
	bareBodyEnv = "LOADBENCH_BARE_BODY"
)

// serveBareChild serves the bare handler when this process is the child
// bareServer started, until it is interrupted; it reports whether it was.
func serveBareChild() bool {
	addr := os.Getenv(bareAddrEnv)
	if addr == "" {
		return false
	}
	var sample map[string]any
	if err := json.Unmarshal([]byte(os.Getenv(bareBodyEnv)), &sample); err != nil {
		log.Fatalf("bare server: %v", err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/bare", func(c *fiber.Ctx) error { return c.JSON(sample) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("bare server: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// A slow shutdown (a client still connected) is not worth a word.
	_ = web.Serve(ctx, app, ln, time.Second)
	return true
}

// bareServer starts the child serving, on loopback, a Fiber handler that
// answers the same JSON as jsapi/config with nothing around it: the floor
// the product's own work (session, origin check, ticket, signature,
// middleware) is measured against.
func bareServer(ctx context.Context, sample map[string]any) (string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	body, err := json.Marshal(sample)
	if err != nil {
		return "", nil, err
	}
	addr, err := cluster.FreeAddr()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), bareAddrEnv+"="+addr, bareBodyEnv+"="+string(body))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; {
		if res, err := http.Get(base + "/bare"); err == nil {
			res.Body.Close()
			return base, stop, nil
		}
		select {
		case <-done:
			return "", nil, errors.New("the bare server exited")
		case <-ctx.Done():
			stop()
			return "", nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, errors.New("the bare server did not answer within 10s")
		}
	}
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

// baselineRounds: jsapi/config and the bare handler take turns, so a
// burst of other work on a shared machine hits both alike.
const baselineRounds = 5

// baseline measures jsapi/config alone and the bare handler alone, each
// for d in all at the same concurrency, in alternating slices.
func baseline(ctx context.Context, d time.Duration, emps []*person, tr *http.Transport, page string) (jsapi, bare endpointStats, err error) {
	sample, err := jsapiSample(ctx, emps[0], page)
	if err != nil {
		return jsapi, bare, err
	}
	bareURL, stop, err := bareServer(ctx, sample)
	if err != nil {
		return jsapi, bare, err
	}
	defer stop()
	defer tr.CloseIdleConnections() // so the bare server stops at once

	rec := newRecorder()
	clients := make([]*client, len(emps))
	for i, p := range emps {
		c := *p.client
		c.rec = rec
		clients[i] = &c
	}
	plain := newClient(bareURL, tr, rec)
	path := "/api/v1/jsapi/config?url=" + url.QueryEscape(page)
	slice := d / baselineRounds
	var jsapiTook, bareTook time.Duration
	for range baselineRounds {
		jsapiTook += hammer(ctx, slice, len(emps), func(ctx context.Context, w int) {
			_ = clients[w].do(ctx, epJSAPI, http.MethodGet, path, nil, nil)
		})
		bareTook += hammer(ctx, slice, len(emps), func(ctx context.Context, _ int) {
			_ = plain.do(ctx, epBare, http.MethodGet, "/bare", nil, nil)
		})
	}
	return rec.stats(epJSAPI, jsapiTook), rec.stats(epBare, bareTook), nil
}

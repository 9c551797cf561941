package testkit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
)

// Gate is an http.RoundTripper for baoxiao's WeChat client that can stop
// a call at a chosen point, so a test forces one interleaving of writers
// instead of hoping for it. A stop matches a call by path and body text
// and holds it either before WeChat sees it (Before) or after WeChat
// applied it and before the caller sees the answer (After). A held call
// may be let go, or killed: the calling goroutine ends right there, as if
// its process died (runtime.Goexit), and the caller never learns the
// outcome.
type Gate struct {
	next http.RoundTripper

	mu    sync.Mutex
	stops []*Stop
	calls []string // every call's path and body, in the order sent
}

// Calls answers every call sent through the gate so far ("path body").
func (g *Gate) Calls() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

// NewGate wraps http.DefaultTransport.
func NewGate() *Gate { return &Gate{next: http.DefaultTransport} }

// Client is an http.Client through the gate.
func (g *Gate) Client() *http.Client { return &http.Client{Transport: g} }

// Phase is where a stop holds a call.
type Phase int

// The phases.
const (
	Before Phase = iota // WeChat has not seen the call
	After               // WeChat applied it; the answer is held
)

// Stop holds the next call that matches it (once).
type Stop struct {
	path  string
	body  []string
	phase Phase

	arrived chan struct{}
	release chan bool // true: go on; false: kill
	done    chan struct{}
}

// StopAt holds the next call whose path contains path and whose body
// contains every one of body, at phase.
func (g *Gate) StopAt(phase Phase, path string, body ...string) *Stop {
	s := &Stop{path: path, body: body, phase: phase, arrived: make(chan struct{}), release: make(chan bool, 1), done: make(chan struct{})}
	g.mu.Lock()
	g.stops = append(g.stops, s)
	g.mu.Unlock()
	return s
}

// Arrived is closed once a call is held at the stop.
func (s *Stop) Arrived() <-chan struct{} { return s.arrived }

// Wait blocks until a call is held, or ctx ends.
func (s *Stop) Wait(ctx context.Context) bool {
	select {
	case <-s.arrived:
		return true
	case <-ctx.Done():
		return false
	}
}

// Release lets the held call go on.
func (s *Stop) Release() { s.release <- true }

// Kill ends the held call's goroutine where it stands.
func (s *Stop) Kill() {
	s.release <- false
	<-s.done
}

func (g *Gate) take(path string, body []byte) *Stop {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, s := range g.stops {
		if !strings.Contains(path, s.path) {
			continue
		}
		match := true
		for _, b := range s.body {
			match = match && bytes.Contains(body, []byte(b))
		}
		if match {
			g.stops = append(g.stops[:i], g.stops[i+1:]...)
			return s
		}
	}
	return nil
}

// RoundTrip sends req, holding it where a stop says.
func (g *Gate) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	g.mu.Lock()
	g.calls = append(g.calls, req.URL.Path+" "+string(body))
	g.mu.Unlock()
	s := g.take(req.URL.Path, body)
	if s != nil && s.phase == Before {
		s.hold()
	}
	res, err := g.next.RoundTrip(req)
	g.mu.Lock()
	g.calls = append(g.calls, "answered "+req.URL.Path+" "+string(body))
	g.mu.Unlock()
	if s != nil && s.phase == After {
		if err == nil {
			// Read the answer now: WeChat has applied the call.
			b, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(b))
		}
		s.hold()
	}
	return res, err
}

func (s *Stop) hold() {
	close(s.arrived)
	if !<-s.release {
		close(s.done)
		runtime.Goexit()
	}
	close(s.done)
}

// Clear drops the stops no call has reached.
func (g *Gate) Clear() {
	g.mu.Lock()
	g.stops = nil
	g.mu.Unlock()
}

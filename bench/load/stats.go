package main

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// The endpoints the load drives, in the order the table lists them.
const (
	epJSAPI   = "GET /api/v1/jsapi/config"
	epImport  = "POST /api/v1/invoices/import"
	epCreate  = "POST /api/v1/reports"
	epSubmit  = "POST /api/v1/reports/{id}/submit"
	epApprove = "POST /api/v1/reports/{id}/approve"
	epListInv = "GET /api/v1/invoices"
	epListRep = "GET /api/v1/reports"
	// A 200 import that refused some invoices: a failure of the flow.
	epRefused = "POST /api/v1/invoices/import (refused items)"
	// Setup, not the product: the sandbox puts an invoice in a wallet.
	epWallet = "POST /sandbox/_control/invoices (setup)"
)

var productEndpoints = []string{epJSAPI, epImport, epCreate, epSubmit, epApprove, epListInv, epListRep}

// recorder keeps every request's latency per endpoint and counts failures
// by "status code" (e.g. "409 invoice.in_report"). One mutex is plenty at
// a few thousand requests a second.
type recorder struct {
	mu   sync.Mutex
	lat  map[string][]time.Duration
	errs map[string]map[string]int
}

func newRecorder() *recorder {
	return &recorder{lat: map[string][]time.Duration{}, errs: map[string]map[string]int{}}
}

func (r *recorder) ok(ep string, d time.Duration) {
	r.mu.Lock()
	r.lat[ep] = append(r.lat[ep], d)
	r.mu.Unlock()
}

// fail records a failed request; failures count as requests but their
// latency stays out of the percentiles (a refused request is fast).
func (r *recorder) fail(ep, reason string) {
	r.mu.Lock()
	if r.errs[ep] == nil {
		r.errs[ep] = map[string]int{}
	}
	r.errs[ep][reason]++
	r.mu.Unlock()
}

// endpointStats is one row of the table.
type endpointStats struct {
	Name          string
	Requests      int
	Errors        int
	ErrorCodes    map[string]int
	PerSecond     float64
	P50, P95, P99 time.Duration
}

func (r *recorder) stats(ep string, elapsed time.Duration) endpointStats {
	r.mu.Lock()
	lat := slices.Clone(r.lat[ep])
	codes := map[string]int{}
	n := 0
	for k, v := range r.errs[ep] {
		codes[k] = v
		n += v
	}
	r.mu.Unlock()
	slices.Sort(lat)
	s := endpointStats{Name: ep, Requests: len(lat) + n, Errors: n, ErrorCodes: codes,
		P50: percentile(lat, .50), P95: percentile(lat, .95), P99: percentile(lat, .99)}
	if elapsed > 0 {
		s.PerSecond = float64(s.Requests) / elapsed.Seconds()
	}
	return s
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

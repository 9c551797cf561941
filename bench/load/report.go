package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// maxErrorRate is the share of failed product requests a run may have
// before it counts as failed.
const maxErrorRate = 0.01

// errorRate is failed ÷ all product requests (setup calls excluded).
func (r report) errorRate() float64 {
	var n, bad int
	for _, s := range r.Rows {
		if s.Name != epRefused {
			n += s.Requests
		}
		bad += s.Errors
	}
	if n == 0 {
		return 1 // nothing ran: that is a failure too
	}
	return float64(bad) / float64(n)
}

// problems lists why the run failed; empty means it passed.
func (r report) problems() []string {
	var out []string
	if rate := r.errorRate(); rate > maxErrorRate {
		out = append(out, fmt.Sprintf("error rate %.2f%% is over %.0f%%", rate*100, maxErrorRate*100))
	}
	if r.Check.OutboxFailed > 0 {
		out = append(out, fmt.Sprintf("%d outbox rows failed", r.Check.OutboxFailed))
	}
	if n := len(r.Check.Wrong); n > 0 {
		out = append(out, fmt.Sprintf("%d invoices have the wrong WeChat status, e.g. %s", n, r.Check.Wrong[0]))
	}
	if r.Check.Approved == 0 {
		out = append(out, "no report was approved")
	}
	return out
}

// ratio is jsapi/config's throughput over the bare handler's.
func (r report) ratio() float64 {
	if r.Bare.PerSecond == 0 {
		return 0
	}
	return r.JSAPIOnly.PerSecond / r.Bare.PerSecond
}

func (r report) print(w io.Writer) {
	o := r.Opts
	fmt.Fprintf(w, "\n## baoxiao load: %s, %d employees + %d approvers, %s (%d invoices per report)\n\n",
		o.DB, o.Concurrency, o.Approvers, r.Elapsed.Round(100*time.Millisecond), o.PerReport)
	fmt.Fprintf(w, "machine: %d CPUs, %s, DB %s; `baoxiao serve` (sandbox mode), the generator and the bare server: three processes on loopback\n\n",
		r.CPUs, r.GoVersion, o.DB)
	fmt.Fprintln(w, "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range append(slices.Clone(r.Rows), r.Setup) {
		fmt.Fprintf(w, "| %s | %d | %d | %.1f | %s | %s | %s |\n", s.Name, s.Requests, s.Errors, s.PerSecond, ms(s.P50), ms(s.P95), ms(s.P99))
	}
	fmt.Fprintf(w, "\nerror rate %.3f%% (limit %.0f%%)\n", r.errorRate()*100, maxErrorRate*100)
	for _, s := range append(slices.Clone(r.Rows), r.Setup, r.JSAPIOnly, r.Bare) {
		for _, code := range slices.Sorted(maps.Keys(s.ErrorCodes)) {
			fmt.Fprintf(w, "- %s: %d × %s\n", s.Name, s.ErrorCodes[code], code)
		}
	}

	fmt.Fprintf(w, "\n### baseline: %d workers, %s each, in %d alternating slices\n\n", o.Concurrency, o.Baseline, baselineRounds)
	fmt.Fprintln(w, "| handler | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range []endpointStats{r.JSAPIOnly, r.Bare} {
		fmt.Fprintf(w, "| %s | %d | %d | %.1f | %s | %s | %s |\n", s.Name, s.Requests, s.Errors, s.PerSecond, ms(s.P50), ms(s.P95), ms(s.P99))
	}
	fmt.Fprintf(w, "\njsapi/config ÷ bare Fiber throughput: %.2f\n", r.ratio())

	c := r.Check
	fmt.Fprintf(w, "\nfinal check: %d reports submitted, %d approved; outbox drained %s after the load, %d failed rows; "+
		"%d invoices read in the sandbox, %d with the wrong status\n",
		c.Submitted, c.Approved, c.Drained.Round(time.Millisecond), c.OutboxFailed, c.Invoices, len(c.Wrong))
	for _, s := range c.Wrong[:min(5, len(c.Wrong))] {
		fmt.Fprintf(w, "- %s\n", s)
	}
	if n := len(r.ServerErr); n > 0 {
		fmt.Fprintf(w, "\nthe server logged %d errors, first: %s\n", n, strings.TrimSpace(r.ServerErr[0]))
	}
	if p := r.problems(); len(p) > 0 {
		fmt.Fprintf(w, "\nFAILED: %s\n", strings.Join(p, "; "))
	} else {
		fmt.Fprintln(w, "\nPASSED")
	}
}

package main

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"time"
)

func printHeader(w io.Writer, p profile, e env) {
	cache := "memory caches"
	if e.redisURL != "" {
		cache = "Redis"
	}
	fmt.Fprintf(w, "\n## Reliability (%s profile): %d `serve` processes on %s + %s, standalone sandbox; %d CPUs, %s\n",
		p.name, p.instances, e.db, cache, runtime.NumCPU(), runtime.Version())
}

func table(w io.Writer, title string) func(k string, v any) {
	fmt.Fprintf(w, "\n### %s\n\n| measure | value |\n|---|---|\n", title)
	return func(k string, v any) { fmt.Fprintf(w, "| %s | %v |\n", k, v) }
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func latencies(ds []time.Duration) string {
	return fmt.Sprintf("p50 %s, p95 %s, p99 %s", ms(percentile(ds, 0.50)), ms(percentile(ds, 0.95)), ms(percentile(ds, 0.99)))
}

func printRaces(w io.Writer, r *raceResult) {
	row := table(w, "Races")
	row(fmt.Sprintf("%d employees import one paper at once: imported / refused", r.importers),
		fmt.Sprintf("%d / %v", r.imported, sortedCounts(r.importRefusals)))
	row("import latency under the race", latencies(r.importLatency))
	row(fmt.Sprintf("%d reports, approve + withdraw sent together (%d requests)", r.pairs, 2*r.pairs),
		fmt.Sprintf("%d approved, %d withdrawn; both won %d, neither %d", r.approved, r.withdrawn, r.bothWon, r.noneWon))
	row("losers refused with", sortedCounts(r.decisionRefusals))
	row("invoices whose WeChat state disagrees with the report", r.inconsistent)
	row("decision latency under the race", latencies(r.decisionLatency))
}

func printFault(w io.Writer, p profile, r *faultResult) {
	row := table(w, fmt.Sprintf("Faults: %.0f %% of WeChat calls fail (-1/72036), +%s each, tokens expired mid-run, one instance killed with SIGKILL",
		p.errorRate*100, p.latency))
	row("reports approved / withdrawn", fmt.Sprintf("%d / %d", r.approved, r.withdrawn))
	row("invoices CLOSURE (approved) / INIT (withdrawn)", fmt.Sprintf("%d / %d", r.closure, r.init))
	row("invoices lost (still LOCK) / in a wrong state", fmt.Sprintf("%d / %d", r.lost, r.wrong))
	row("outbox rows failed", r.outboxFailed)
	row("WeChat calls / failed on purpose", fmt.Sprintf("%d / %d", r.calls, r.faulted))
	row("stable_token fetches", r.tokenFetches)
	row("killed instance held a lease / rows pending then", fmt.Sprintf("%v / %d", r.killedHeldLease, r.pendingAtKill))
	row("decisions took", r.decide.Round(time.Millisecond))
	row("outbox drained after the last decision in (lease 30 s)", r.drain.Round(time.Millisecond))
	row("fault run in all", r.elapsed.Round(time.Millisecond))
	names, n := r.retries.sorted()
	for _, k := range names {
		row("client retries: "+k, n[k])
	}
}

func sortedCounts(m map[string]int) string {
	s := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%s ×%d", k, m[k])
	}
	if s == "" {
		return "none"
	}
	return s
}

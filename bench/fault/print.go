package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

func printResult(w io.Writer, r *result) {
	p := r.profile
	cache := "memory caches"
	if r.redis {
		cache = "Redis"
	}
	fmt.Fprintf(w, "\n### Fault run (%s): %d instances on %s + %s, %d CPUs, %s\n\n", p.name, p.instances, r.db, cache, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(w, "Faults: %.0f %% of WeChat calls answer -1/72036, +%s each, every token expired a third of the way through the decisions, one instance killed with SIGKILL.\n\n", p.errorRate*100, p.latency)
	fmt.Fprintln(w, "| measure | value |")
	fmt.Fprintln(w, "|---|---|")
	row := func(k string, v any) { fmt.Fprintf(w, "| %s | %v |\n", k, v) }
	row("reports approved / withdrawn", fmt.Sprintf("%d / %d", r.approved, r.withdrawn))
	row("invoices CLOSURE (approved) / INIT (withdrawn)", fmt.Sprintf("%d / %d", r.closure, r.init))
	row("invoices lost (still LOCK) / in a wrong state", fmt.Sprintf("%d / %d", r.lost, r.wrong))
	row("outbox rows failed", r.outboxFailed)
	row("WeChat calls / failed on purpose", fmt.Sprintf("%d / %d", r.calls, r.faulted))
	row("stable_token fetches", r.tokenFetches)
	row("killed instance held a lease / rows pending then", fmt.Sprintf("%v / %d", r.killedHeldLease, r.pendingAtKill))
	row("decisions took", r.decide.Round(time.Millisecond))
	row("outbox drained after the last decision in", r.drain.Round(time.Millisecond))
	row("whole run", r.elapsed.Round(time.Millisecond))
	names, n := r.retries.sorted()
	for _, k := range names {
		row("client retries: "+k, n[k])
	}
}

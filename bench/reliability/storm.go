package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// stormResult is what the withdraw→resubmit storm measured.
type stormResult struct {
	reports, pairs int
	wrong          int // invoices not LOCK in WeChat once quiet: must be 0
	latency        []time.Duration
	busy           int // answers 503 while another writer held an invoice
	wall           time.Duration
}

// runStorm has every employee withdraw and resubmit their report over and
// over, each request to a random instance, while every instance's worker
// delivers the unlocks: the stale-unlock race of issue 14, hundreds of
// times. Once quiet, every invoice must be LOCK in WeChat.
func runStorm(ctx context.Context, c *cluster.Cluster, p profile, logf func(string, ...any)) (*stormResult, error) {
	res := &stormResult{reports: p.stormReports, pairs: p.stormReports * p.stormPairs}
	retries := newCounters()
	users, err := addEmployees(ctx, c, "storm-emp-", p.stormReports, retries)
	if err != nil {
		return nil, err
	}
	reports := make([]*report, len(users))
	for i, u := range users {
		r := &report{owner: u}
		if r.invoices, err = fillWallet(ctx, c, u.openid, 2, nil); err != nil {
			return nil, err
		}
		if err := submitOne(ctx, u, r); err != nil {
			return nil, err
		}
		reports[i] = r
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	t0 := time.Now()
	for _, r := range reports {
		wg.Go(func() {
			u := r.owner
			for range p.stormPairs {
				for _, action := range []string{"withdraw", "submit"} {
					u.home.Store(int32(rand.IntN(len(u.urls)))) // any instance
					start := time.Now()
					err := u.do(ctx, action, http.MethodPost, "/api/v1/reports/"+r.id+"/"+action, nil, nil)
					mu.Lock()
					res.latency = append(res.latency, time.Since(start))
					if err != nil {
						errs = append(errs, fmt.Errorf("%s %s: %w", action, r.id, err))
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}
		})
	}
	wg.Wait()
	res.wall = time.Since(t0)
	_, counts := retries.sorted()
	res.busy = counts["submit (wechat.unavailable)"] + counts["withdraw (wechat.unavailable)"]
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	if err := waitDrained(ctx, c); err != nil {
		return res, err
	}
	for _, r := range reports {
		for _, it := range r.invoices {
			var st struct {
				ReimburseStatus string `json:"reimburse_status"`
			}
			if err := cluster.GetJSON(ctx, invoiceURL(c.SandboxURL, it), &st); err != nil {
				return res, err
			}
			if st.ReimburseStatus != "INVOICE_REIMBURSE_LOCK" {
				res.wrong++
			}
		}
	}
	logf("storm: %d reports, %d withdraw→resubmit pairs, %d invoices in the wrong state", res.reports, res.pairs, res.wrong)
	if res.wrong > 0 {
		return res, fmt.Errorf("%d invoices of submitted reports are not LOCK in WeChat", res.wrong)
	}
	return res, nil
}

func printStorm(w io.Writer, r *stormResult) {
	row := table(w, "Withdraw → resubmit storm, every request to a random instance")
	row("reports × pairs", fmt.Sprintf("%d × %d = %d pairs (%d requests) in %s", r.reports, r.pairs/max(r.reports, 1), r.pairs, 2*r.pairs, r.wall.Round(time.Millisecond)))
	row("answers 503 while another writer held the invoice (retried)", r.busy)
	row("invoices not LOCK in WeChat once quiet", r.wrong)
	row("withdraw/submit latency", latencies(r.latency))
}

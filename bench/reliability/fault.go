package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// report is one expense report of the run and what became of it.
type report struct {
	id       string
	owner    *user
	approve  bool // else withdraw
	invoices []walletItem
	status   string
	sync     string
}

type walletItem struct {
	CardID      string `json:"card_id"`
	EncryptCode string `json:"encrypt_code"`
}

// faultResult is what a fault run measured.
type faultResult struct {
	approved, withdrawn        int
	closure, init, lost, wrong int // invoices: reached CLOSURE, INIT; lost (still LOCK); in a wrong state
	retries                    *counters
	calls, faulted             int // WeChat calls the sandbox received, and those it failed on purpose
	tokenFetches               int
	killedPID                  int
	killedHeldLease            bool
	pendingAtKill              int
	decide, drain              time.Duration
	outboxFailed               int
	elapsed                    time.Duration
}

// runFault drives the workflow under faults on c, kills an instance
// while the outbox works, and checks every invoice's final state in
// WeChat.
func runFault(ctx context.Context, c *cluster.Cluster, p profile, logf func(string, ...any)) (*faultResult, error) {
	began := time.Now()
	res := &faultResult{retries: newCounters()}
	if err := cluster.Delete(ctx, c.SandboxURL+"/_control/calls"); err != nil {
		return nil, err
	}
	mgr, err := signIn(ctx, c, "mgr-zhao", cluster.DemoOpenID("mgr-zhao"), 0, res.retries)
	if err != nil {
		return nil, err
	}
	users, err := addEmployees(ctx, c, "fault-emp-", p.employees, res.retries)
	if err != nil {
		return nil, err
	}
	reports := make([]*report, p.reports)
	for i := range reports {
		r := &report{owner: users[i%len(users)], approve: i%2 == 0}
		if r.invoices, err = fillWallet(ctx, c, r.owner.openid, p.invoicesPerReport, nil); err != nil {
			return nil, err
		}
		reports[i] = r
	}
	logf("fault run: %d employees, %d reports of %d invoices", p.employees, p.reports, p.invoicesPerReport)
	if err := cluster.PostJSON(ctx, c.SandboxURL+"/_control/faults", map[string]any{
		"rate": p.errorRate, "errcodes": []int{-1, 72036}, "latency_ms": p.latency.Milliseconds(),
	}, nil); err != nil {
		return nil, err
	}
	if err := submitAll(ctx, reports); err != nil {
		return nil, err
	}
	logf("submitted %d reports", len(reports))

	killer := startKiller(ctx, c, res)
	t0 := time.Now()
	if err := decideAll(ctx, c, reports, mgr); err != nil {
		return nil, err
	}
	res.decide = time.Since(t0)
	close(killer.decided)
	t1 := time.Now()
	if err := waitDrained(ctx, c); err != nil {
		return nil, err
	}
	res.drain = time.Since(t1)
	if err := killer.wait(); err != nil {
		return nil, err
	}
	if err := cluster.Delete(ctx, c.SandboxURL+"/_control/faults"); err != nil {
		return nil, err
	}
	if err := checkFault(ctx, c, reports, res); err != nil {
		return res, err
	}
	res.elapsed = time.Since(began)
	return res, res.verdict()
}

// submitAll imports, files and submits every report, each employee in
// their own goroutine, as people do.
func submitAll(ctx context.Context, reports []*report) error {
	byOwner := map[*user][]*report{}
	for _, r := range reports {
		byOwner[r.owner] = append(byOwner[r.owner], r)
	}
	g, ctx := errgroup.WithContext(ctx)
	for u, rs := range byOwner {
		g.Go(func() error {
			for _, r := range rs {
				if err := submitOne(ctx, u, r); err != nil {
					return fmt.Errorf("%s: %w", u.id, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

func submitOne(ctx context.Context, u *user, r *report) error {
	ids, err := importInvoices(ctx, u, r.invoices)
	if err != nil {
		return err
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := u.do(ctx, "create report", http.MethodPost, "/api/v1/reports", map[string]any{"title": "故障演练", "invoice_ids": ids}, &created); err != nil {
		return err
	}
	r.id = created.ID
	return u.do(ctx, "submit", http.MethodPost, "/api/v1/reports/"+r.id+"/submit", nil, nil)
}

// importInvoices imports items, importing again the ones WeChat failed.
func importInvoices(ctx context.Context, u *user, items []walletItem) ([]string, error) {
	var ids []string
	for attempt := 0; len(items) > 0; attempt++ {
		if attempt == 20 {
			return nil, fmt.Errorf("import: %d invoices still failing", len(items))
		}
		var out struct {
			Imported []struct {
				ID string `json:"id"`
			} `json:"imported"`
			Failed []struct {
				walletItem
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			} `json:"failed"`
		}
		if err := u.do(ctx, "import", http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": items}, &out); err != nil {
			return nil, err
		}
		for _, inv := range out.Imported {
			ids = append(ids, inv.ID)
		}
		items = items[:0]
		for _, f := range out.Failed {
			if f.Error.Code != "wechat.unavailable" {
				return nil, fmt.Errorf("import refused %s: %s", f.CardID, f.Error.Code)
			}
			u.retries.add("import item (wechat.unavailable)")
			items = append(items, f.walletItem)
		}
	}
	return ids, nil
}

// decideAll approves half the reports and withdraws the other half, eight
// at a time; the token expires a third of the way through.
func decideAll(ctx context.Context, c *cluster.Cluster, reports []*report, mgr *user) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	var once sync.Once
	for i, r := range reports {
		if i == len(reports)/3 {
			once.Do(func() {
				g.Go(func() error {
					return cluster.PostJSON(ctx, c.SandboxURL+"/_control/tokens/expire", nil, nil)
				})
			})
		}
		g.Go(func() error { return decide(ctx, r, mgr) })
	}
	return g.Wait()
}

// decide approves or withdraws r. A request cut off by a dying instance
// may have been carried out: a conflict then means it was, if the report
// is where the decision puts it.
func decide(ctx context.Context, r *report, mgr *user) error {
	who, action, want := r.owner, "withdraw", "withdrawn"
	if r.approve {
		who, action, want = mgr, "approve", "approved"
	}
	err := who.do(ctx, action, http.MethodPost, "/api/v1/reports/"+r.id+"/"+action, nil, nil)
	if err == nil {
		return nil
	}
	var ae *cluster.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict {
		return fmt.Errorf("%s %s: %w", action, r.id, err)
	}
	var got struct {
		Status string `json:"status"`
	}
	if gerr := who.do(ctx, "read report", http.MethodGet, "/api/v1/reports/"+r.id, nil, &got); gerr != nil || got.Status != want {
		return fmt.Errorf("%s %s: %w (report is %q)", action, r.id, err, got.Status)
	}
	return nil
}

// waitDrained waits until no outbox row is pending.
func waitDrained(ctx context.Context, c *cluster.Cluster) error {
	for {
		n, err := c.DB().NewSelect().Table("outbox").Where("state = ?", "pending").Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("outbox still holds %d pending rows: %w", n, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func invoiceURL(sandboxURL string, it walletItem) string {
	return sandboxURL + "/_control/invoice?card_id=" + url.QueryEscape(it.CardID) + "&encrypt_code=" + url.QueryEscape(it.EncryptCode)
}

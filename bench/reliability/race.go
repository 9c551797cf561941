package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// raceResult is what the race runs measured.
type raceResult struct {
	importers          int
	imported           int            // must be 1
	importRefusals     map[string]int // error code → count
	importLatency      []time.Duration
	pairs              int
	approved           int
	withdrawn          int
	bothWon, noneWon   int // must be 0
	inconsistent       int // report state and WeChat disagree: must be 0
	decisionLatency    []time.Duration
	decisionRefusals   map[string]int
	importWall, decide time.Duration
}

// runRaces runs both races on c, without faults: many employees import
// one paper at once, then approve and withdraw race on every report.
func runRaces(ctx context.Context, c *cluster.Cluster, p profile, logf func(string, ...any)) (*raceResult, error) {
	res := &raceResult{importers: p.raceImporters, pairs: p.racePairs, importRefusals: map[string]int{}, decisionRefusals: map[string]int{}}
	retries := newCounters()
	users, err := addEmployees(ctx, c, "race-emp-", max(p.raceImporters, p.racePairs), retries)
	if err != nil {
		return nil, err
	}
	if err := importRace(ctx, c, users[:p.raceImporters], res); err != nil {
		return nil, err
	}
	logf("import race: %d employees, %d imported", p.raceImporters, res.imported)
	mgr, err := signIn(ctx, c, "mgr-zhao", cluster.DemoOpenID("mgr-zhao"), 1, retries)
	if err != nil {
		return nil, err
	}
	if err := decisionRace(ctx, c, users[:p.racePairs], mgr, res); err != nil {
		return nil, err
	}
	logf("decision race: %d reports, %d approved, %d withdrawn", p.racePairs, res.approved, res.withdrawn)
	return res, res.verdict()
}

// importRace gives every user a copy of one paper invoice (same code and
// number, each in their own wallet) and has them all import at once.
func importRace(ctx context.Context, c *cluster.Cluster, users []*user, res *raceResult) error {
	paper := map[string]any{"billing_code": fmt.Sprintf("0440%08d", rand.IntN(1e8)), "billing_no": fmt.Sprintf("%08d", rand.IntN(1e8))}
	items := make([][]walletItem, len(users))
	for i, u := range users {
		var err error
		if items[i], err = fillWallet(ctx, c, u.openid, 1, paper); err != nil {
			return err
		}
	}
	var (
		mu    sync.Mutex
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  []error
	)
	for i, u := range users {
		wg.Go(func() {
			var out struct {
				Imported []any `json:"imported"`
				Failed   []struct {
					Error struct {
						Code string `json:"code"`
					} `json:"error"`
				} `json:"failed"`
			}
			<-start
			t0 := time.Now()
			err := u.do(ctx, "import", http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": items[i]}, &out)
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			res.importLatency = append(res.importLatency, d)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: %w", u.id, err))
			case len(out.Imported) == 1:
				res.imported++
			case len(out.Failed) == 1:
				res.importRefusals[out.Failed[0].Error.Code]++
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	res.importWall = time.Since(t0)
	return errors.Join(errs...)
}

// decisionRace files and submits one report per user, then sends its
// approval (by the manager) and its withdrawal (by the owner) at the same
// moment, for every report at once.
func decisionRace(ctx context.Context, c *cluster.Cluster, users []*user, mgr *user, res *raceResult) error {
	reports := make([]*report, len(users))
	for i, u := range users {
		r := &report{owner: u}
		var err error
		if r.invoices, err = fillWallet(ctx, c, u.openid, 2, nil); err != nil {
			return err
		}
		if err := submitOne(ctx, u, r); err != nil {
			return err
		}
		reports[i] = r
	}
	var (
		mu    sync.Mutex
		start = make(chan struct{})
		wg    sync.WaitGroup
		wins  = make([]int, len(reports))
		errs  []error
	)
	send := func(i int, who *user, action string, jitter time.Duration) {
		<-start
		time.Sleep(jitter)
		t0 := time.Now()
		err := who.do(ctx, action, http.MethodPost, "/api/v1/reports/"+reports[i].id+"/"+action, nil, nil)
		d := time.Since(t0)
		mu.Lock()
		defer mu.Unlock()
		res.decisionLatency = append(res.decisionLatency, d)
		var ae *cluster.APIError
		switch {
		case err == nil:
			wins[i]++
		case errors.As(err, &ae) && ae.Status == http.StatusConflict:
			res.decisionRefusals[ae.Code]++
		default:
			errs = append(errs, fmt.Errorf("%s %s: %w", action, reports[i].id, err))
		}
	}
	for i, r := range reports {
		// Approval reads WeChat first, so an undelayed withdrawal always
		// wins; a random delay lets either side win, and the withdrawal
		// often arrives while the approval is under way.
		wg.Go(func() { send(i, mgr, "approve", 0) })
		wg.Go(func() { send(i, r.owner, "withdraw", rand.N(150*time.Millisecond)) })
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	res.decide = time.Since(t0)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, w := range wins {
		switch w {
		case 0:
			res.noneWon++
		case 2:
			res.bothWon++
		}
	}
	if err := waitDrained(ctx, c); err != nil {
		return err
	}
	return checkRaceStates(ctx, c, reports, res)
}

// checkRaceStates: an approved report's invoices are CLOSURE in WeChat, a
// withdrawn one's INIT; anything else is inconsistent.
func checkRaceStates(ctx context.Context, c *cluster.Cluster, reports []*report, res *raceResult) error {
	for _, r := range reports {
		var got struct {
			Status string `json:"status"`
		}
		if err := r.owner.do(ctx, "read report", http.MethodGet, "/api/v1/reports/"+r.id, nil, &got); err != nil {
			return err
		}
		want := map[string]string{"approved": "INVOICE_REIMBURSE_CLOSURE", "withdrawn": "INVOICE_REIMBURSE_INIT"}[got.Status]
		switch got.Status {
		case "approved":
			res.approved++
		case "withdrawn":
			res.withdrawn++
		}
		for _, it := range r.invoices {
			var st struct {
				ReimburseStatus string `json:"reimburse_status"`
			}
			if err := cluster.GetJSON(ctx, invoiceURL(c.SandboxURL, it), &st); err != nil {
				return err
			}
			if want == "" || st.ReimburseStatus != want {
				res.inconsistent++
			}
		}
	}
	return nil
}

func (res *raceResult) verdict() error {
	var errs []error
	if res.imported != 1 {
		errs = append(errs, fmt.Errorf("%d of %d concurrent imports of one paper succeeded, want 1", res.imported, res.importers))
	}
	if n := res.importRefusals["invoice.duplicate"]; n != res.importers-1 {
		errs = append(errs, fmt.Errorf("%d imports refused as duplicates, want %d (refusals %v)", n, res.importers-1, res.importRefusals))
	}
	if res.bothWon > 0 || res.noneWon > 0 {
		errs = append(errs, fmt.Errorf("approve/withdraw: both won on %d reports, neither on %d", res.bothWon, res.noneWon))
	}
	if res.inconsistent > 0 {
		errs = append(errs, fmt.Errorf("%d invoices disagree with their report's state", res.inconsistent))
	}
	return errors.Join(errs...)
}

// percentile of ds (sorted in place), nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(p*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// options configure one run.
type options struct {
	DB          string        // "sqlite" or "mysql"
	MySQLDSN    string        // server for -db mysql; a baoxiao_bench_* database is made on it
	Duration    time.Duration // the mixed load
	Baseline    time.Duration // jsapi/config alone, then bare Fiber alone
	Concurrency int           // employees, each a virtual user running back to back
	Approvers   int           // approvers, each serving Concurrency/Approvers employees
	PerReport   int           // invoices per report
	Bin         string        // a built baoxiao binary; empty builds one
	DrainWait   time.Duration // how long the outbox may take to drain
	Logf        func(format string, args ...any)
}

// report is everything a run measured.
type report struct {
	Opts      options
	CPUs      int
	GoVersion string
	Elapsed   time.Duration // the mixed load, from start to the last approval
	Rows      []endpointStats
	Setup     endpointStats
	JSAPIOnly endpointStats
	Bare      endpointStats
	Check     checkResult
	ServerErr []string // level=ERROR lines of the server's log
}

// run starts baoxiao, signs in the virtual users, drives the load for
// opts.Duration, checks WeChat agrees with every report once the outbox
// drained, measures the bare-Fiber baseline, and stops everything it
// started. Its error is for runs that could not measure; failed requests
// and a failed check are in the report (see problems).
func run(ctx context.Context, o options) (rep report, err error) {
	if o.Concurrency < 1 || o.Approvers < 1 || o.PerReport < 1 {
		return rep, errors.New("concurrency, approvers and invoices per report must be at least 1")
	}
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	rep = report{Opts: o, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	dir, err := os.MkdirTemp("", "baoxiao-load-*")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)

	bin := o.Bin
	if bin == "" {
		logf("building baoxiao")
		if bin, err = cluster.Build(ctx, dir); err != nil {
			return rep, err
		}
	}
	var dsn string
	switch o.DB {
	case "sqlite":
	case "mysql":
		if o.MySQLDSN == "" {
			return rep, errors.New("-db mysql needs -mysql-dsn or MYSQL_TEST_DSN")
		}
		var drop func()
		if dsn, drop, err = cluster.CreateMySQLDatabase(o.MySQLDSN, "baoxiao_bench_"); err != nil {
			return rep, err
		}
		defer drop()
	default:
		return rep, fmt.Errorf("-db must be sqlite or mysql, got %q", o.DB)
	}
	srv, err := startServer(ctx, bin, dir, o.DB, dsn)
	if err != nil {
		return rep, err
	}
	defer func() {
		srv.stop()
		rep.ServerErr = srv.errorLines()
	}()
	logf("baoxiao serving at %s on %s", srv.URL, o.DB)

	// One transport for every client: enough idle connections that each
	// virtual user keeps its own, as a browser would.
	tr := &http.Transport{MaxIdleConns: 0, MaxIdleConnsPerHost: o.Concurrency + o.Approvers + 4, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	rec := newRecorder()
	admin := newClient(srv.URL, tr, nil)
	if err := signIn(ctx, admin, "admin"); err != nil {
		return rep, err
	}
	if err := managerOnly(ctx, admin); err != nil {
		return rep, err
	}
	emps, mgrs, err := company(ctx, admin, func() *client { return newClient(srv.URL, tr, rec) }, o.Concurrency, o.Approvers)
	if err != nil {
		return rep, err
	}
	logf("%d employees and %d approvers signed in; load for %s", len(emps), len(mgrs), o.Duration)

	page := srv.URL + "/h5/"
	l := newLedger()
	queues := make([]chan string, len(mgrs))
	var approvers sync.WaitGroup
	for i, m := range mgrs {
		queues[i] = make(chan string, 1024)
		approvers.Go(func() { approverLoop(ctx, m, queues[i], l) })
	}
	load, stopLoad := context.WithTimeout(ctx, o.Duration)
	defer stopLoad()
	began := time.Now()
	var employees sync.WaitGroup
	for _, p := range emps {
		employees.Go(func() { employeeLoop(ctx, load, p, o.PerReport, page, queues[p.Manager], l) })
	}
	employees.Wait()
	for _, q := range queues {
		close(q)
	}
	approvers.Wait()
	rep.Elapsed = time.Since(began)
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	for _, ep := range productEndpoints {
		rep.Rows = append(rep.Rows, rec.stats(ep, rep.Elapsed))
	}
	if s := rec.stats(epRefused, rep.Elapsed); s.Requests > 0 {
		rep.Rows = append(rep.Rows, s)
	}
	rep.Setup = rec.stats(epWallet, rep.Elapsed)

	logf("load done (%s); waiting for the outbox", rep.Elapsed.Round(time.Millisecond))
	if rep.Check, err = finalCheck(ctx, admin, l, o.DrainWait); err != nil {
		return rep, fmt.Errorf("final check: %w", err)
	}
	logf("outbox drained in %s; baseline for %s each", rep.Check.Drained.Round(time.Millisecond), o.Baseline)
	if rep.JSAPIOnly, rep.Bare, err = baseline(ctx, o.Baseline, emps, tr, page); err != nil {
		return rep, fmt.Errorf("baseline: %w", err)
	}
	return rep, nil
}

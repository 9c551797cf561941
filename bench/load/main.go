// Command load drives baoxiao's main endpoints with virtual users for a
// fixed time and reports throughput and latency per endpoint (issue 9).
//
//	go run ./bench/load -db sqlite -duration 20s -concurrency 8
//	go run ./bench/load -db mysql -mysql-dsn 'u:p@tcp(127.0.0.1:3306)/x'   # or MYSQL_TEST_DSN
//
// It builds and starts `baoxiao serve` in sandbox mode on a loopback port
// (a fresh SQLite file, or a fresh baoxiao_bench_* MariaDB/MySQL database
// dropped afterwards), adds employees and approvers through the admin
// API, and runs each employee through JSSDK config, invoices into the
// sandbox wallet, import, report, submit and both lists, while approvers
// approve and the outbox closes the invoices in the sandbox. Then it waits
// for the outbox, checks every invoice's status in the sandbox, and
// measures jsapi/config alone against a bare Fiber handler (its own
// process) at the same concurrency, taking turns. It exits 1 when over 1% of requests failed or the check
// failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"
)

func main() {
	if serveBareChild() {
		return
	}
	var o options
	flag.StringVar(&o.DB, "db", "sqlite", "database: sqlite or mysql")
	flag.StringVar(&o.MySQLDSN, "mysql-dsn", os.Getenv("MYSQL_TEST_DSN"), "MySQL/MariaDB server for -db mysql (default $MYSQL_TEST_DSN)")
	flag.DurationVar(&o.Duration, "duration", 20*time.Second, "how long the mixed load runs")
	flag.DurationVar(&o.Baseline, "baseline", 5*time.Second, "how long jsapi/config alone and the bare handler alone run, each (in alternating slices)")
	flag.IntVar(&o.Concurrency, "concurrency", 8, "virtual employees, each running back to back")
	flag.IntVar(&o.Approvers, "approvers", 0, "virtual approvers (default concurrency/4, at least 1)")
	flag.IntVar(&o.PerReport, "invoices", 2, "invoices per report")
	flag.StringVar(&o.Bin, "bin", "", "a built baoxiao binary (default: go build one)")
	flag.DurationVar(&o.DrainWait, "drain", time.Minute, "how long the outbox may take to drain after the load")
	flag.Parse()
	if o.Approvers == 0 {
		o.Approvers = max(1, o.Concurrency/4)
	}
	log.SetFlags(log.Ltime)
	o.Logf = log.Printf

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// Bounded whatever happens: the load, the drain and the baseline, plus
	// building and starting.
	ctx, cancel := context.WithTimeout(ctx, o.Duration+o.DrainWait+2*o.Baseline+5*time.Minute)
	defer cancel()

	rep, err := run(ctx, o)
	if err != nil {
		log.Printf("load: %v", err)
		cancel()
		stop()
		os.Exit(1)
	}
	rep.print(os.Stdout)
	if len(rep.problems()) > 0 {
		cancel()
		stop()
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "ok")
}

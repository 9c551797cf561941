// Command reliability runs baoxiao as several live instances (separate
// processes) against the standalone WeChat sandbox and proves two things:
//
// Races: many employees import one paper invoice at once (exactly one
// wins), and every report gets its approval and its withdrawal at the same
// moment (exactly one wins, and WeChat ends in the matching state).
//
// Faults: with 30 % of WeChat calls failing, 200 ms added to each, every
// token expired mid-run and one instance killed with SIGKILL while its
// worker holds outbox rows, every approved report's invoices reach CLOSURE
// and every withdrawn one's INIT.
//
//	go run ./bench/reliability [-profile short|full] [-db sqlite|mysql]
//
// MySQL uses -mysql-dsn (default $MYSQL_TEST_DSN; a database of its own is
// created and dropped); -redis (default $REDIS_TEST_URL) shares tokens.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	prof := flag.String("profile", "full", "short (CI) or full")
	db := flag.String("db", "", "sqlite or mysql (default: mysql when -mysql-dsn is set)")
	mysqlDSN := flag.String("mysql-dsn", os.Getenv("MYSQL_TEST_DSN"), "MySQL server for -db mysql")
	redisURL := flag.String("redis", os.Getenv("REDIS_TEST_URL"), "Redis URL shared by the instances (empty: memory caches)")
	flag.Parse()
	p, ok := profiles[*prof]
	if !ok {
		fail(fmt.Errorf("unknown profile %q", *prof))
	}
	e := env{db: *db, mysqlDSN: *mysqlDSN, redisURL: *redisURL}
	if e.db == "" {
		e.db = "sqlite"
		if e.mysqlDSN != "" {
			e.db = "mysql"
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := runAll(ctx, os.Stdout, p, e, func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}); err != nil {
		fail(err)
	}
}

// runAll starts one cluster, runs the races and then the fault run on it,
// and prints both tables.
func runAll(ctx context.Context, w io.Writer, p profile, e env, logf func(string, ...any)) error {
	ctx, cancel := context.WithTimeout(ctx, p.deadline)
	defer cancel()
	c, stop, err := startCluster(ctx, p, e, quietWeChatErrors(logf))
	if err != nil {
		return err
	}
	defer stop()
	printHeader(w, p, e)
	deadlocks := innodbDeadlocks(ctx, c)
	defer func() {
		if n := innodbDeadlocks(ctx, c); n >= 0 && deadlocks >= 0 {
			fmt.Fprintf(w, "\nInnoDB deadlocks on the server during the runs: %d (the store runs a victim again).\n", n-deadlocks)
		}
	}()
	races, err := runRaces(ctx, c, p, logf)
	if races != nil {
		printRaces(w, races)
	}
	if err != nil {
		return fmt.Errorf("races: %w", err)
	}
	storm, err := runStorm(ctx, c, p, logf)
	if storm != nil {
		printStorm(w, storm)
	}
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	fault, err := runFault(ctx, c, p, logf)
	if fault != nil {
		printFault(w, p, fault)
	}
	if err != nil {
		return fmt.Errorf("fault run: %w", err)
	}
	return nil
}

// quietWeChatErrors drops the instances' log lines about WeChat errors:
// the fault run causes thousands on purpose. Everything else shows.
func quietWeChatErrors(logf func(string, ...any)) func(string, ...any) {
	return func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		if strings.Contains(line, "errcode=") || strings.Contains(line, "wechat.unavailable") {
			return
		}
		logf("%s", line)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reliability:", err)
	os.Exit(1)
}

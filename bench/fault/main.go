// Command fault runs baoxiao as several live instances against the
// standalone WeChat sandbox with 30 % of WeChat calls failing, 200 ms added
// to each, every token expired mid-run and one instance killed with
// SIGKILL while its worker holds outbox rows; then it checks in WeChat
// that every approved report's invoices reached CLOSURE and every
// withdrawn one's INIT.
//
//	go run ./bench/fault [-profile short|full] [-db sqlite|mysql]
//
// MySQL uses -mysql-dsn (default $MYSQL_TEST_DSN; a database of its own is
// created and dropped); -redis (default $REDIS_TEST_URL) shares tokens.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := runFromFlags(ctx, p, *db, *mysqlDSN, *redisURL, func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	})
	if res != nil {
		printResult(os.Stdout, res)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fault:", err)
	os.Exit(1)
}

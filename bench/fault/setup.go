package main

import (
	"context"
	"fmt"
	"os"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// runFromFlags builds the binary, makes a database for the run, and runs.
func runFromFlags(ctx context.Context, p profile, db, mysqlBase, redisURL string, logf func(string, ...any)) (*result, error) {
	if db == "" {
		db = "sqlite"
		if mysqlBase != "" {
			db = "mysql"
		}
	}
	dir, err := os.MkdirTemp("", "baoxiao-fault-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin, err := cluster.Build(ctx, dir)
	if err != nil {
		return nil, err
	}
	s := setup{bin: bin, dir: dir, redisURL: redisURL, logf: logf}
	switch db {
	case "sqlite":
	case "mysql":
		if mysqlBase == "" {
			return nil, fmt.Errorf("-db mysql needs -mysql-dsn or MYSQL_TEST_DSN")
		}
		dsn, drop, err := cluster.CreateMySQLDatabase(mysqlBase, "baoxiao_bench_")
		if err != nil {
			return nil, err
		}
		defer drop()
		s.mysqlDSN = dsn
	default:
		return nil, fmt.Errorf("-db must be sqlite or mysql, not %q", db)
	}
	return run(ctx, p, s)
}

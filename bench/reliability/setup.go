package main

import (
	"context"
	"fmt"
	"os"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// env is where the runs happen.
type env struct {
	db       string // "sqlite" or "mysql"
	mysqlDSN string // the server; each run gets a database of its own
	redisURL string // empty: memory caches
}

// startCluster builds the binary and starts p.instances live instances on
// a fresh database; stop undoes all of it.
func startCluster(ctx context.Context, p profile, e env, logf func(string, ...any)) (c *cluster.Cluster, stop func(), err error) {
	var undo []func()
	undoAll := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	stop = undoAll
	defer func() {
		// Not stop: a failing return has set it to nil by now.
		if err != nil {
			undoAll()
		}
	}()
	dir, err := os.MkdirTemp("", "baoxiao-reliability-")
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() { os.RemoveAll(dir) })
	bin, err := cluster.Build(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	opts := cluster.Options{Bin: bin, Dir: dir, Instances: p.instances, RedisURL: e.redisURL,
		ErrLog: func(line string) { logf("%s", line) }}
	switch e.db {
	case "sqlite":
	case "mysql":
		if e.mysqlDSN == "" {
			return nil, nil, fmt.Errorf("-db mysql needs -mysql-dsn or MYSQL_TEST_DSN")
		}
		dsn, drop, err := cluster.CreateMySQLDatabase(e.mysqlDSN, "baoxiao_bench_")
		if err != nil {
			return nil, nil, err
		}
		undo = append(undo, drop)
		opts.MySQLDSN = dsn
	default:
		return nil, nil, fmt.Errorf("-db must be sqlite or mysql, not %q", e.db)
	}
	c, err = cluster.Start(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, c.Close)
	return c, stop, nil
}

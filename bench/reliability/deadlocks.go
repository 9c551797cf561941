package main

import (
	"context"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// innodbDeadlocks reads the server's deadlock counter (MariaDB and MySQL;
// -1 on SQLite or when the server does not say). The store runs a victim
// again, so a deadlock costs time, not a request; the count shows whether
// the lock order of the hot paths holds up.
func innodbDeadlocks(ctx context.Context, c *cluster.Cluster) int64 {
	if c.Driver() != "mysql" {
		return -1
	}
	var name string
	var n int64
	if err := c.DB().QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'").Scan(&name, &n); err != nil {
		return -1
	}
	return n
}

package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The short profile runs in CI: three live instances, both races and the
// fault run with a kill -9. `make bench` runs the full profile.
func TestReliabilityShort(t *testing.T) {
	e := env{db: "sqlite", mysqlDSN: os.Getenv("MYSQL_TEST_DSN"), redisURL: os.Getenv("REDIS_TEST_URL")}
	if e.mysqlDSN != "" {
		e.db = "mysql"
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI=true needs MYSQL_TEST_DSN: the scale-out and fault runs must prove MariaDB")
	}
	var out strings.Builder
	err := runAll(context.Background(), &out, profiles["short"], e, t.Logf)
	t.Log(out.String())
	if err != nil {
		t.Fatal(err)
	}
}

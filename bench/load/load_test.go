package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// TestMain lets the test binary be the bare server's child process too.
func TestMain(m *testing.M) {
	if serveBareChild() {
		return
	}
	os.Exit(m.Run())
}

// TestLoad runs the generator briefly at low concurrency on SQLite and,
// with MYSQL_TEST_DSN, on MariaDB/MySQL: every request must succeed and
// WeChat (the sandbox) must agree with every report afterwards.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs baoxiao serve")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // the build alone takes a minute on a busy 2-core machine
	defer cancel()
	bin, err := cluster.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{"sqlite", "mysql"} {
		t.Run(db, func(t *testing.T) {
			dsn := os.Getenv("MYSQL_TEST_DSN")
			if db == "mysql" && dsn == "" {
				if os.Getenv("CI") == "true" {
					t.Fatal("CI=true needs MYSQL_TEST_DSN")
				}
				t.Skip("MYSQL_TEST_DSN not set")
			}
			rep, err := run(ctx, options{
				DB: db, MySQLDSN: dsn, Bin: bin, Duration: 3 * time.Second, Baseline: 500 * time.Millisecond,
				Concurrency: 3, Approvers: 2, PerReport: 2, DrainWait: 30 * time.Second, Logf: t.Logf,
			})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			rep.print(&out)
			t.Log(out.String())
			for _, s := range rep.Rows {
				if s.Requests == 0 || s.Errors > 0 {
					t.Errorf("%s: %d requests, %d errors %v", s.Name, s.Requests, s.Errors, s.ErrorCodes)
				}
			}
			if rep.Setup.Errors > 0 || rep.JSAPIOnly.Errors > 0 || rep.Bare.Errors > 0 {
				t.Errorf("errors outside the load: setup %v, jsapi %v, bare %v", rep.Setup.ErrorCodes, rep.JSAPIOnly.ErrorCodes, rep.Bare.ErrorCodes)
			}
			if p := rep.problems(); len(p) > 0 {
				t.Errorf("problems: %v", p)
			}
			if len(rep.ServerErr) > 0 {
				t.Errorf("the server logged errors: %v", rep.ServerErr[:min(3, len(rep.ServerErr))])
			}
		})
	}
}

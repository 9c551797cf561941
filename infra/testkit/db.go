// Package testkit gives tests real parts: databases on SQLite and, when
// MYSQL_TEST_DSN is set, MariaDB/MySQL, each fresh and migrated.
package testkit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// DB is one test database.
type DB struct {
	Name   string // "sqlite" or "mysql"
	Driver string
	DSN    string
	DB     *bun.DB
}

// ForEachDB runs fn as a subtest on a fresh, migrated SQLite database and,
// when MYSQL_TEST_DSN is set, on a fresh database on that server. With
// CI=true a missing MYSQL_TEST_DSN fails the test instead of skipping
// MySQL: CI must prove both.
func ForEachDB(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t)) })
}

// SQLite opens a fresh migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "test.db")
	return open(t, "sqlite", dsn, true)
}

// SQLiteUnmigrated opens a fresh SQLite database without its schema.
func SQLiteUnmigrated(t testing.TB) DB {
	t.Helper()
	return open(t, "sqlite", filepath.Join(t.TempDir(), "test.db"), false)
}

// MySQL creates a fresh migrated database on the MYSQL_TEST_DSN server
// and drops it when the test ends. It skips without MYSQL_TEST_DSN, or
// fails under CI=true.
func MySQL(t testing.TB) DB {
	t.Helper()
	return open(t, "mysql", MySQLDSN(t), true)
}

// MySQLUnmigrated is MySQL without the schema.
func MySQLUnmigrated(t testing.TB) DB {
	t.Helper()
	return open(t, "mysql", MySQLDSN(t), false)
}

// MySQLDSN creates an empty database on the test server and returns a DSN
// for it; the database is dropped when the test ends.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("MYSQL_TEST_DSN")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but MYSQL_TEST_DSN is not set: the MySQL suite must run in CI")
		}
		t.Skip("MYSQL_TEST_DSN not set; skipping the MySQL run")
	}
	dsn, drop, err := cluster.CreateMySQLDatabase(base, "baoxiao_t_")
	if err != nil {
		t.Fatalf("MYSQL_TEST_DSN: %v", err)
	}
	t.Cleanup(drop)
	return dsn
}

func open(t testing.TB, driver, dsn string, migrate bool) DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, driver, dsn, 10)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if migrate {
		m, err := store.NewMigrator(db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("migrate %s: %v", driver, err)
		}
	}
	return DB{Name: driver, Driver: driver, DSN: dsn, DB: db}
}

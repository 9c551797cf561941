package store_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Several instances start together on one empty database: every one of
// them must come up, and the schema must be applied once.
func TestConcurrentMigrations(t *testing.T) {
	for name, open := range map[string]func(testing.TB) testkit.DB{
		"sqlite": testkit.SQLiteUnmigrated,
		"mysql":  testkit.MySQLUnmigrated,
	} {
		t.Run(name, func(t *testing.T) {
			first := open(t)
			const instances = 4
			var wg sync.WaitGroup
			errs := make([]error, instances)
			applied := make([][]string, instances)
			for i := range instances {
				wg.Go(func() {
					// Each instance has its own connection pool.
					db, err := store.Open(ctx, first.Driver, first.DSN, 4)
					if err != nil {
						errs[i] = err
						return
					}
					defer db.Close()
					m, err := store.NewMigrator(db)
					if err != nil {
						errs[i] = err
						return
					}
					applied[i], errs[i] = m.Up(ctx)
				})
			}
			wg.Wait()
			total := 0
			for i, err := range errs {
				if err != nil {
					t.Fatalf("instance %d: %v", i, err)
				}
				total += len(applied[i])
			}
			m, _ := store.NewMigrator(first.DB)
			status, err := m.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(status) {
				t.Fatalf("%d migrations applied across instances, %d exist", total, len(status))
			}
			if n, err := m.Pending(ctx); err != nil || n != 0 {
				t.Fatalf("pending %d, %v", n, err)
			}
		})
	}
}

func TestMigrateDownAndUpAgain(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		m, err := store.NewMigrator(db.DB)
		if err != nil {
			t.Fatal(err)
		}
		rolled, err := m.Down(ctx)
		if err != nil || len(rolled) == 0 {
			t.Fatalf("down: %v %v", rolled, err)
		}
		if n, _ := m.Pending(ctx); n != len(rolled) {
			t.Fatalf("pending after down = %d", n)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		if _, err := db.DB.NewSelect().Table("invoices").ColumnExpr("COUNT(*)").Exec(ctx); err != nil {
			t.Fatalf("schema missing after up: %v", err)
		}
	})
}

// Plain paths may hold characters that are syntax in a file: URI.
func TestSQLitePathWithURISyntax(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run#1?x")
	db, err := store.Open(ctx, "sqlite", filepath.Join(dir, "test.db"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "test.db")); err != nil {
		t.Fatalf("the database is not where asked: %v", err)
	}
}

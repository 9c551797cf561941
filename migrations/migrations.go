// Package migrations holds the schema changes, one directory per dialect
// (sql/mysql, sql/sqlite) with the same file names in both. Names are
// zero-padded because bun orders migrations by name as strings. SQLite
// files are .tx.sql so a failed migration leaves nothing behind; MySQL
// commits DDL implicitly anyway.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

//go:embed sql
var files embed.FS

// For returns the migrations for a dialect, "mysql" or "sqlite".
func For(dialect string) (*migrate.Migrations, error) {
	if dialect != "mysql" && dialect != "sqlite" {
		return nil, fmt.Errorf("migrations: no migrations for dialect %q", dialect)
	}
	sub, err := fs.Sub(files, "sql/"+dialect)
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return ms, nil
}

// Package store keeps employees, invoices and reports in SQLite or
// MySQL/MariaDB through bun. Rows map to domain types with plain functions;
// updates go through closures in a transaction with an optimistic version.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // pure Go: `make run` needs no C compiler
)

// Open connects to driver "sqlite" (a file path or file: URI) or "mysql"
// (a go-sql-driver DSN) and checks the connection.
func Open(ctx context.Context, driver, dsn string, maxOpen int) (*bun.DB, error) {
	var db *bun.DB
	switch driver {
	case "sqlite":
		sqldb, err := sql.Open("sqlite", sqliteDSN(dsn))
		if err != nil {
			return nil, err
		}
		if path := sqlitePath(dsn); path != "" {
			if err := createPrivate(path); err != nil {
				return nil, err
			}
		}
		// Writers queue on busy_timeout; a small pool keeps waits short.
		sqldb.SetMaxOpenConns(min(maxOpen, 8))
		db = bun.NewDB(sqldb, sqlitedialect.New())
	case "mysql":
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("database.dsn: %w", err)
		}
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		connector, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		sqldb := sql.OpenDB(connector)
		sqldb.SetMaxOpenConns(maxOpen)
		sqldb.SetMaxIdleConns(maxOpen)
		sqldb.SetConnMaxLifetime(5 * time.Minute)
		db = bun.NewDB(sqldb, mysqldialect.New())
	default:
		return nil, fmt.Errorf("database.driver: unknown driver %q", driver)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", driver, err)
	}
	return db, nil
}

// sqlitePragmas: WAL lets readers run beside the writer; busy_timeout makes
// writers wait instead of failing; _txlock=immediate takes the write lock
// at BEGIN, so two read-then-write transactions cannot deadlock.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

func sqliteDSN(dsn string) string {
	if strings.Contains(dsn, "_pragma=") || strings.Contains(dsn, "_txlock=") {
		return dsn // the operator chose their own
	}
	if !strings.HasPrefix(dsn, "file:") {
		// A plain path becomes a file: URI, where '?' and '#' are syntax.
		dsn = "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(dsn)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + sqlitePragmas
}

// createPrivate makes the SQLite file's directory (0700) and the file
// itself (0600) when they do not exist yet: the database holds personal
// data and sealed app secrets. SQLite creates its -wal and -shm files
// with the database file's mode, so they follow. Existing files keep the
// mode the operator gave them.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create database directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

func sqlitePath(dsn string) string {
	if !strings.HasPrefix(dsn, "file:") {
		return dsn // a plain path
	}
	p := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		if strings.Contains(p[i:], "mode=memory") {
			return ""
		}
		p = p[:i]
	}
	if p == "" || p == ":memory:" {
		return ""
	}
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return p
}

func isMySQL(db bun.IDB) bool { return db.Dialect().Name() == dialect.MySQL }

// forUpdate locks the selected rows on MySQL. SQLite rejects FOR UPDATE and
// needs none: its immediate transactions already hold the write lock.
func forUpdate(db bun.IDB, q *bun.SelectQuery) *bun.SelectQuery {
	if isMySQL(db) {
		return q.For("UPDATE")
	}
	return q
}

package cluster

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// CreateMySQLDatabase creates an empty database named prefix + random hex
// on the server of base (whose user may create `baoxiao%` databases) and
// returns its DSN and a function that drops it.
func CreateMySQLDatabase(base, prefix string) (dsn string, drop func(), err error) {
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		return "", nil, fmt.Errorf("MySQL DSN: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := prefix + hex.EncodeToString(b[:])
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", nil, fmt.Errorf("create database %s (the user needs CREATE and DROP on %s*): %w", name, prefix, err)
	}
	serverDSN := cfg.FormatDSN()
	drop = func() {
		if db, err := sql.Open("mysql", serverDSN); err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
			_ = db.Close()
		}
	}
	cfg.DBName = name
	cfg.ParseTime = true
	return cfg.FormatDSN(), drop, nil
}

// Package storage holds the drivers of app.Blobs, chosen by storage.driver:
// dir (files under storage.dir), db (the blobs table) and s3 (any
// S3-compatible object store, storage.s3.*). Every driver re-hashes on
// read, so a corrupted file answers app.ErrBlobCorrupt rather than wrong
// bytes; the same contract tests run on each (the s3 one against gofakes3,
// DECISIONS 51).
package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
)

// Drivers are the storage.driver values.
const (
	DriverDir = "dir"
	DriverDB  = "db"
	DriverS3  = "s3"
)

// Open returns the configured driver; db serves the db driver.
func Open(cfg config.Storage, db bun.IDB) (app.Blobs, error) {
	switch cfg.Driver {
	case "", DriverDir:
		return NewDir(cfg.Dir)
	case DriverDB:
		return NewDB(db), nil
	case DriverS3:
		return NewS3(cfg.S3)
	}
	return nil, fmt.Errorf("storage.driver: unknown driver %q (dir, db or s3)", cfg.Driver)
}

// check refuses a malformed name and bytes that do not hash to it.
func check(sum string, data []byte) error {
	if !domain.ValidSHA256(sum) {
		return fmt.Errorf("blob name %q: not a lower-case hex SHA-256", sum)
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum {
		return fmt.Errorf("blob %s: %w", sum, app.ErrBlobCorrupt)
	}
	return nil
}

// opened finishes a driver's Open: a missing blob is domain.ErrNotFound,
// another error is wrapped, and bytes that were read are checked.
func opened(sum string, data []byte, missing bool, err error) ([]byte, error) {
	if missing {
		return nil, fmt.Errorf("blob %s: %w", sum, domain.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", sum, err)
	}
	if err := check(sum, data); err != nil {
		return nil, err
	}
	return data, nil
}

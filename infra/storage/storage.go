// Package storage holds the drivers of app.Blobs, chosen by storage.driver:
// dir (files under storage.dir) and db (the blobs table). Every driver
// re-hashes on read, so a corrupted file answers app.ErrBlobCorrupt rather
// than wrong bytes. An s3 driver is still to come (DECISIONS 51).
package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// Drivers are the storage.driver values.
const (
	DriverDir = "dir"
	DriverDB  = "db"
)

// Open returns the configured driver.
func Open(driver, dir string, db bun.IDB) (app.Blobs, error) {
	switch driver {
	case "", DriverDir:
		return NewDir(dir)
	case DriverDB:
		return NewDB(db), nil
	}
	return nil, fmt.Errorf("storage.driver: unknown driver %q (dir or db)", driver)
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

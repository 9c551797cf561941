package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// DB keeps blobs in the database's blobs table (LONGBLOB on MySQL): every
// instance sees them without a shared disk, for small deployments.
type DB struct{ db bun.IDB }

// NewDB returns the db driver.
func NewDB(db bun.IDB) *DB { return &DB{db: db} }

type blobRow struct {
	bun.BaseModel `bun:"table:blobs"`

	SHA256    string `bun:"sha256,pk"`
	Size      int64
	Data      []byte
	CreatedAt time.Time
}

// Put inserts data as sum; bytes already there stay.
func (d *DB) Put(ctx context.Context, sum string, data []byte) error {
	if err := check(sum, data); err != nil {
		return err
	}
	row := blobRow{SHA256: sum, Size: int64(len(data)), Data: data, CreatedAt: time.Now().UTC()}
	if has, err := d.Has(ctx, sum); err != nil || has {
		return err
	}
	if _, err := d.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		if has, herr := d.Has(ctx, sum); herr == nil && has {
			return nil // a concurrent Put of the same bytes won
		}
		return fmt.Errorf("put blob %s: %w", sum, err)
	}
	return nil
}

// Open reads sum and checks its hash.
func (d *DB) Open(ctx context.Context, sum string) ([]byte, error) {
	var data []byte
	err := d.db.NewSelect().Table("blobs").Column("data").Where("sha256 = ?", sum).Scan(ctx, &data)
	return opened(sum, data, errors.Is(err, sql.ErrNoRows), err)
}

// Has says whether sum is stored.
func (d *DB) Has(ctx context.Context, sum string) (bool, error) {
	n, err := d.db.NewSelect().Table("blobs").Where("sha256 = ?", sum).Count(ctx)
	return n > 0, err
}

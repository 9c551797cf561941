package storage_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/storage"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// driverSuite runs the app.Blobs contract on a driver; corrupt changes
// the stored bytes of a name behind the driver's back.
func driverSuite(t *testing.T, b app.Blobs, corrupt func(t *testing.T, name string)) {
	ctx := context.Background()
	data := []byte("%PDF-1.4 an invoice")
	name := sum(data)

	if has, err := b.Has(ctx, name); err != nil || has {
		t.Fatalf("Has before Put = %v, %v", has, err)
	}
	if _, err := b.Open(ctx, name); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("Open before Put: %v, want not_found", err)
	}
	if err := b.Put(ctx, sum([]byte("other")), data); !errors.Is(err, app.ErrBlobCorrupt) {
		t.Fatalf("Put under the wrong name: %v, want ErrBlobCorrupt", err)
	}
	// Concurrent Puts of the same bytes all succeed and leave one copy.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- b.Put(ctx, name, data) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	if has, err := b.Has(ctx, name); err != nil || !has {
		t.Fatalf("Has after Put = %v, %v", has, err)
	}
	got, err := b.Open(ctx, name)
	if err != nil || string(got) != string(data) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	corrupt(t, name)
	if got, err := b.Open(ctx, name); !errors.Is(err, app.ErrBlobCorrupt) {
		t.Fatalf("Open of corrupted bytes = %q, %v; want ErrBlobCorrupt", got, err)
	}
}

func TestDirDriver(t *testing.T) {
	root := filepath.Join(t.TempDir(), "originals")
	d, err := storage.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	driverSuite(t, d, func(t *testing.T, name string) {
		p := filepath.Join(root, name[:2], name)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
		}
		di, _ := os.Stat(filepath.Dir(p))
		ri, _ := os.Stat(root)
		if di.Mode().Perm() != 0o700 || ri.Mode().Perm() != 0o700 {
			t.Errorf("directory modes %v, %v; want 0700", di.Mode().Perm(), ri.Mode().Perm())
		}
		// Atomic writes leave no temporary files behind.
		entries, _ := os.ReadDir(filepath.Dir(p))
		if len(entries) != 1 {
			t.Errorf("directory holds %d entries, want only the blob", len(entries))
		}
		if err := os.WriteFile(p, []byte("%PDF-1.4 an invoicf"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDirDriverRefusesPathNames(t *testing.T) {
	d, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../../etc/passwd", "", "AB" + sum(nil)[2:]} {
		if _, err := d.Open(context.Background(), name); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want not_found", name, err)
		}
		if err := d.Put(context.Background(), name, nil); err == nil {
			t.Errorf("Put(%q) succeeded", name)
		}
	}
}

func TestDBDriver(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		b, err := storage.Open(config.Storage{Driver: storage.DriverDB}, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		driverSuite(t, b, func(t *testing.T, name string) {
			if _, err := db.DB.NewUpdate().Table("blobs").Set("data = ?", []byte("tampered")).Where("sha256 = ?", name).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestOpenUnknownDriver(t *testing.T) {
	if _, err := storage.Open(config.Storage{Driver: "nfs", Dir: t.TempDir()}, nil); err == nil {
		t.Fatal("an unknown driver must be refused")
	}
}

package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/baoxiao/baoxiao/infra/store"
)

// The SQLite database holds personal data and sealed app secrets: its
// directory is created 0700 and the file, with its -wal and -shm, 0600,
// whatever the umask (issue 15 item 12).
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual default, which leaves files world-readable
	t.Cleanup(func() { syscall.Umask(old) })

	for _, dsn := range []func(dir string) string{
		func(dir string) string { return filepath.Join(dir, "data", "baoxiao.db") },
		func(dir string) string { return "file:" + filepath.Join(dir, "data", "baoxiao.db") + "?cache=private" },
	} {
		dir := t.TempDir()
		db, err := store.Open(context.Background(), "sqlite", dsn(dir), 4)
		if err != nil {
			t.Fatal(err)
		}
		m, err := store.NewMigrator(db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Up(context.Background()); err != nil { // writes: the WAL appears
			t.Fatal(err)
		}
		data := filepath.Join(dir, "data")
		want := map[string]os.FileMode{data: 0o700, filepath.Join(data, "baoxiao.db"): 0o600,
			filepath.Join(data, "baoxiao.db-wal"): 0o600, filepath.Join(data, "baoxiao.db-shm"): 0o600}
		for path, mode := range want {
			info, err := os.Stat(path)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if got := info.Mode().Perm(); got != mode {
				t.Errorf("%s: mode %o, want %o", path, got, mode)
			}
		}
		_ = db.Close()
	}
}

// An in-memory database named like a file leaves no file behind.
func TestSQLiteMemoryMakesNoFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db, err := store.Open(context.Background(), "sqlite", "file:mem?mode=memory&cache=shared", 1)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files created: %v", entries)
	}
}

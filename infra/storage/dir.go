package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/baoxiao/baoxiao/domain"
)

// Dir keeps blobs as files under a directory, fanned out by the first two
// hex digits: <dir>/ab/abcdef…. Directories are 0700 and files 0600; a
// file appears whole or not at all (temporary file, fsync, rename).
type Dir struct{ root string }

// NewDir returns the dir driver, creating root (0700) if needed.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("storage.dir: must not be empty")
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("storage.dir: %w", err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(sum string) string { return filepath.Join(d.root, sum[:2], sum) }

// Put writes data as sum unless a file of that name exists already.
func (d *Dir) Put(ctx context.Context, sum string, data []byte) error {
	if err := check(sum, data); err != nil {
		return err
	}
	p := d.path(sum)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Open reads sum and checks its hash.
func (d *Dir) Open(ctx context.Context, sum string) ([]byte, error) {
	if !domain.ValidSHA256(sum) {
		return nil, domain.ErrNotFound
	}
	data, err := os.ReadFile(d.path(sum))
	return opened(sum, data, errors.Is(err, fs.ErrNotExist), err)
}

// Has says whether a file named sum exists (without reading it).
func (d *Dir) Has(ctx context.Context, sum string) (bool, error) {
	if !domain.ValidSHA256(sum) {
		return false, nil
	}
	_, err := os.Stat(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

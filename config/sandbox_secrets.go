package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnsureSandboxSecrets fills an empty auth.session_secret and auth.data_key
// from files in data_dir (session_secret, data_key), creating each once with
// 32 random bytes in hex. Sessions and encrypted app secrets thus survive a
// restart (DECISIONS 18). Load calls it in sandbox mode; live mode requires
// both keys instead.
func (c *Config) EnsureSandboxSecrets() error {
	for _, s := range []struct {
		key, file string
		val       *Secret
	}{
		{"auth.session_secret", "session_secret", &c.Auth.SessionSecret},
		{"auth.data_key", "data_key", &c.Auth.DataKey},
	} {
		if *s.val != "" {
			continue
		}
		v, err := readOrCreateSecret(c.DataDir, s.file)
		if err != nil {
			return fmt.Errorf("config: %s: %w", s.key, err)
		}
		*s.val = Secret(v)
	}
	return nil
}

// readOrCreateSecret returns the secret stored in dir/name, creating it if
// absent. The new file is written aside and hard-linked into place, so a
// concurrent start never reads a half-written file and the first one wins.
func readOrCreateSecret(dir, name string) (string, error) {
	path := filepath.Join(dir, name)
	if v, err := readSecret(path); !errors.Is(err, fs.ErrNotExist) {
		return v, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create data_dir: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	v := hex.EncodeToString(b)

	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.WriteString(v + "\n"); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, fs.ErrExist): // another process won the race
		return readSecret(path)
	}
	// Some file systems have no hard links: fall back to an exclusive create.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readSecret(path)
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.WriteString(v + "\n"); err != nil {
		f.Close()
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return v, nil
}

func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s is empty: delete it to generate a new one", path)
	}
	return v, nil
}

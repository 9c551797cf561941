package config

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSandboxSecretsStableAcrossLoads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := []string{"BAOXIAO_DATA_DIR=" + dir}

	first, err := Load("", env)
	require.NoError(t, err)
	second, err := Load("", env)
	require.NoError(t, err)

	require.Len(t, first.Auth.SessionSecret.Reveal(), 64)
	require.Len(t, first.Auth.DataKey.Reveal(), 64)
	require.NotEqual(t, first.Auth.SessionSecret, first.Auth.DataKey)
	require.Equal(t, first.Auth.SessionSecret, second.Auth.SessionSecret)
	require.Equal(t, first.Auth.DataKey, second.Auth.DataKey)

	info, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	for _, name := range []string{"session_secret", "data_key"} {
		info, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), name)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "no temp files left behind")
}

func TestSandboxSecretsFromConfigWin(t *testing.T) {
	dir := t.TempDir()
	c, err := Load("", []string{"BAOXIAO_DATA_DIR=" + dir, "BAOXIAO_AUTH_SESSION_SECRET=fixed"})
	require.NoError(t, err)
	require.Equal(t, "fixed", c.Auth.SessionSecret.Reveal())
	require.NoFileExists(t, filepath.Join(dir, "session_secret"))
	require.FileExists(t, filepath.Join(dir, "data_key"))
}

func TestSandboxSecretsConcurrentStarts(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	got := make([]Secret, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := &Config{DataDir: dir}
			if err := c.EnsureSandboxSecrets(); err == nil {
				got[i] = c.Auth.SessionSecret
			}
		})
	}
	wg.Wait()
	for _, s := range got {
		require.Equal(t, got[0], s, "every start sees the one winner")
	}
	require.NotEmpty(t, got[0])
}

func TestSandboxSecretsEmptyFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "session_secret", "\n")
	err := (&Config{DataDir: dir}).EnsureSandboxSecrets()
	require.ErrorContains(t, err, "config: auth.session_secret:")
	require.ErrorContains(t, err, "is empty: delete it")
}

func TestLiveModeGeneratesNothing(t *testing.T) {
	dir := t.TempDir()
	_, err := Load("", append([]string{"BAOXIAO_DATA_DIR=" + dir}, liveEnv...))
	require.NoError(t, err)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// load runs Load with data_dir in a fresh temp dir (so sandbox secrets never
// land in the source tree), an optional YAML file, and env; later env entries
// win over the data_dir default.
func load(t *testing.T, file string, env ...string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	path := ""
	if file != "" {
		path = writeFile(t, dir, "baoxiao.yaml", file)
	}
	environ := append([]string{"BAOXIAO_DATA_DIR=" + filepath.Join(dir, "data")}, env...)
	return Load(path, environ)
}

func mustLoad(t *testing.T, file string, env ...string) *Config {
	t.Helper()
	c, err := load(t, file, env...)
	require.NoError(t, err)
	return c
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// liveEnv is a minimal valid live configuration.
var liveEnv = []string{
	"BAOXIAO_MODE=live",
	"BAOXIAO_AUTH_SESSION_SECRET=0123456789abcdef0123456789abcdef-session",
	"BAOXIAO_AUTH_DATA_KEY=0123456789abcdef0123456789abcdef-datakey",
	"BAOXIAO_WECHAT_OA_APP_ID=wx0123456789abcdef",
	"BAOXIAO_WECHAT_OA_APP_SECRET=live-oa-secret",
	"BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=live-oa-callback-token",
}

package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestSecretPrints(t *testing.T) {
	s := Secret("hunter2")
	for _, out := range []string{
		s.String(), fmt.Sprint(s), fmt.Sprintf("%v %s %+v %q %#v", s, s, s, s, s),
		s.LogValue().String(),
	} {
		require.NotContains(t, out, "hunter2")
		require.Contains(t, out, "[redacted]")
	}
	j, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, `"[redacted]"`, string(j))
	y, err := yaml.Marshal(map[string]Secret{"k": s})
	require.NoError(t, err)
	require.Equal(t, "k: '[redacted]'\n", string(y))
	txt, err := s.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "[redacted]", string(txt))
	require.Equal(t, "hunter2", s.Reveal())

	// Unset shows as empty so operators see it is missing.
	require.Equal(t, "", Secret("").String())
	j, err = json.Marshal(Secret(""))
	require.NoError(t, err)
	require.Equal(t, `""`, string(j))
}

func TestSecretDecodes(t *testing.T) {
	var v struct {
		S Secret `json:"s" yaml:"s"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"s":"from-json"}`), &v))
	require.Equal(t, "from-json", v.S.Reveal())
	require.NoError(t, yaml.Unmarshal([]byte("s: from-yaml\n"), &v))
	require.Equal(t, "from-yaml", v.S.Reveal())
	require.NoError(t, yaml.Unmarshal([]byte("s: 0123\n"), &v))
	require.Equal(t, "0123", v.S.Reveal())

	var d struct {
		D DSN `json:"d" yaml:"d"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"d":"u:p@tcp(h)/db"}`), &d))
	require.Equal(t, "u:p@tcp(h)/db", d.D.Reveal())
	require.NoError(t, yaml.Unmarshal([]byte("d: redis://:p@h\n"), &d))
	require.Equal(t, "redis://:p@h", d.D.Reveal())
}

// TestNoSecretLeaks loads a config full of recognisable secrets and checks
// every way the whole Config gets printed.
func TestNoSecretLeaks(t *testing.T) {
	secrets := map[string]string{
		"BAOXIAO_WECHAT_OA_APP_SECRET":         "LEAK-oa-app-secret",
		"BAOXIAO_WECHAT_OA_CALLBACK_TOKEN":     "LEAK-oa-token",
		"BAOXIAO_WECHAT_OA_ENCODING_AES_KEY":   "LEAKoaAESkey0123456789abcdefghijklmnopqrstu",
		"BAOXIAO_WECHAT_WORK_SECRET":           "LEAK-work-secret",
		"BAOXIAO_WECHAT_WORK_CALLBACK_TOKEN":   "LEAK-work-token",
		"BAOXIAO_WECHAT_WORK_ENCODING_AES_KEY": "LEAKwkAESkey0123456789abcdefghijklmnopqrstu",
		"BAOXIAO_AUTH_SESSION_SECRET":          "LEAK-session-secret-0123456789abcdef",
		"BAOXIAO_AUTH_DATA_KEY":                "LEAK-data-key-0123456789abcdef012345",
		"BAOXIAO_STORAGE_S3_SECRET_KEY":        "LEAK-s3-secret-key",
	}
	env := []string{
		"BAOXIAO_DATABASE_DRIVER=mysql",
		"BAOXIAO_DATABASE_DSN=bx:LEAK-db-password@tcp(db:3306)/bx",
		"BAOXIAO_CACHE_REDIS_URL=redis://:LEAK-redis-password@redis:6379/0",
	}
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	c := mustLoad(t, "", env...)

	redactedYAML, err := c.Redacted()
	require.NoError(t, err)
	jsonOut, err := json.Marshal(c)
	require.NoError(t, err)
	var textLog, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("config", "config", c, "secret", c.Auth.DataKey)
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("config", "config", c, "secret", c.Auth.DataKey)

	outputs := map[string]string{
		"Redacted":     string(redactedYAML),
		"json.Marshal": string(jsonOut),
		"Sprint":       fmt.Sprint(c),
		"Sprint value": fmt.Sprint(*c),
		"%+v":          fmt.Sprintf("%+v", c),
		"%#v":          fmt.Sprintf("%#v", c),
		"slog text":    textLog.String(),
		"slog json":    jsonLog.String(),
	}
	for name, out := range outputs {
		require.NotContains(t, out, "LEAK", "%s:\n%s", name, out)
		require.Contains(t, out, "[redacted]", name)
	}
	require.Contains(t, string(redactedYAML), "dsn: bx:[redacted]@tcp(db:3306)/bx?parseTime=true&loc=UTC")

	// Validation errors do not quote secrets either.
	_, err = load(t, "", "BAOXIAO_WECHAT_OA_ENCODING_AES_KEY=LEAK-too-short",
		"BAOXIAO_DATABASE_DRIVER=mysql", "BAOXIAO_DATABASE_DSN=bx:LEAK@tcp(db/bx",
		"BAOXIAO_CACHE_REDIS_URL=http://:LEAK@redis")
	require.Error(t, err)
	require.False(t, strings.Contains(err.Error(), "LEAK"), err.Error())
}

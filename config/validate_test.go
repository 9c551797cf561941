package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInvalidValuesNameTheKey(t *testing.T) {
	tests := []struct {
		env  []string
		file string
		want string
	}{
		{env: []string{"BAOXIAO_DATABASE_DRIVER=pg"}, want: `config: database.driver: must be "sqlite" or "mysql", got "pg"`},
		{env: []string{"BAOXIAO_MODE=prod"}, want: `config: mode: must be "sandbox" or "live", got "prod"`},
		{env: []string{"BAOXIAO_LISTEN=8080"}, want: "config: listen: must be host:port"},
		{env: []string{"BAOXIAO_LISTEN=:http"}, want: "config: listen: port must be a number"},
		{env: []string{"BAOXIAO_PUBLIC_URL=localhost:8080"}, want: "config: public_url: must be an absolute http(s) URL"},
		{env: []string{"BAOXIAO_PUBLIC_URL=https://x.example.com/?a=1"}, want: "config: public_url: must not have a query"},
		{env: []string{"BAOXIAO_WECHAT_API_BASE=ftp://x"}, want: "config: wechat.api_base: must be an absolute http(s) URL"},
		{env: []string{"BAOXIAO_SANDBOX_BASE_URL=/sandbox"}, want: "config: sandbox.base_url: must be an absolute http(s) URL"},
		{env: []string{"BAOXIAO_WECHAT_BATCH_SIZE=0"}, want: "config: wechat.batch_size: must be between 1 and 100, got 0"},
		{env: []string{"BAOXIAO_WECHAT_BATCH_SIZE=101"}, want: "config: wechat.batch_size: must be between 1 and 100, got 101"},
		{env: []string{"BAOXIAO_WECHAT_BATCH_SIZE=ten"}, want: `config: wechat.batch_size: must be an integer, got "ten" (from BAOXIAO_WECHAT_BATCH_SIZE)`},
		{env: []string{"BAOXIAO_WECHAT_TIMEOUT=10"}, want: `config: wechat.timeout: must be a duration like 10s or 1m30s, got "10"`},
		{env: []string{"BAOXIAO_AUTH_SESSION_TTL=-1h"}, want: "config: auth.session_ttl: must be positive"},
		{env: []string{"BAOXIAO_SHUTDOWN_TIMEOUT=0s"}, want: "config: shutdown_timeout: must be positive"},
		{env: []string{"BAOXIAO_AUTH_SELF_SIGNUP=yes"}, want: `config: auth.self_signup: must be true or false, got "yes"`},
		{env: []string{"BAOXIAO_WECHAT_OA_ENCODING_AES_KEY=short"}, want: "config: wechat.oa.encoding_aes_key: must be 43 characters, got 5"},
		{env: []string{"BAOXIAO_WECHAT_WORK_ENCODING_AES_KEY=" + aesKey[:42] + "!"}, want: "config: wechat.work.encoding_aes_key: must be base64"},
		{env: []string{"BAOXIAO_WECHAT_WORK_AGENT_ID=10000a"}, want: `config: wechat.work.agent_id: must be digits, got "10000a"`},
		{env: []string{"BAOXIAO_H5_ORIGINS=https://a.example.com/app"}, want: `config: h5.origins: each origin must be scheme://host[:port], got "https://a.example.com/app"`},
		{env: []string{"BAOXIAO_H5_ORIGINS= , "}, want: "config: h5.origins: must list at least one origin"},
		{env: []string{"BAOXIAO_H5_JWEIXIN_URL=javascript:alert(1)"}, want: "config: h5.jweixin_url: must be an absolute http(s) URL or a path"},
		{env: []string{"BAOXIAO_COMPANY_BUYERS=not json"}, want: "config: company.buyers: must be a JSON array"},
		{env: []string{`BAOXIAO_COMPANY_BUYERS=[{"title":"x","taxnumber":"1"}]`}, want: "config: company.buyers: must be a JSON array"},
		{env: []string{`BAOXIAO_COMPANY_BUYERS=[{"title":"","tax_number":"91110000MA01ABCD2X"}]`}, want: "config: company.buyers: item 0: title must not be empty"},
		{env: []string{`BAOXIAO_COMPANY_BUYERS=[{"title":"x","tax_number":"123"}]`}, want: `config: company.buyers: item 0: tax_number must be 15 to 20 letters and digits, got "123"`},
		{env: []string{"BAOXIAO_CACHE_REDIS_URL=http://redis:6379"}, want: "config: cache.redis_url: must be a redis:// or rediss:// URL"},
		{env: []string{"BAOXIAO_LOG_LEVEL=trace"}, want: `config: log.level: must be one of debug, info, warn, error, got "trace"`},
		{env: []string{"BAOXIAO_LOG_FORMAT=xml"}, want: `config: log.format: must be "text" or "json", got "xml"`},
		{env: []string{"BAOXIAO_DATABASE_MAX_OPEN_CONNS=0"}, want: "config: database.max_open_conns: must be at least 1, got 0"},
		{env: []string{"BAOXIAO_DATABASE_DRIVER=mysql"}, want: "config: database.dsn: required when database.driver is mysql"},
		{env: []string{"BAOXIAO_DATABASE_DRIVER=mysql", "BAOXIAO_DATABASE_DSN=not a dsn"}, want: "config: database.dsn: must be a MySQL DSN"},
		{env: []string{"BAOXIAO_DATABASE_DRIVER=mysql", "BAOXIAO_DATABASE_DSN=u:p@tcp(db)/bx?loc=Local"}, want: `config: database.dsn: loc must be UTC (DECISIONS 17), got "Local"`},
		{file: "storage: {dir: ''}\n", want: "config: storage.dir: must not be empty"},
		{env: []string{"BAOXIAO_STORAGE_DRIVER=s3"}, want: "config: storage.s3.endpoint: required when storage.driver is s3"},
		{env: []string{"BAOXIAO_STORAGE_DRIVER=s3"}, want: "config: storage.s3.secret_key: required when storage.driver is s3"},
		{env: []string{"BAOXIAO_STORAGE_DRIVER=s3", "BAOXIAO_STORAGE_S3_BUCKET=Bad_Bucket"}, want: `config: storage.s3.bucket: must be 3 to 63 lower-case letters`},
		{env: []string{"BAOXIAO_STORAGE_S3_ENDPOINT=s3.example.com"}, want: `config: storage.s3.endpoint: must be an http(s) URL`},
		{env: []string{"BAOXIAO_STORAGE_S3_ENDPOINT=https://s3.example.com/bucket"}, want: `config: storage.s3.endpoint: must be scheme://host[:port] alone`},
		{env: []string{"BAOXIAO_STORAGE_DRIVER=nfs"}, want: `config: storage.driver: must be dir, db or s3, got "nfs"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := load(t, tt.file, tt.env...)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestEmptyDataDir(t *testing.T) {
	// Not through load: its BAOXIAO_DATA_DIR would win over the file.
	path := writeFile(t, t.TempDir(), "c.yaml", "data_dir: ''\n")
	_, err := Load(path, nil)
	require.ErrorContains(t, err, "config: data_dir: must not be empty")
}

// oaTokenMissing names the key and its variable, and says why.
const oaTokenMissing = "config: wechat.oa.callback_token: required in live mode when the OA channel is enabled " +
	"(set BAOXIAO_WECHAT_OA_CALLBACK_TOKEN): without it anyone can forge WeChat callbacks"

func TestLiveModeCredentials(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{
			name: "nothing set",
			env:  []string{"BAOXIAO_MODE=live"},
			want: []string{
				"config: auth.session_secret: required in live mode",
				"config: auth.data_key: required in live mode",
				"config: wechat: live mode needs a channel",
			},
		},
		{
			name: "short keys",
			env:  append(liveEnv, "BAOXIAO_AUTH_SESSION_SECRET=short", "BAOXIAO_AUTH_DATA_KEY=0123456789"),
			want: []string{
				"config: auth.session_secret: must be at least 32 characters in live mode, got 5",
				"config: auth.data_key: must be at least 32 characters in live mode, got 10",
			},
		},
		{
			name: "half an OA channel",
			env:  append(liveEnv, "BAOXIAO_WECHAT_OA_APP_SECRET="),
			want: []string{"config: wechat.oa.app_secret: required in live mode when wechat.oa.app_id is set"},
		},
		{
			name: "secret without app id",
			env:  []string{liveEnv[0], liveEnv[1], liveEnv[2], liveEnv[4]},
			want: []string{"config: wechat.oa.app_id: required in live mode when wechat.oa.app_secret is set"},
		},
		{
			name: "a third of a WeCom channel",
			env:  append(liveEnv, "BAOXIAO_WECHAT_WORK_CORP_ID=ww1"),
			want: []string{
				"config: wechat.work.agent_id: required in live mode when wechat.work.corp_id is set",
				"config: wechat.work.secret: required in live mode when wechat.work.corp_id is set",
			},
		},
		{
			name: "WeCom callbacks need the AES key",
			env:  append(liveEnv, "BAOXIAO_WECHAT_WORK_CALLBACK_TOKEN=tok"),
			want: []string{"config: wechat.work.encoding_aes_key: required in live mode when wechat.work.callback_token is set (set BAOXIAO_WECHAT_WORK_ENCODING_AES_KEY)"},
		},
		{
			name: "OA AES key needs the token",
			env:  append(liveEnv, "BAOXIAO_WECHAT_OA_ENCODING_AES_KEY="+aesKey, "BAOXIAO_WECHAT_OA_CALLBACK_TOKEN="),
			want: []string{oaTokenMissing},
		},
		// Issue 15 item 3: the signature of an empty token is public.
		{
			name: "an OA channel without a callback token",
			env:  append(liveEnv, "BAOXIAO_WECHAT_OA_CALLBACK_TOKEN="),
			want: []string{oaTokenMissing},
		},
		{
			name: "an OA channel without a callback token in a file either",
			env:  slices.DeleteFunc(slices.Clone(liveEnv), func(kv string) bool { return strings.HasPrefix(kv, "BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=") }),
			want: []string{oaTokenMissing},
		},
		{
			name: "WeCom callbacks need the token",
			env: append(liveEnv, "BAOXIAO_WECHAT_WORK_CORP_ID=ww1", "BAOXIAO_WECHAT_WORK_AGENT_ID=1000002", "BAOXIAO_WECHAT_WORK_SECRET=s",
				"BAOXIAO_WECHAT_WORK_ENCODING_AES_KEY="+aesKey),
			want: []string{"config: wechat.work.callback_token: required in live mode when wechat.work.encoding_aes_key is set (set BAOXIAO_WECHAT_WORK_CALLBACK_TOKEN)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, "", tt.env...)
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLiveModeWeComOnly(t *testing.T) {
	c := mustLoad(t, "",
		liveEnv[0], liveEnv[1], liveEnv[2],
		"BAOXIAO_WECHAT_WORK_CORP_ID=ww1",
		"BAOXIAO_WECHAT_WORK_AGENT_ID=1000002",
		"BAOXIAO_WECHAT_WORK_SECRET=s",
	)
	require.False(t, c.OAEnabled())
	require.True(t, c.WorkEnabled())
}

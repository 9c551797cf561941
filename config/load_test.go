package config

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	c, err := Load("", []string{"BAOXIAO_DATA_DIR=" + dir + "/data"})
	require.NoError(t, err)

	require.True(t, c.Sandbox())
	require.Equal(t, ModeSandbox, c.Mode)
	require.Equal(t, ":8080", c.Listen)
	require.Equal(t, "http://localhost:8080", c.PublicURL)
	require.Equal(t, "sqlite", c.Database.Driver)
	require.Equal(t, dir+"/data/baoxiao.db", c.Database.DSN.Reveal())
	require.Equal(t, 20, c.Database.MaxOpenConns)
	require.Empty(t, c.Cache.RedisURL)
	require.Equal(t, "http://localhost:8080/sandbox", c.Simulator.BaseURL)
	require.Equal(t, "http://localhost:8080/sandbox", c.WeChat.APIBase)
	require.Equal(t, "http://localhost:8080/sandbox", c.WeChat.WorkAPIBase)
	require.Equal(t, "http://localhost:8080/sandbox", c.WeChat.OpenBase)
	require.Equal(t, 50, c.WeChat.BatchSize)
	require.Equal(t, 10*time.Second, c.WeChat.Timeout)
	require.Equal(t, OA{AppID: SandboxOAAppID, AppSecret: SandboxOAAppSecret, CallbackToken: SandboxOACallbackToken, Templates: OATemplates{
		StepPending: SandboxTemplateStepPending, Rejected: SandboxTemplateRejected, Approved: SandboxTemplateApproved,
		Paid: SandboxTemplatePaid, InvoiceCancelled: SandboxTemplateInvoiceCancelled,
	}}, c.WeChat.OA)
	require.Equal(t, Work{CorpID: SandboxWorkCorpID, AgentID: SandboxWorkAgentID, Secret: SandboxWorkSecret, CallbackToken: SandboxWorkCallbackToken, EncodingAESKey: SandboxWorkEncodingAESKey}, c.WeChat.Work)
	require.True(t, c.OAEnabled())
	require.True(t, c.WorkEnabled())
	require.Len(t, c.Auth.SessionSecret.Reveal(), 64)
	require.Len(t, c.Auth.DataKey.Reveal(), 64)
	require.False(t, c.Auth.SelfSignup)
	require.Equal(t, 12*time.Hour, c.Auth.SessionTTL)
	require.Equal(t, []string{"http://localhost:8080"}, c.H5.Origins)
	require.Equal(t, "http://localhost:8080/sandbox/jweixin.js", c.H5.JWeixinURL) // the sandbox stand-in
	require.Equal(t, SandboxCompanyName, c.Company.Name)
	require.Empty(t, c.Company.Buyers)
	require.Equal(t, dir+"/data/pdf", c.Storage.Dir)
	require.Equal(t, Log{Level: "info", Format: "text"}, c.Log)
	require.Equal(t, 15*time.Second, c.ShutdownTimeout)
}

func TestDefaultPathsFollowDataDir(t *testing.T) {
	// With no data_dir set the defaults are the documented relative paths.
	// Secrets are given so Load writes nothing into the source tree.
	c, err := Load("", []string{
		"BAOXIAO_AUTH_SESSION_SECRET=x", "BAOXIAO_AUTH_DATA_KEY=y",
	})
	require.NoError(t, err)
	require.Equal(t, "./data", c.DataDir)
	require.Equal(t, "./data/baoxiao.db", c.Database.DSN.Reveal())
	require.Equal(t, "./data/pdf", c.Storage.Dir)
}

func TestLiveDefaults(t *testing.T) {
	c := mustLoad(t, "", liveEnv...)
	require.False(t, c.Sandbox())
	require.Equal(t, "https://api.weixin.qq.com", c.WeChat.APIBase)
	require.Equal(t, "https://qyapi.weixin.qq.com", c.WeChat.WorkAPIBase)
	require.Equal(t, "https://open.weixin.qq.com", c.WeChat.OpenBase)
	require.True(t, c.OAEnabled())
	require.False(t, c.WorkEnabled(), "no demo WeCom credentials in live mode")
	require.Empty(t, c.Company.Name)
}

func TestFileOverridesDefaults(t *testing.T) {
	c := mustLoad(t, `
listen: "127.0.0.1:9000"
public_url: https://bx.example.com/app/
database:
  driver: mysql
  dsn: "bx:pw@tcp(db:3306)/baoxiao"
wechat:
  batch_size: 20
  timeout: 3s
  oa:
    app_id: wxfile
  work: ~            # null: keep the defaults
auth:
  self_signup: true
h5:
  origins:
    - https://bx.example.com
    - HTTPS://Admin.Example.com/
company:
  name: 某某有限公司
  buyers:
    - {title: 某某有限公司, tax_number: 91110000MA01ABCD2X}
    - title: 某某分公司
      tax_number: 110101199001011   # unquoted digits stay text
log: {level: debug, format: json}
`)
	require.Equal(t, "127.0.0.1:9000", c.Listen)
	require.Equal(t, "https://bx.example.com/app", c.PublicURL)
	require.Equal(t, "mysql", c.Database.Driver)
	require.Equal(t, "bx:pw@tcp(db:3306)/baoxiao?parseTime=true&loc=UTC", c.Database.DSN.Reveal())
	require.Equal(t, 20, c.WeChat.BatchSize)
	require.Equal(t, 3*time.Second, c.WeChat.Timeout)
	require.Equal(t, "wxfile", c.WeChat.OA.AppID)
	require.Equal(t, Secret(SandboxOAAppSecret), c.WeChat.OA.AppSecret)
	require.Equal(t, SandboxWorkCorpID, c.WeChat.Work.CorpID)
	require.True(t, c.Auth.SelfSignup)
	require.Equal(t, []string{"https://bx.example.com", "https://admin.example.com"}, c.H5.Origins)
	require.Equal(t, "https://bx.example.com/app/sandbox", c.Simulator.BaseURL)
	require.Equal(t, "某某有限公司", c.Company.Name)
	require.Equal(t, []Buyer{
		{Title: "某某有限公司", TaxNumber: "91110000MA01ABCD2X"},
		{Title: "某某分公司", TaxNumber: "110101199001011"},
	}, c.Company.Buyers)
	require.Equal(t, Log{Level: "debug", Format: "json"}, c.Log)
}

func TestEnvOverridesFile(t *testing.T) {
	file := `
listen: ":9000"
wechat: {batch_size: 20, oa: {app_id: wxfile}}
h5: {origins: [https://file.example.com]}
`
	c := mustLoad(t, file,
		"BAOXIAO_LISTEN=:9100",
		"BAOXIAO_WECHAT_OA_APP_ID=wxenv",
		"BAOXIAO_H5_ORIGINS=https://a.example.com, https://b.example.com",
		"BAOXIAO_WECHAT_BATCH_SIZE=", // empty counts as unset: the file wins
	)
	require.Equal(t, ":9100", c.Listen)
	require.Equal(t, "wxenv", c.WeChat.OA.AppID)
	require.Equal(t, []string{"https://a.example.com", "https://b.example.com"}, c.H5.Origins)
	require.Equal(t, 20, c.WeChat.BatchSize)
}

func TestSandboxBasesExplicit(t *testing.T) {
	c := mustLoad(t, "wechat: {api_base: 'https://api.weixin.qq.com/'}",
		"BAOXIAO_SANDBOX_BASE_URL=http://127.0.0.1:8090/")
	require.Equal(t, "https://api.weixin.qq.com", c.WeChat.APIBase, "explicit base kept, slash trimmed")
	require.Equal(t, "http://127.0.0.1:8090", c.WeChat.WorkAPIBase)
	require.Equal(t, "http://127.0.0.1:8090", c.WeChat.OpenBase)
}

func TestSandboxChannelCanBeTurnedOff(t *testing.T) {
	c := mustLoad(t, "wechat: {work: {corp_id: ''}}")
	require.True(t, c.OAEnabled())
	require.False(t, c.WorkEnabled())
}

func TestConfigFileFromEnv(t *testing.T) {
	dir := t.TempDir()
	envFile := writeFile(t, dir, "env.yaml", "listen: ':7001'\n")
	flagFile := writeFile(t, dir, "flag.yaml", "listen: ':7002'\n")
	base := []string{"BAOXIAO_DATA_DIR=" + filepath.Join(dir, "data"), "BAOXIAO_CONFIG=" + envFile}

	c, err := Load("", base)
	require.NoError(t, err)
	require.Equal(t, ":7001", c.Listen)

	c, err = Load(flagFile, base)
	require.NoError(t, err)
	require.Equal(t, ":7002", c.Listen, "the --config flag wins over BAOXIAO_CONFIG")
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"unknown top-level key", "listn: ':80'\n", []string{`config: listn: unknown key (`, "line 1"}},
		{"unknown nested key", "database:\n  drivr: mysql\n", []string{"config: database.drivr: unknown key", "line 2"}},
		{"unknown section", "wechat:\n  mp: {app_id: x}\n", []string{"config: wechat.mp: unknown key"}},
		{"key instead of section", "database: sqlite\n", []string{"config: database: must be a mapping of keys"}},
		{"list for a scalar", "listen: [a, b]\n", []string{"config: listen: must be a single value"}},
		{"duplicate key", "listen: ':1'\nlisten: ':2'\n", []string{"config: listen: set twice"}},
		{"bad buyer field", "company: {buyers: [{title: x, tax_no: y}]}\n", []string{`config: company.buyers: item 0: unknown field "tax_no"`}},
		{"bad type", "wechat: {batch_size: lots}\n", []string{`config: wechat.batch_size: must be an integer, got "lots"`}},
		{"top level not a mapping", "- a\n", []string{"top level must be a mapping"}},
		{"not yaml", "listen: [\n", []string{"config: parse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file)
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	require.ErrorContains(t, err, "config: read file")
}

func TestEmptyFile(t *testing.T) {
	c := mustLoad(t, "# nothing here\n")
	require.Equal(t, ":8080", c.Listen)
}

func TestAllProblemsInOneError(t *testing.T) {
	_, err := load(t, "listn: x\n", "BAOXIAO_DATABASE_DRIVER=pg", "BAOXIAO_LOG_LEVEL=trace", "BAOXIAO_WECHAT_BATCH_SIZ=1")
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 4, err.Error())
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, "config: "), l)
	}
}

func TestSlogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		c := mustLoad(t, "", "BAOXIAO_LOG_LEVEL="+in)
		require.Equal(t, want, c.Log.SlogLevel())
	}
}

package config

import (
	"encoding/base64"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// sample is a valid non-default value for a key, with any companion
// settings it needs (database.driver=mysql needs a DSN).
type sample struct {
	val   string
	extra []string
}

var aesKey = base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// samples must cover every key: TestEveryKeyRoundTrips fails for a new key
// until it gets one here.
var samples = map[string]sample{
	"mode":                                  {val: "live"},
	"listen":                                {val: "127.0.0.1:9090"},
	"public_url":                            {val: "https://bx.example.com"},
	"data_dir":                              {val: "DATA_DIR"}, // replaced by a temp dir
	"database.driver":                       {val: "mysql", extra: []string{"BAOXIAO_DATABASE_DSN=u:p@tcp(db:3306)/bx?parseTime=true&loc=UTC"}},
	"database.dsn":                          {val: "/srv/baoxiao/bx.db"},
	"database.max_open_conns":               {val: "7"},
	"cache.redis_url":                       {val: "rediss://:pw@redis.example.com:6380/1"},
	"wechat.api_base":                       {val: "https://api.example.com"},
	"wechat.work_api_base":                  {val: "https://qyapi.example.com"},
	"wechat.open_base":                      {val: "https://open.example.com"},
	"wechat.batch_size":                     {val: "100"},
	"wechat.timeout":                        {val: "2m30s"},
	"wechat.oa.app_id":                      {val: "wx0000000000000042"},
	"wechat.oa.app_secret":                  {val: "oa-secret-42"},
	"wechat.oa.callback_token":              {val: "oa-token-42"},
	"wechat.oa.encoding_aes_key":            {val: aesKey},
	"wechat.oa.templates.step_pending":      {val: "tpl_step"},
	"wechat.oa.templates.rejected":          {val: "tpl_rej"},
	"wechat.oa.templates.approved":          {val: "tpl_ok"},
	"wechat.oa.templates.paid":              {val: "tpl_paid"},
	"wechat.oa.templates.invoice_cancelled": {val: "tpl_red"},
	"wechat.work.corp_id":                   {val: "ww0000000000000042"},
	"wechat.work.agent_id":                  {val: "1000042"},
	"wechat.work.secret":                    {val: "work-secret-42"},
	"wechat.work.callback_token":            {val: "work-token-42"},
	"wechat.work.encoding_aes_key":          {val: aesKey},
	"auth.session_secret":                   {val: "session-secret-0123456789-0123456789"},
	"auth.data_key":                         {val: "data-key-0123456789-0123456789-0123"},
	"auth.self_signup":                      {val: "true"},
	"auth.session_ttl":                      {val: "36h0m0s"},
	"payment.finance_may_pay":               {val: "false"},
	"payment.payer_bank":                    {val: "中国工商银行北京海淀支行"},
	"payment.payer_account_name":            {val: "某某科技有限公司"},
	"h5.origins":                            {val: "https://a.example.com,https://b.example.com:8443"},
	"webhooks.allow_hosts":                  {val: "erp.internal,127.0.0.1,10.0.0.0/8"},
	"h5.jweixin_url":                        {val: "https://cdn.example.com/jweixin.js"},
	"company.name":                          {val: "某某科技有限公司"},
	"company.buyers":                        {val: `[{"title":"某某科技有限公司","tax_number":"91110000MA01ABCD2X"}]`},
	"sandbox.base_url":                      {val: "https://sb.example.com/wx"},
	"storage.driver":                        {val: "db"},
	"approval.fallback":                     {val: "role:finance,admin"},
	"storage.dir":                           {val: "/srv/baoxiao/pdf"},
	"storage.s3.endpoint":                   {val: "https://s3.example.com"},
	"storage.s3.bucket":                     {val: "baoxiao-originals"},
	"storage.s3.region":                     {val: "cn-shenzhen"},
	"storage.s3.access_key":                 {val: "AKIAEXAMPLE42"},
	"storage.s3.secret_key":                 {val: "s3-secret-42"},
	"storage.s3.path_style":                 {val: "false"},
	"storage.s3.prefix":                     {val: "baoxiao/"},
	"intake.imap.url":                       {val: "imaps://imap.example.com:993", extra: []string{"BAOXIAO_INTAKE_IMAP_USERNAME=fapiao@example.com", "BAOXIAO_INTAKE_IMAP_PASSWORD=pw"}},
	"intake.imap.username":                  {val: "fapiao@example.com"},
	"intake.imap.password":                  {val: "imap-password-42"},
	"intake.imap.mailbox":                   {val: "Invoices"},
	"intake.imap.processed_folder":          {val: "Done"},
	"intake.imap.unmatched_folder":          {val: "Nobody"},
	"intake.imap.poll_interval":             {val: "2m0s"},
	"intake.imap.address":                   {val: "fp@example.com"},
	"intake.imap.trust_from":                {val: "true"},
	"log.level":                             {val: "debug"},
	"log.format":                            {val: "json"},
	"shutdown_timeout":                      {val: "45s"},
}

// TestEveryKeyRoundTrips sets each key through its variable and through the
// file, and reads it back, so the mapping, the parser and the struct agree.
func TestEveryKeyRoundTrips(t *testing.T) {
	for _, k := range keys {
		s, ok := samples[k.name]
		require.True(t, ok, "key %s has no sample in keys_test.go", k.name)
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			val := s.val
			if val == "DATA_DIR" {
				val = filepath.Join(dir, "other")
			}
			base := append([]string{"BAOXIAO_DATA_DIR=" + filepath.Join(dir, "data")}, liveEnv[1:]...)
			base = append(base, s.extra...)

			c, err := Load("", append(base, envName(k.name)+"="+val))
			require.NoError(t, err)
			require.Equal(t, val, k.get(c), "via %s", envName(k.name))

			// The file case drops the key's own variable, which would win.
			base = slices.DeleteFunc(base, func(kv string) bool { return strings.HasPrefix(kv, envName(k.name)+"=") })
			file := writeFile(t, dir, "c.yaml", nestedYAML(t, k.name, val))
			c, err = Load(file, base)
			require.NoError(t, err)
			require.Equal(t, val, k.get(c), "via the file")
		})
	}
}

// nestedYAML renders one dotted key as a nested YAML document.
func nestedYAML(t *testing.T, key, val string) string {
	var doc any = val
	parts := strings.Split(key, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		doc = map[string]any{parts[i]: doc}
	}
	b, err := yaml.Marshal(doc)
	require.NoError(t, err)
	return string(b)
}

func TestEnvNames(t *testing.T) {
	seen := map[string]string{}
	for _, d := range Keys() {
		require.Equal(t, "BAOXIAO_"+strings.ToUpper(strings.ReplaceAll(d.Key, ".", "_")), d.Env)
		require.NotEqual(t, EnvConfigFile, d.Env)
		require.Empty(t, seen[d.Env], "%s and %s share %s", seen[d.Env], d.Key, d.Env)
		seen[d.Env] = d.Key
		require.NotEmpty(t, d.Default, d.Key)
		require.NotEmpty(t, d.Help, d.Key)
	}
	require.Equal(t, "BAOXIAO_WECHAT_OA_APP_ID", envName("wechat.oa.app_id"))
}

// TestRedactedHasEveryKey keeps the yaml tags in step with the mapping, so
// `baoxiao config` output reads back as a config file.
func TestRedactedHasEveryKey(t *testing.T) {
	c := mustLoad(t, "")
	out, err := c.Redacted()
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(out, &doc))

	var got []string
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			name := prefix + n.Content[i].Value
			if sections[name] {
				walk(name+".", n.Content[i+1])
				continue
			}
			got = append(got, name)
		}
	}
	walk("", doc.Content[0])
	var want []string
	for _, d := range Keys() {
		want = append(want, d.Key)
	}
	require.Equal(t, want, got)
}

func TestUnknownEnv(t *testing.T) {
	_, err := load(t, "", "BAOXIAO_WECHAT_OA_APPID=wx1", "BAOXIAO_NOT_A_THING=1", "OTHER_VAR=1", "BAOXIAO_CONFIG=")
	require.Error(t, err)
	require.Contains(t, err.Error(), "config: BAOXIAO_WECHAT_OA_APPID: unknown environment variable")
	require.Contains(t, err.Error(), "did you mean BAOXIAO_WECHAT_OA_APP_ID?")
	require.Contains(t, err.Error(), "config: BAOXIAO_NOT_A_THING: unknown environment variable")
	require.NotContains(t, err.Error(), "OTHER_VAR")
	require.NotContains(t, err.Error(), "BAOXIAO_CONFIG")
}

package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts the environment variable of every key.
const EnvPrefix = "BAOXIAO_"

// EnvConfigFile names the config file when Load gets no path. It is the only
// BAOXIAO_ variable that is not a key.
const EnvConfigFile = "BAOXIAO_CONFIG"

// KeyDoc describes one configuration key for the README and `baoxiao config`.
type KeyDoc struct {
	Key     string // dotted path in the YAML file, e.g. "wechat.oa.app_id"
	Env     string // e.g. "BAOXIAO_WECHAT_OA_APP_ID"
	Default string // human-readable default
	Help    string
}

// key is one row of the mapping: how to set a key from its text form and how
// to render it back (the tests round-trip every key through the environment).
type key struct {
	name, def, help string
	set             func(c *Config, v string) error
	get             func(c *Config) string
	// setNode, when present, reads a non-scalar YAML value (the list keys).
	setNode func(c *Config, n *yaml.Node) error
}

// keys is the explicit mapping of DECISIONS 29: env names come from here,
// never from splitting a variable name on "_".
var keys = []key{
	strKey("mode", "`sandbox`", "`sandbox` (embedded WeChat simulator) or `live`", func(c *Config) *string { return (*string)(&c.Mode) }),
	strKey("listen", "`:8080`", "HTTP listen address", func(c *Config) *string { return &c.Listen }),
	strKey("public_url", "`http://localhost:8080`", "absolute http(s) URL users reach; H5 origin, OAuth redirects and callbacks", func(c *Config) *string { return &c.PublicURL }),
	strKey("data_dir", "`./data`", "directory for generated sandbox secrets, the default SQLite file and PDFs", func(c *Config) *string { return &c.DataDir }),
	strKey("database.driver", "`sqlite`", "`sqlite` or `mysql` (MariaDB too)", func(c *Config) *string { return &c.Database.Driver }),
	dsnKey("database.dsn", "data_dir + `/baoxiao.db` (sqlite); required for mysql", "SQLite file path, or MySQL DSN (parseTime=true&loc=UTC are added)", func(c *Config) *DSN { return &c.Database.DSN }),
	intKey("database.max_open_conns", "`20`", "connection pool size", func(c *Config) *int { return &c.Database.MaxOpenConns }),
	dsnKey("cache.redis_url", "empty (in-process memory)", "redis:// or rediss:// URL shared by all instances", func(c *Config) *DSN { return &c.Cache.RedisURL }),
	strKey("wechat.api_base", "`https://api.weixin.qq.com` (sandbox: sandbox.base_url)", "Official Account API base", func(c *Config) *string { return &c.WeChat.APIBase }),
	strKey("wechat.work_api_base", "`https://qyapi.weixin.qq.com` (sandbox: sandbox.base_url)", "WeCom API base", func(c *Config) *string { return &c.WeChat.WorkAPIBase }),
	strKey("wechat.open_base", "`https://open.weixin.qq.com` (sandbox: sandbox.base_url)", "base of the OAuth pages", func(c *Config) *string { return &c.WeChat.OpenBase }),
	intKey("wechat.batch_size", "`50`", "invoices per batch call, 1..100", func(c *Config) *int { return &c.WeChat.BatchSize }),
	durationKey("wechat.timeout", "`10s`", "timeout of one WeChat API call", func(c *Config) *time.Duration { return &c.WeChat.Timeout }),
	strKey("wechat.oa.app_id", "empty (sandbox: `"+SandboxOAAppID+"`)", "Official Account AppID; empty turns the OA channel off", func(c *Config) *string { return &c.WeChat.OA.AppID }),
	secretKey("wechat.oa.app_secret", "empty (sandbox: demo secret)", "Official Account AppSecret", func(c *Config) *Secret { return &c.WeChat.OA.AppSecret }),
	secretKey("wechat.oa.callback_token", "empty (sandbox: `"+SandboxOACallbackToken+"`)", "token of the OA callback URL; required in live mode with an OA channel", func(c *Config) *Secret { return &c.WeChat.OA.CallbackToken }),
	secretKey("wechat.oa.encoding_aes_key", "empty (plaintext callbacks)", "43-character EncodingAESKey for encrypted OA callbacks", func(c *Config) *Secret { return &c.WeChat.OA.EncodingAESKey }),
	strKey("wechat.oa.templates.step_pending", "empty (sandbox: `"+SandboxTemplateStepPending+"`)", "OA template id of the approver's action-needed notice; empty: inbox only", func(c *Config) *string { return &c.WeChat.OA.Templates.StepPending }),
	strKey("wechat.oa.templates.rejected", "empty (sandbox: `"+SandboxTemplateRejected+"`)", "OA template id of the rejected notice", func(c *Config) *string { return &c.WeChat.OA.Templates.Rejected }),
	strKey("wechat.oa.templates.approved", "empty (sandbox: `"+SandboxTemplateApproved+"`)", "OA template id of the approved notice", func(c *Config) *string { return &c.WeChat.OA.Templates.Approved }),
	strKey("wechat.oa.templates.paid", "empty (sandbox: `"+SandboxTemplatePaid+"`)", "OA template id of the paid notice", func(c *Config) *string { return &c.WeChat.OA.Templates.Paid }),
	strKey("wechat.oa.templates.invoice_cancelled", "empty (sandbox: `"+SandboxTemplateInvoiceCancelled+"`)", "OA template id of the red-flushed invoice notice", func(c *Config) *string { return &c.WeChat.OA.Templates.InvoiceCancelled }),
	strKey("wechat.work.corp_id", "empty (sandbox: `"+SandboxWorkCorpID+"`)", "WeCom CorpID; empty turns the WeCom channel off", func(c *Config) *string { return &c.WeChat.Work.CorpID }),
	strKey("wechat.work.agent_id", "empty (sandbox: `"+SandboxWorkAgentID+"`)", "WeCom AgentId (digits)", func(c *Config) *string { return &c.WeChat.Work.AgentID }),
	secretKey("wechat.work.secret", "empty (sandbox: demo secret)", "WeCom application Secret", func(c *Config) *Secret { return &c.WeChat.Work.Secret }),
	secretKey("wechat.work.callback_token", "empty (sandbox: `"+SandboxWorkCallbackToken+"`)", "token of the WeCom callback URL", func(c *Config) *Secret { return &c.WeChat.Work.CallbackToken }),
	secretKey("wechat.work.encoding_aes_key", "empty (sandbox: a demo key)", "43-character EncodingAESKey of the WeCom callback URL", func(c *Config) *Secret { return &c.WeChat.Work.EncodingAESKey }),
	secretKey("auth.session_secret", "generated into data_dir in sandbox; required in live", "signs sessions; at least 32 characters in live mode", func(c *Config) *Secret { return &c.Auth.SessionSecret }),
	secretKey("auth.data_key", "generated into data_dir in sandbox; required in live", "encrypts open-API app secrets at rest; at least 32 characters in live mode", func(c *Config) *Secret { return &c.Auth.DataKey }),
	boolKey("auth.self_signup", "`false`", "let unknown WeChat users sign up", func(c *Config) *bool { return &c.Auth.SelfSignup }),
	durationKey("auth.session_ttl", "`12h`", "session lifetime", func(c *Config) *time.Duration { return &c.Auth.SessionTTL }),
	{
		name: "h5.origins", def: "the origin of public_url",
		help: "origins allowed to call the API from a browser; comma-separated in the environment, a list in the file",
		set: func(c *Config, v string) error {
			c.H5.Origins = splitList(v)
			return nil
		},
		get:     func(c *Config) string { return strings.Join(c.H5.Origins, ",") },
		setNode: setOriginsNode,
	},
	strKey("h5.jweixin_url", "`https://res.wx.qq.com/open/js/jweixin-1.6.0.js` (sandbox: sandbox.base_url + `/jweixin.js`)", "JS-SDK script the H5 pages load", func(c *Config) *string { return &c.H5.JWeixinURL }),
	strKey("company.name", "empty (sandbox: `"+SandboxCompanyName+"`)", "company name shown in the UI", func(c *Config) *string { return &c.Company.Name }),
	{
		name: "company.buyers", def: "empty",
		help: `buyer entities, a list of {title, tax_number}; a JSON array in the environment`,
		set: func(c *Config, v string) error {
			d := json.NewDecoder(strings.NewReader(v))
			d.DisallowUnknownFields()
			var b []Buyer
			if err := d.Decode(&b); err != nil {
				return fmt.Errorf(`must be a JSON array like [{"title":"…","tax_number":"…"}]: %v`, err)
			}
			c.Company.Buyers = b
			return nil
		},
		get: func(c *Config) string {
			var buf bytes.Buffer
			e := json.NewEncoder(&buf)
			e.SetEscapeHTML(false)
			_ = e.Encode(c.Company.Buyers)
			return strings.TrimSpace(buf.String())
		},
		setNode: setBuyersNode,
	},
	strKey("sandbox.base_url", "public_url + `/sandbox`", "where the embedded sandbox serves WeChat's paths", func(c *Config) *string { return &c.Simulator.BaseURL }),
	strKey("approval.fallback", "`role:admin`", "who approves a report whose whole approval chain is empty once the submitter is removed: `role:<role>` and/or employee ids, comma-separated; empty refuses such a submit", func(c *Config) *string { return &c.Approval.Fallback }),
	strKey("storage.driver", "`dir`", "where invoice originals are kept: `dir` (files under storage.dir), `db` (the database's blobs table, for several instances without a shared disk) or `s3` (an S3-compatible object store, storage.s3.*)", func(c *Config) *string { return &c.Storage.Driver }),
	strKey("storage.dir", "data_dir + `/pdf`", "directory of invoice originals (storage.driver `dir`)", func(c *Config) *string { return &c.Storage.Dir }),
	strKey("storage.s3.endpoint", "empty; required for `s3`", "http(s) URL of the S3-compatible store, e.g. `https://s3.example.com` or `http://minio.internal:9000`", func(c *Config) *string { return &c.Storage.S3.Endpoint }),
	strKey("storage.s3.bucket", "empty; required for `s3`", "bucket of the originals (it must exist)", func(c *Config) *string { return &c.Storage.S3.Bucket }),
	strKey("storage.s3.region", "`us-east-1`", "region the requests are signed for", func(c *Config) *string { return &c.Storage.S3.Region }),
	strKey("storage.s3.access_key", "empty; required for `s3`", "access key id", func(c *Config) *string { return &c.Storage.S3.AccessKey }),
	secretKey("storage.s3.secret_key", "empty; required for `s3`", "secret access key", func(c *Config) *Secret { return &c.Storage.S3.SecretKey }),
	boolKey("storage.s3.path_style", "`true`", "address the bucket in the path (host/bucket/key), as every S3-compatible store takes; `false` for virtual-host style (bucket.host/key)", func(c *Config) *bool { return &c.Storage.S3.PathStyle }),
	strKey("storage.s3.prefix", "empty", "prefix of every object key, e.g. `baoxiao/`, to share a bucket", func(c *Config) *string { return &c.Storage.S3.Prefix }),
	{
		name: "webhooks.allow_hosts", def: "empty (public addresses only)",
		help: "hosts, IP addresses or CIDR ranges webhooks may reach although not public (loopback, private, link-local); comma-separated in the environment, a list in the file",
		set: func(c *Config, v string) error {
			c.Webhooks.AllowHosts = splitList(v)
			return nil
		},
		get: func(c *Config) string { return strings.Join(c.Webhooks.AllowHosts, ",") },
		setNode: func(c *Config, n *yaml.Node) error {
			if n.Kind != yaml.SequenceNode {
				return errors.New("must be a list of hosts or CIDR ranges")
			}
			c.Webhooks.AllowHosts = nil
			for _, item := range n.Content {
				item = resolve(item)
				if item.Kind != yaml.ScalarNode {
					return errors.New("must be a list of hosts or CIDR ranges")
				}
				c.Webhooks.AllowHosts = append(c.Webhooks.AllowHosts, strings.TrimSpace(item.Value))
			}
			return nil
		},
	},
	boolKey("payment.finance_may_pay", "`true`", "let the finance role record payments besides cashiers", func(c *Config) *bool { return &c.Payment.FinanceMayPay }),
	strKey("payment.payer_bank", "empty", "the paying account's bank (付款账号开户行) in bank batch files", func(c *Config) *string { return &c.Payment.PayerBank }),
	strKey("payment.payer_account_name", "empty (the company name)", "the paying account's name (付款账号名称) in bank batch files", func(c *Config) *string { return &c.Payment.PayerAccountName }),
	// The mailbox intake (config/intake.go).
	strKey("intake.imap.url", "empty (mailbox intake off)", "imaps://host[:port] (TLS), or imap://host[:port] (STARTTLS required; plain text only on loopback)", func(c *Config) *string { return &c.Intake.IMAP.URL }),
	strKey("intake.imap.username", "empty", "IMAP login", func(c *Config) *string { return &c.Intake.IMAP.Username }),
	secretKey("intake.imap.password", "empty", "IMAP password", func(c *Config) *Secret { return &c.Intake.IMAP.Password }),
	strKey("intake.imap.mailbox", "`INBOX`", "folder the invoices arrive in", func(c *Config) *string { return &c.Intake.IMAP.Mailbox }),
	strKey("intake.imap.processed_folder", "`Processed`", "folder taken mail moves to (created when missing)", func(c *Config) *string { return &c.Intake.IMAP.ProcessedFolder }),
	strKey("intake.imap.unmatched_folder", "`Unmatched`", "folder mail that matched no employee moves to (created when missing)", func(c *Config) *string { return &c.Intake.IMAP.UnmatchedFolder }),
	durationKey("intake.imap.poll_interval", "`1m`", "how often the mailbox is read without IDLE, and the longest wait with it", func(c *Config) *time.Duration { return &c.Intake.IMAP.PollInterval }),
	strKey("intake.imap.address", "intake.imap.username when it is an address", "the mailbox's address local@domain; each employee's is local+token@domain", func(c *Config) *string { return &c.Intake.IMAP.Address }),
	boolKey("intake.imap.trust_from", "`false`", "also match mail by a From address equal to exactly one active employee's email (From can be forged)", func(c *Config) *bool { return &c.Intake.IMAP.TrustFrom }),
	strKey("log.level", "`info`", "debug, info, warn or error", func(c *Config) *string { return &c.Log.Level }),
	strKey("log.format", "`text`", "text or json", func(c *Config) *string { return &c.Log.Format }),
	durationKey("shutdown_timeout", "`15s`", "grace period for in-flight requests and workers on shutdown", func(c *Config) *time.Duration { return &c.ShutdownTimeout }),
}

// keyByName and sections are built from keys; sections are the dotted
// prefixes ("wechat", "wechat.oa") that may appear as mappings in the file.
var keyByName, sections = index(keys)

func index(ks []key) (map[string]*key, map[string]bool) {
	byName := make(map[string]*key, len(ks))
	secs := map[string]bool{}
	for i := range ks {
		k := &ks[i]
		byName[k.name] = k
		for j := range len(k.name) {
			if k.name[j] == '.' {
				secs[k.name[:j]] = true
			}
		}
	}
	return byName, secs
}

// envName derives a key's variable: wechat.oa.app_id → BAOXIAO_WECHAT_OA_APP_ID.
func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Keys returns every configuration key in file order, for documentation.
func Keys() []KeyDoc {
	out := make([]KeyDoc, len(keys))
	for i, k := range keys {
		out[i] = KeyDoc{Key: k.name, Env: envName(k.name), Default: k.def, Help: k.help}
	}
	return out
}

func strKey(name, def, help string, field func(*Config) *string) key {
	return key{name: name, def: def, help: help,
		set: func(c *Config, v string) error { *field(c) = v; return nil },
		get: func(c *Config) string { return *field(c) },
	}
}

func secretKey(name, def, help string, field func(*Config) *Secret) key {
	return key{name: name, def: def, help: help + " (secret)",
		set: func(c *Config, v string) error { *field(c) = Secret(v); return nil },
		get: func(c *Config) string { return field(c).Reveal() },
	}
}

func dsnKey(name, def, help string, field func(*Config) *DSN) key {
	return key{name: name, def: def, help: help,
		set: func(c *Config, v string) error { *field(c) = DSN(v); return nil },
		get: func(c *Config) string { return field(c).Reveal() },
	}
}

func intKey(name, def, help string, field func(*Config) *int) key {
	return key{name: name, def: def, help: help,
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("must be an integer, got %q", v)
			}
			*field(c) = n
			return nil
		},
		get: func(c *Config) string { return strconv.Itoa(*field(c)) },
	}
}

func boolKey(name, def, help string, field func(*Config) *bool) key {
	return key{name: name, def: def, help: help,
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("must be true or false, got %q", v)
			}
			*field(c) = b
			return nil
		},
		get: func(c *Config) string { return strconv.FormatBool(*field(c)) },
	}
}

func durationKey(name, def, help string, field func(*Config) *time.Duration) key {
	return key{name: name, def: def, help: help,
		set: func(c *Config, v string) error {
			d, err := time.ParseDuration(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("must be a duration like 10s or 1m30s, got %q", v)
			}
			*field(c) = d
			return nil
		},
		get: func(c *Config) string { return field(c).String() },
	}
}

// splitList reads the comma-separated form of a list, dropping empty items.
func splitList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

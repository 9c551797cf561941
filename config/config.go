package config

import (
	"log/slog"
	"time"

	"gopkg.in/yaml.v3"
)

// Mode selects between the embedded WeChat sandbox and real WeChat.
type Mode string

// The two modes. Sandbox is the default so `make run` works with no setup.
const (
	ModeSandbox Mode = "sandbox"
	ModeLive    Mode = "live"
)

// Config is the effective configuration of one baoxiao process. Load builds
// it; the yaml tags give the key names (see Keys for the full table).
type Config struct {
	Mode            Mode          `yaml:"mode"`
	Listen          string        `yaml:"listen"`
	PublicURL       string        `yaml:"public_url"` // no trailing slash
	DataDir         string        `yaml:"data_dir"`
	Database        Database      `yaml:"database"`
	Cache           Cache         `yaml:"cache"`
	WeChat          WeChat        `yaml:"wechat"`
	Auth            Auth          `yaml:"auth"`
	H5              H5            `yaml:"h5"`
	Company         Company       `yaml:"company"`
	Simulator       Simulator     `yaml:"sandbox"` // field name differs: Sandbox is a method
	Approval        Approval      `yaml:"approval"`
	Storage         Storage       `yaml:"storage"`
	Webhooks        Webhooks      `yaml:"webhooks"`
	Payment         Payment       `yaml:"payment"`
	Intake          Intake        `yaml:"intake"`
	Log             Log           `yaml:"log"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Database holds the `database.*` keys.
type Database struct {
	Driver string `yaml:"driver"` // "sqlite" or "mysql"
	// DSN is a file path or file: URI for SQLite; for MySQL it always carries
	// parseTime=true&loc=UTC.
	DSN          DSN `yaml:"dsn"`
	MaxOpenConns int `yaml:"max_open_conns"`
}

// Cache holds the `cache.*` keys.
type Cache struct {
	RedisURL DSN `yaml:"redis_url"` // empty: in-process memory cache
}

// WeChat holds the `wechat.*` keys. The bases carry no trailing slash.
type WeChat struct {
	APIBase     string        `yaml:"api_base"`
	WorkAPIBase string        `yaml:"work_api_base"`
	OpenBase    string        `yaml:"open_base"`
	BatchSize   int           `yaml:"batch_size"`
	Timeout     time.Duration `yaml:"timeout"`
	OA          OA            `yaml:"oa"`
	Work        Work          `yaml:"work"`
}

// OA is the WeChat Official Account (公众号) channel.
type OA struct {
	AppID          string `yaml:"app_id"`
	AppSecret      Secret `yaml:"app_secret"`
	CallbackToken  Secret `yaml:"callback_token"`
	EncodingAESKey Secret `yaml:"encoding_aes_key"` // empty: plaintext callbacks
	// Templates are the template message ids per notice (DECISIONS 47);
	// an empty one leaves that notice in the inbox only.
	Templates OATemplates `yaml:"templates"`
}

// OATemplates are the OA template ids of the notices.
type OATemplates struct {
	StepPending      string `yaml:"step_pending"`
	Rejected         string `yaml:"rejected"`
	Approved         string `yaml:"approved"`
	Paid             string `yaml:"paid"`
	InvoiceCancelled string `yaml:"invoice_cancelled"`
}

// Map is the ids by notice event.
func (t OATemplates) Map() map[string]string {
	return map[string]string{
		"step_pending": t.StepPending, "rejected": t.Rejected, "approved": t.Approved,
		"paid": t.Paid, "invoice_cancelled": t.InvoiceCancelled,
	}
}

// Work is the WeCom (企业微信) channel.
type Work struct {
	CorpID         string `yaml:"corp_id"`
	AgentID        string `yaml:"agent_id"` // digits, kept as text like WeChat sends it
	Secret         Secret `yaml:"secret"`
	CallbackToken  Secret `yaml:"callback_token"`
	EncodingAESKey Secret `yaml:"encoding_aes_key"`
}

// Auth holds the `auth.*` keys.
type Auth struct {
	SessionSecret Secret        `yaml:"session_secret"`
	DataKey       Secret        `yaml:"data_key"` // encrypts open-API app secrets at rest (DECISIONS 18)
	SelfSignup    bool          `yaml:"self_signup"`
	SessionTTL    time.Duration `yaml:"session_ttl"`
}

// H5 holds the `h5.*` keys of the mobile web pages.
type H5 struct {
	Origins    []string `yaml:"origins"` // scheme://host[:port], no trailing slash
	JWeixinURL string   `yaml:"jweixin_url"`
}

// Company holds the `company.*` keys (DECISIONS 1).
type Company struct {
	Name   string  `yaml:"name"`
	Buyers []Buyer `yaml:"buyers"`
}

// Buyer is a buyer entity (购买方): the invoice title (抬头) and its tax
// number (税号).
type Buyer struct {
	Title     string `yaml:"title" json:"title"`
	TaxNumber string `yaml:"tax_number" json:"tax_number"`
}

// Simulator holds the `sandbox.*` keys of the embedded WeChat sandbox.
type Simulator struct {
	BaseURL string `yaml:"base_url"` // no trailing slash
}

// Approval holds the `approval.*` keys.
type Approval struct {
	// Fallback approves a report whose whole chain is empty once the
	// submitter is removed (DECISIONS 45): "role:<role>" and/or employee
	// ids, comma-separated; empty means nobody (the submit is refused).
	Fallback string `yaml:"fallback"`
}

// Webhooks holds the `webhooks.*` keys.
type Webhooks struct {
	// AllowHosts names hosts, IP addresses or CIDR ranges webhooks may
	// reach although they are not public (loopback, private, link-local).
	AllowHosts []string `yaml:"allow_hosts"`
}

// Payment holds the `payment.*` keys (issue 17).
type Payment struct {
	// FinanceMayPay lets the finance role record payments besides
	// cashiers (DECISIONS 36).
	FinanceMayPay bool `yaml:"finance_may_pay"`
	// PayerBank and PayerAccountName fill the bank file's payer columns.
	PayerBank        string `yaml:"payer_bank"`
	PayerAccountName string `yaml:"payer_account_name"`
}

// Storage holds the `storage.*` keys (DECISIONS 11).
type Storage struct {
	Driver string `yaml:"driver"` // dir (default), db or s3
	Dir    string `yaml:"dir"`
	S3     S3     `yaml:"s3"`
}

// S3 holds the `storage.s3.*` keys: any S3-compatible object store
// (DECISIONS 51).
type S3 struct {
	Endpoint  string `yaml:"endpoint"` // http(s)://host[:port]
	Bucket    string `yaml:"bucket"`
	Region    string `yaml:"region"`
	AccessKey string `yaml:"access_key"`
	SecretKey Secret `yaml:"secret_key"`
	// PathStyle addresses the bucket in the path (host/bucket/key), which
	// every S3-compatible store takes; false uses bucket.host/key.
	PathStyle bool   `yaml:"path_style"`
	Prefix    string `yaml:"prefix"` // prepended to every object key
}

// Log holds the `log.*` keys.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn or error
	Format string `yaml:"format"` // text or json
}

// SlogLevel returns Level as a slog.Level; Load has validated it.
func (l Log) SlogLevel() slog.Level {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(l.Level))
	return lv
}

// Sandbox reports whether the process runs against the embedded sandbox.
func (c *Config) Sandbox() bool { return c.Mode == ModeSandbox }

// OAEnabled reports whether the Official Account channel has credentials.
func (c *Config) OAEnabled() bool {
	return c.WeChat.OA.AppID != "" && c.WeChat.OA.AppSecret != ""
}

// WorkEnabled reports whether the WeCom channel has credentials.
func (c *Config) WorkEnabled() bool {
	w := c.WeChat.Work
	return w.CorpID != "" && w.AgentID != "" && w.Secret != ""
}

// Redacted returns the effective configuration as YAML, in the file format,
// with secrets shown as "[redacted]" and passwords in DSNs masked. It backs
// `baoxiao config`.
func (c *Config) Redacted() ([]byte, error) {
	return yaml.Marshal(c)
}

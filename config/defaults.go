package config

import (
	"net/url"
	"strings"
	"time"
)

// defaults returns the fixed defaults: the embedded mode of STYLE §9. Those
// that depend on other keys are filled by derive once the file and the
// environment are in.
func defaults() *Config {
	return &Config{
		Mode:      ModeSandbox,
		Listen:    ":8080",
		PublicURL: "http://localhost:8080",
		DataDir:   "./data",
		Database:  Database{Driver: "sqlite", MaxOpenConns: 20},
		WeChat: WeChat{
			APIBase:     "https://api.weixin.qq.com",
			WorkAPIBase: "https://qyapi.weixin.qq.com",
			OpenBase:    "https://open.weixin.qq.com",
			BatchSize:   50,
			Timeout:     10 * time.Second,
		},
		Auth:     Auth{SessionTTL: 12 * time.Hour},
		H5:       H5{JWeixinURL: "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"},
		Storage:  Storage{Driver: "dir", S3: S3{Region: "us-east-1", PathStyle: true}},
		Approval: Approval{Fallback: "role:admin"},
		Payment:  Payment{FinanceMayPay: true},
		Intake: Intake{IMAP: IMAP{
			Mailbox: "INBOX", ProcessedFolder: "Processed", UnmatchedFolder: "Unmatched", PollInterval: time.Minute,
		}},
		Log:             Log{Level: "info", Format: "text"},
		ShutdownTimeout: 15 * time.Second,
	}
}

// derive normalises URLs and fills the defaults computed from other keys.
// It runs before validation, which then checks derived values too.
func (l *loader) derive() {
	c := l.cfg
	c.PublicURL = strings.TrimRight(strings.TrimSpace(c.PublicURL), "/")
	c.DataDir = strings.TrimSpace(c.DataDir)
	dataDir := strings.TrimRight(c.DataDir, "/") // "./data/" gives "./data/pdf", not "./data//pdf"
	if c.Database.Driver == "sqlite" {
		l.fillDSN("database.dsn", &c.Database.DSN, dataDir+"/baoxiao.db")
	}
	l.fill("storage.dir", &c.Storage.Dir, dataDir+"/pdf")
	l.fill("sandbox.base_url", &c.Simulator.BaseURL, c.PublicURL+"/sandbox")
	if !l.set["h5.origins"] {
		if o := origin(c.PublicURL); o != "" {
			c.H5.Origins = []string{o}
		}
	}
	c.Simulator.BaseURL = strings.TrimRight(c.Simulator.BaseURL, "/")
	l.deriveIntake()
	if c.Sandbox() {
		l.sandboxDefaults()
	}
	for _, p := range []*string{&c.WeChat.APIBase, &c.WeChat.WorkAPIBase, &c.WeChat.OpenBase} {
		*p = strings.TrimRight(*p, "/")
	}
	for i, o := range c.H5.Origins {
		c.H5.Origins[i] = strings.ToLower(strings.TrimRight(o, "/"))
	}
}

// fill sets a string key to v unless the file or the environment set it.
func (l *loader) fill(key string, p *string, v string) {
	if !l.set[key] {
		*p = v
	}
}

func (l *loader) fillSecret(key string, p *Secret, v string) {
	if !l.set[key] {
		*p = Secret(v)
	}
}

func (l *loader) fillDSN(key string, p *DSN, v string) {
	if !l.set[key] {
		*p = DSN(v)
	}
}

// origin returns scheme://host[:port] of an absolute URL, or "" when it has
// none; validation reports the bad URL itself.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

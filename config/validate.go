package config

import (
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// minKeyLen is the shortest session secret or data key accepted in live mode:
// shorter ones are guessable, and the generated ones are 64 hex characters.
const minKeyLen = 32

// validate checks every key and records each problem; it never stops early,
// so the operator sees everything wrong at once.
func (l *loader) validate() {
	c := l.cfg
	if c.Mode != ModeSandbox && c.Mode != ModeLive {
		l.fail("mode", "must be %q or %q, got %q", ModeSandbox, ModeLive, c.Mode)
	}
	l.checkListen(c.Listen)
	l.checkBase("public_url", c.PublicURL)
	if c.DataDir == "" {
		l.fail("data_dir", "must not be empty")
	}
	l.checkDatabase()
	if r := c.Cache.RedisURL.Reveal(); r != "" {
		// Never quote the URL: it may hold a password.
		if u, err := url.Parse(r); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			l.fail("cache.redis_url", "must be a redis:// or rediss:// URL with a host")
		}
	}
	l.checkBase("wechat.api_base", c.WeChat.APIBase)
	l.checkBase("wechat.work_api_base", c.WeChat.WorkAPIBase)
	l.checkBase("wechat.open_base", c.WeChat.OpenBase)
	if n := c.WeChat.BatchSize; n < 1 || n > 100 {
		l.fail("wechat.batch_size", "must be between 1 and 100, got %d", n)
	}
	l.checkPositive("wechat.timeout", c.WeChat.Timeout.Nanoseconds())
	l.checkAESKey("wechat.oa.encoding_aes_key", c.WeChat.OA.EncodingAESKey)
	l.checkAESKey("wechat.work.encoding_aes_key", c.WeChat.Work.EncodingAESKey)
	if a := c.WeChat.Work.AgentID; a != "" && strings.Trim(a, "0123456789") != "" {
		l.fail("wechat.work.agent_id", "must be digits, got %q", a)
	}
	l.checkPositive("auth.session_ttl", c.Auth.SessionTTL.Nanoseconds())
	l.checkOrigins()
	l.checkWebhookHosts()
	if u := c.H5.JWeixinURL; !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
		l.checkURL("h5.jweixin_url", u, "an absolute http(s) URL or a path starting with /")
	}
	l.checkBuyers()
	l.checkBase("sandbox.base_url", c.Simulator.BaseURL)
	if !slices.Contains([]string{"dir", "db", "s3"}, c.Storage.Driver) {
		l.fail("storage.driver", "must be dir, db or s3, got %q", c.Storage.Driver)
	}
	if c.Storage.Dir == "" && c.Storage.Driver == "dir" {
		l.fail("storage.dir", "must not be empty")
	}
	l.checkS3()
	l.checkIntake()
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		l.fail("log.level", "must be one of debug, info, warn, error, got %q", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		l.fail("log.format", `must be "text" or "json", got %q`, c.Log.Format)
	}
	l.checkPositive("shutdown_timeout", c.ShutdownTimeout.Nanoseconds())
	if c.Mode == ModeLive {
		l.checkLive()
	}
}

func (l *loader) checkListen(addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		l.fail("listen", "must be host:port or :port, got %q", addr)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.fail("listen", "port must be a number from 0 to 65535, got %q", port)
	}
}

// checkBase checks a base URL that paths get appended to.
func (l *loader) checkBase(key, v string) {
	if l.checkURL(key, v, "an absolute http(s) URL") {
		if u, _ := url.Parse(v); u.RawQuery != "" || u.Fragment != "" {
			l.fail(key, "must not have a query or fragment, got %q", v)
		}
	}
}

// checkURL reports whether v is an absolute http(s) URL with a host and no
// user info; want describes the accepted form in the message.
func (l *loader) checkURL(key, v, want string) bool {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		l.fail(key, "must be %s, got %q", want, v)
		return false
	}
	return true
}

func (l *loader) checkPositive(key string, n int64) {
	if n <= 0 {
		l.fail(key, "must be positive")
	}
}

func (l *loader) checkDatabase() {
	d := &l.cfg.Database
	switch d.Driver {
	case "sqlite":
		if d.DSN == "" {
			l.fail("database.dsn", "must not be empty")
		}
	case "mysql":
		if d.DSN == "" {
			l.fail("database.dsn", "required when database.driver is mysql")
			break
		}
		dsn, err := normalizeMySQLDSN(d.DSN.Reveal())
		if err != nil {
			l.fail("database.dsn", "%v", err)
			break
		}
		d.DSN = DSN(dsn)
	default:
		l.fail("database.driver", `must be "sqlite" or "mysql", got %q`, d.Driver)
	}
	if d.MaxOpenConns < 1 {
		l.fail("database.max_open_conns", "must be at least 1, got %d", d.MaxOpenConns)
	}
}

// checkAESKey checks an EncodingAESKey: WeChat's 43 characters are the
// base64 of a 32-byte AES key without its trailing "=".
func (l *loader) checkAESKey(key string, s Secret) {
	v := s.Reveal()
	if v == "" {
		return
	}
	if len(v) != 43 {
		l.fail(key, "must be 43 characters, got %d", len(v))
		return
	}
	if b, err := base64.StdEncoding.DecodeString(v + "="); err != nil || len(b) != 32 {
		l.fail(key, "must be base64 (A-Z, a-z, 0-9, +, /) as WeChat generates it")
	}
}

func (l *loader) checkOrigins() {
	if len(l.cfg.H5.Origins) == 0 {
		l.fail("h5.origins", "must list at least one origin")
	}
	for _, o := range l.cfg.H5.Origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			l.fail("h5.origins", "each origin must be scheme://host[:port], got %q", o)
		}
	}
}

func (l *loader) checkWebhookHosts() {
	for _, h := range l.cfg.Webhooks.AllowHosts {
		if strings.Contains(h, "/") {
			if _, err := netip.ParsePrefix(h); err != nil {
				l.fail("webhooks.allow_hosts", "%q is not a CIDR range", h)
			}
		} else if net.ParseIP(strings.Trim(h, "[]")) == nil && (h == "" || strings.ContainsAny(h, " :?#@[]")) {
			l.fail("webhooks.allow_hosts", "each item must be a host name, an IP address or a CIDR range, got %q", h)
		}
	}
}

func (l *loader) checkBuyers() {
	for i := range l.cfg.Company.Buyers {
		b := &l.cfg.Company.Buyers[i]
		b.Title = strings.TrimSpace(b.Title)
		b.TaxNumber = strings.ToUpper(strings.TrimSpace(b.TaxNumber))
		if b.Title == "" {
			l.fail("company.buyers", "item %d: title must not be empty", i)
		}
		// 统一社会信用代码 has 18 characters; older numbers 15 to 20.
		if n := len(b.TaxNumber); n < 15 || n > 20 || strings.Trim(b.TaxNumber, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			l.fail("company.buyers", "item %d: tax_number must be 15 to 20 letters and digits, got %q", i, b.TaxNumber)
		}
	}
}

// checkLive enforces what real WeChat needs: the two auth keys and at least
// one complete channel. A half-filled channel is named key by key, since it
// is almost always a missing variable rather than an intent.
func (l *loader) checkLive() {
	c := l.cfg
	for _, s := range []struct {
		key string
		val Secret
	}{{"auth.session_secret", c.Auth.SessionSecret}, {"auth.data_key", c.Auth.DataKey}} {
		switch n := len(s.val.Reveal()); {
		case n == 0:
			l.fail(s.key, "required in live mode")
		case n < minKeyLen:
			l.fail(s.key, "must be at least %d characters in live mode, got %d", minKeyLen, n)
		}
	}
	oa, work := c.WeChat.OA, c.WeChat.Work
	oaSet := l.requireTogether([]field{
		{"wechat.oa.app_id", oa.AppID},
		{"wechat.oa.app_secret", oa.AppSecret.Reveal()},
	})
	workSet := l.requireTogether([]field{
		{"wechat.work.corp_id", work.CorpID},
		{"wechat.work.agent_id", work.AgentID},
		{"wechat.work.secret", work.Secret.Reveal()},
	})
	if !oaSet && !workSet {
		l.fail("wechat", "live mode needs a channel: set wechat.oa.app_id and wechat.oa.app_secret, "+
			"or wechat.work.corp_id, wechat.work.agent_id and wechat.work.secret")
	}
	// The OA callback URL is always served: without a token its signature
	// is the public sha1 of timestamp and nonce, so anyone could forge
	// events (issue 15).
	if (oaSet || oa.EncodingAESKey != "") && oa.CallbackToken == "" {
		l.fail("wechat.oa.callback_token", "required in live mode when the OA channel is enabled (set %s): "+
			"without it anyone can forge WeChat callbacks",
			envName("wechat.oa.callback_token"))
	}
	// WeCom callbacks are always encrypted (DECISIONS 16): the callback is
	// enabled by either key, and then needs both.
	l.requireTogether([]field{
		{"wechat.work.callback_token", work.CallbackToken.Reveal()},
		{"wechat.work.encoding_aes_key", work.EncodingAESKey.Reveal()},
	})
}

type field struct{ key, val string }

// requireTogether reports whether any of fs is set, and names each missing
// one when some are.
func (l *loader) requireTogether(fs []field) bool {
	var have string
	for _, f := range fs {
		if f.val != "" {
			have = f.key
			break
		}
	}
	if have == "" {
		return false
	}
	for _, f := range fs {
		if f.val == "" {
			l.fail(f.key, "required in live mode when %s is set (set %s)", have, envName(f.key))
		}
	}
	return true
}

// checkS3 checks the storage.s3 keys: all of them when the driver is s3,
// the endpoint whenever it is set.
func (l *loader) checkS3() {
	s := l.cfg.Storage.S3
	if s.Endpoint != "" && l.checkURL("storage.s3.endpoint", s.Endpoint, "an http(s) URL such as https://s3.example.com") {
		if u, _ := url.Parse(s.Endpoint); strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			l.fail("storage.s3.endpoint", "must be scheme://host[:port] alone (the bucket is storage.s3.bucket), got %q", s.Endpoint)
		}
	}
	if l.cfg.Storage.Driver != "s3" {
		return
	}
	required := map[string]string{
		"storage.s3.endpoint": s.Endpoint, "storage.s3.bucket": s.Bucket,
		"storage.s3.region": s.Region, "storage.s3.access_key": s.AccessKey,
		"storage.s3.secret_key": s.SecretKey.Reveal(),
	}
	for _, k := range []string{"storage.s3.endpoint", "storage.s3.bucket", "storage.s3.region", "storage.s3.access_key", "storage.s3.secret_key"} {
		if strings.TrimSpace(required[k]) == "" {
			l.fail(k, "required when storage.driver is s3")
		}
	}
	// S3's bucket rule, so a typo is named here rather than by the store.
	if b := s.Bucket; b != "" && (len(b) < 3 || len(b) > 63 || strings.Trim(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" ||
		strings.Trim(b[:1]+b[len(b)-1:], "abcdefghijklmnopqrstuvwxyz0123456789") != "") {
		l.fail("storage.s3.bucket", "must be 3 to 63 lower-case letters, digits, dots and hyphens, got %q", b)
	}
	if strings.HasPrefix(s.Prefix, "/") {
		l.fail("storage.s3.prefix", "must not start with /, got %q", s.Prefix)
	}
}

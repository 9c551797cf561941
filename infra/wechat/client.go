package wechat

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
)

var _ app.WeChat = (*Client)(nil)

// Defaults of Options.
const (
	DefaultBatchSize        = 50
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 4 << 20

	defaultAPIBase     = "https://api.weixin.qq.com"
	defaultWorkAPIBase = "https://qyapi.weixin.qq.com"
	defaultOpenBase    = "https://open.weixin.qq.com"
)

// Options are the settings both channels share. The zero value works.
type Options struct {
	// BatchSize is how many invoices go in one batch call (wechat.batch_size);
	// 0 means DefaultBatchSize.
	BatchSize int
	// Timeout bounds each HTTP call to WeChat (wechat.timeout); 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds an answer's body; 0 means 4 MiB.
	MaxResponseBytes int64
	// Cache holds tokens and tickets; the zero Cache means a private memory
	// cache. Share one Cache (Redis when several instances run) between the
	// clients of a process.
	Cache Cache
	// KeyPrefix starts every cache key; empty means "baoxiao_oa" or
	// "baoxiao_work".
	KeyPrefix string
	// HTTPClient makes the calls; nil means a client with Timeout.
	HTTPClient *http.Client
	// Now is the clock for JSSDK timestamps; nil means time.Now.
	Now func() time.Time
	// Logger gets one debug line per call (API, path, errcode, latency) and
	// token refreshes at info; nil means slog.Default().
	Logger *slog.Logger
}

// OAOptions configure an Official Account (公众号) client.
type OAOptions struct {
	APIBase   string // wechat.api_base; empty means https://api.weixin.qq.com
	OpenBase  string // wechat.open_base; empty means https://open.weixin.qq.com
	AppID     string
	AppSecret string
	Options
}

// WorkOptions configure a WeCom (企业微信) client.
type WorkOptions struct {
	APIBase  string // wechat.work_api_base; empty means https://qyapi.weixin.qq.com
	OpenBase string // wechat.open_base; empty means https://open.weixin.qq.com
	CorpID   string
	AgentID  string
	Secret   string // the application's secret
	Options
}

// Client is one channel's WeChat gateway: reimburser calls, tokens and
// tickets, JSSDK signatures and OAuth. It is safe for concurrent use.
type Client struct {
	channel  domain.Channel
	appID    string // OA appid or WeCom corpid
	agentID  string // WeCom only
	secret   string
	apiBase  string
	openBase string
	paths    paths

	batchSize   int
	timeout     time.Duration
	maxResponse int64
	cache       Cache
	keyPrefix   string
	http        *http.Client
	now         func() time.Time
	log         *slog.Logger
}

// paths are the channel's API paths, relative to its API base.
type paths struct {
	invoice, invoiceBatch, setStatus, setStatusBatch string
	batchName                                        string // the batch query's API name
}

var (
	oaPaths = paths{
		invoice:        "/card/invoice/reimburse/getinvoiceinfo",
		invoiceBatch:   "/card/invoice/reimburse/getinvoicebatch",
		setStatus:      "/card/invoice/reimburse/updateinvoicestatus",
		setStatusBatch: "/card/invoice/reimburse/updatestatusbatch",
		batchName:      "getinvoicebatch",
	}
	workPaths = paths{
		invoice:        "/cgi-bin/card/invoice/reimburse/getinvoiceinfo",
		invoiceBatch:   "/cgi-bin/card/invoice/reimburse/getinvoiceinfobatch",
		setStatus:      "/cgi-bin/card/invoice/reimburse/updateinvoicestatus",
		setStatusBatch: "/cgi-bin/card/invoice/reimburse/updatestatusbatch",
		batchName:      "getinvoiceinfobatch",
	}
)

// NewOA builds the Official Account client.
func NewOA(opts OAOptions) *Client {
	c := newClient(domain.ChannelOA, opts.Options, "baoxiao_oa")
	c.appID, c.secret = opts.AppID, opts.AppSecret
	c.apiBase = base(opts.APIBase, defaultAPIBase)
	c.openBase = base(opts.OpenBase, defaultOpenBase)
	c.paths = oaPaths
	return c
}

// NewWork builds the WeCom client.
func NewWork(opts WorkOptions) *Client {
	c := newClient(domain.ChannelWork, opts.Options, "baoxiao_work")
	c.appID, c.agentID, c.secret = opts.CorpID, opts.AgentID, opts.Secret
	c.apiBase = base(opts.APIBase, defaultWorkAPIBase)
	c.openBase = base(opts.OpenBase, defaultOpenBase)
	c.paths = workPaths
	return c
}

func newClient(ch domain.Channel, o Options, prefix string) *Client {
	c := &Client{
		channel: ch, batchSize: o.BatchSize, timeout: o.Timeout, maxResponse: o.MaxResponseBytes,
		cache: o.Cache, keyPrefix: o.KeyPrefix, http: o.HTTPClient, now: o.Now, log: o.Logger,
	}
	if c.batchSize <= 0 {
		c.batchSize = DefaultBatchSize
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxResponse <= 0 {
		c.maxResponse = DefaultMaxResponseBytes
	}
	if c.cache.store == nil {
		c.cache = NewMemoryCache()
	}
	if c.keyPrefix == "" {
		c.keyPrefix = prefix
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: c.timeout}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.log = c.log.With(slog.String("channel", string(ch)))
	return c
}

func base(s, def string) string {
	if s == "" {
		return def
	}
	return strings.TrimRight(s, "/")
}

// FromConfig builds the clients of the configured channels; a channel
// without credentials gets nil. Both share cache, and hc when not nil.
func FromConfig(cfg *config.Config, cache Cache, hc *http.Client) (oa, work *Client) {
	w := cfg.WeChat
	common := Options{BatchSize: w.BatchSize, Timeout: w.Timeout, Cache: cache, HTTPClient: hc}
	if cfg.OAEnabled() {
		oa = NewOA(OAOptions{
			APIBase: w.APIBase, OpenBase: w.OpenBase,
			AppID: w.OA.AppID, AppSecret: w.OA.AppSecret.Reveal(),
			Options: common,
		})
	}
	if cfg.WorkEnabled() {
		work = NewWork(WorkOptions{
			APIBase: w.WorkAPIBase, OpenBase: w.OpenBase,
			CorpID: w.Work.CorpID, AgentID: w.Work.AgentID, Secret: w.Work.Secret.Reveal(),
			Options: common,
		})
	}
	return oa, work
}

// Channel is "oa" or "work".
func (c *Client) Channel() domain.Channel { return c.channel }

// AppID is the OA appid or the WeCom corp id.
func (c *Client) AppID() string { return c.appID }

// AgentID is the WeCom application's id; "" on OA.
func (c *Client) AgentID() string { return c.agentID }

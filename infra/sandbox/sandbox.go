package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/config"
)

// Options configures a Sandbox. Zero values take the demo defaults of
// package config (config.SandboxOAAppID and friends).
type Options struct {
	// PublicBase is the absolute URL the sandbox is served at, without a
	// trailing slash, e.g. "http://localhost:8080/sandbox". OAuth pages, the
	// wallet picker and pdf_url link to it.
	PublicBase string
	OA         OAOptions
	Work       WorkOptions
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// HTTPClient delivers event pushes; nil means a client with a 5 s timeout.
	HTTPClient *http.Client

	// CompanyName is the demo buyer title (抬头) and the WeCom root
	// department; default config.SandboxCompanyName.
	CompanyName string
	// CompanyTaxNumber is the demo buyer tax number; default DemoBuyerTaxNumber.
	CompanyTaxNumber string
	// TokenGrace is how long a /cgi-bin/token token superseded by a newer
	// fetch keeps working (then 40001); default 300 s as WeChat.
	TokenGrace time.Duration
	// EventTimeout bounds one event push attempt; default 5 s as WeChat.
	EventTimeout time.Duration
	// EventAttempts is how many times an event is tried; default 3.
	EventAttempts int
	// EventRetryDelay is the pause between attempts; default 1 s.
	EventRetryDelay time.Duration
	// MaxHang bounds the "apply_then_timeout" fault; default 30 s.
	MaxHang time.Duration
}

// OAOptions is the demo Official Account (the reimburser's 公众号).
type OAOptions struct {
	AppID     string
	AppSecret string
	// OriginalID is the account's gh_ id, the ToUserName of pushed events;
	// default "gh_" + 12 hex digits derived from AppID.
	OriginalID string
	// CallbackURL receives update_invoice_status events (our
	// /wechat/oa/callback); empty: no pushes.
	CallbackURL   string
	CallbackToken string
	// EncodingAESKey is 43 characters; empty means plaintext pushes.
	EncodingAESKey string
	// Templates are the account's template message ids; none means any
	// id starting with "tpl_".
	Templates []string
}

// WorkOptions is the demo WeCom corp and its self-built app.
type WorkOptions struct {
	CorpID        string
	AgentID       string
	Secret        string
	CallbackURL   string
	CallbackToken string
	// EncodingAESKey is required for pushes: WeCom callbacks are always
	// encrypted, so without a key no WeCom event is pushed.
	EncodingAESKey string
}

// DemoBuyerTaxNumber is the tax number (纳税人识别号) of the demo company on
// the demo invoices.
const DemoBuyerTaxNumber = "91440300MA5G2DEMO8"

// Sandbox is a running simulator. Create it with New, mount App, Seed it,
// and Close it to stop its event pushes.
type Sandbox struct {
	db   *bun.DB
	opts Options
	log  *slog.Logger
	app  *fiber.App

	oa   appConfig
	work appConfig

	// mu serialises every state change: the sandbox is one process, and a
	// single writer keeps the status machine and batches all-or-nothing on
	// both databases without lock juggling.
	mu sync.Mutex

	ctl *control
	// msgs are the messages delivered (messages.go).
	msgs *messageBox

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // event pushes
	bgMu   sync.Mutex     // guards closed and wg.Add
	closed bool
	// inFlight counts event deliveries not yet finished, retry waits
	// included: GET /_control/events reports it, so a test can wait for
	// the pushes to settle before asserting what did not arrive.
	inFlight atomic.Int64
}

// appConfig is one app the sandbox knows: the OA account or the WeCom corp.
type appConfig struct {
	channel       string // "oa" or "work"
	appID         string // OA appid or WeCom corpid
	secret        string
	agentID       string
	originalID    string
	callbackURL   string
	callbackToken string
	aesKey        string
}

const (
	channelOA   = "oa"
	channelWork = "work"
)

// New prepares a sandbox on db, creating its sandbox_* tables when missing.
// It does not use the product's migrations, so it also runs standalone on a
// database of its own.
func New(ctx context.Context, db *bun.DB, opts Options) (*Sandbox, error) {
	if db == nil {
		return nil, errors.New("sandbox: nil database")
	}
	opts = withDefaults(opts)
	if err := checkAESKey(opts.OA.EncodingAESKey); err != nil {
		return nil, fmt.Errorf("sandbox: OA EncodingAESKey: %w", err)
	}
	if err := checkAESKey(opts.Work.EncodingAESKey); err != nil {
		return nil, fmt.Errorf("sandbox: WeCom EncodingAESKey: %w", err)
	}
	if err := createSchema(ctx, db); err != nil {
		return nil, fmt.Errorf("sandbox: create tables: %w", err)
	}
	s := &Sandbox{
		db:   db,
		opts: opts,
		log:  opts.Logger,
		oa: appConfig{
			channel: channelOA, appID: opts.OA.AppID, secret: opts.OA.AppSecret,
			originalID: opts.OA.OriginalID, callbackURL: opts.OA.CallbackURL,
			callbackToken: opts.OA.CallbackToken, aesKey: opts.OA.EncodingAESKey,
		},
		work: appConfig{
			channel: channelWork, appID: opts.Work.CorpID, secret: opts.Work.Secret,
			agentID: opts.Work.AgentID, callbackURL: opts.Work.CallbackURL,
			callbackToken: opts.Work.CallbackToken, aesKey: opts.Work.EncodingAESKey,
		},
		ctl:  newControl(),
		msgs: newMessageBox(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.app = s.routes()
	return s, nil
}

func withDefaults(o Options) Options {
	o.PublicBase = strings.TrimRight(o.PublicBase, "/")
	if o.PublicBase == "" {
		o.PublicBase = "http://localhost:8080/sandbox"
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.OA.AppID, config.SandboxOAAppID)
	def(&o.OA.AppSecret, config.SandboxOAAppSecret)
	def(&o.OA.CallbackToken, config.SandboxOACallbackToken)
	def(&o.OA.OriginalID, "gh_"+shortHash(o.OA.AppID, 12))
	def(&o.Work.CorpID, config.SandboxWorkCorpID)
	def(&o.Work.AgentID, config.SandboxWorkAgentID)
	def(&o.Work.Secret, config.SandboxWorkSecret)
	def(&o.Work.CallbackToken, config.SandboxWorkCallbackToken)
	def(&o.CompanyName, config.SandboxCompanyName)
	def(&o.CompanyTaxNumber, DemoBuyerTaxNumber)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	o.Logger = o.Logger.With("component", "sandbox")
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	if o.TokenGrace <= 0 {
		o.TokenGrace = 300 * time.Second
	}
	if o.EventTimeout <= 0 {
		o.EventTimeout = 5 * time.Second
	}
	if o.EventAttempts <= 0 {
		o.EventAttempts = 3
	}
	if o.EventRetryDelay <= 0 {
		o.EventRetryDelay = time.Second
	}
	if o.MaxHang <= 0 {
		o.MaxHang = 30 * time.Second
	}
	return o
}

// App is a Fiber app serving every sandbox path at its root. The product
// mounts it with app.Mount("/sandbox", sb.App()); tests serve it directly.
func (s *Sandbox) App() *fiber.App { return s.app }

// Close stops background event pushes and hanging faults, and waits for
// them. It does not close the database.
func (s *Sandbox) Close() error {
	s.bgMu.Lock()
	s.closed = true
	s.bgMu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

func (s *Sandbox) now() time.Time { return s.opts.Now() }

func (s *Sandbox) nowMS() int64 { return s.now().UnixMilli() }

// appByID finds the app with that OA appid or WeCom corpid.
func (s *Sandbox) appByID(appID string) (appConfig, bool) {
	switch appID {
	case s.oa.appID:
		return s.oa, true
	case s.work.appID:
		return s.work, true
	}
	return appConfig{}, false
}

func (s *Sandbox) appFor(channel string) appConfig {
	if channel == channelWork {
		return s.work
	}
	return s.oa
}

// relPath is the request path below the mount point.
func (s *Sandbox) relPath(c *fiber.Ctx) string {
	p := c.Path()
	if mp := s.app.MountPath(); mp != "" && mp != "/" {
		p = strings.TrimPrefix(p, mp)
	}
	if p == "" {
		p = "/"
	}
	return p
}

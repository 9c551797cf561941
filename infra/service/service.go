// Package service assembles baoxiao from its configuration: repositories,
// WeChat channels, use cases, the outbox worker and the HTTP app. main and
// the end-to-end tests build the product through it, so tests run exactly
// what ships.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/app/payment"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	fileintake "github.com/baoxiao/baoxiao/infra/intake"
	"github.com/baoxiao/baoxiao/infra/mailbox"
	noticeworker "github.com/baoxiao/baoxiao/infra/notify"
	"github.com/baoxiao/baoxiao/infra/outbox"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/storage"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/webhook"
	"github.com/baoxiao/baoxiao/infra/wechat"
	"github.com/baoxiao/baoxiao/web"
)

// Service is baoxiao assembled.
type Service struct {
	Store    *store.Store
	Channels app.Channels
	Worker   *outbox.Worker
	// Fence orders the status writes to WeChat per invoice.
	Fence *app.Fence
	// Events applies WeChat's event pushes (the callbacks call it).
	Events *app.Events
	App    *fiber.App
	// Sandbox is the embedded WeChat simulator in sandbox mode, else nil.
	Sandbox *sandbox.Sandbox

	Directory *app.Directory
	Invoices  *app.Invoices
	// Originals stores and serves invoices' original files; PDFFetcher
	// downloads wallet PDFs into it (issue 16).
	Originals *app.Originals
	// Intake files invoice files from upload, mail and ERPs (issue 16).
	Intake *intake.Service
	// Mailbox matches mail to employees (DECISIONS 48); MailboxWorker
	// reads intake.imap, nil when no mailbox is configured.
	Mailbox       *intake.Mailbox
	MailboxWorker *mailbox.Worker
	PDFFetcher    *app.PDFFetcher
	Reports       *app.Reports
	Approvals     *app.Approvals
	Finance       *app.Finance
	// Archives exports the originals of a period's approved reports.
	Archives *app.Archives
	// QRLogins is the PC sign-in by QR hand-off (DECISIONS 4).
	QRLogins *app.QRLogins
	// Auth signs employees in and keeps their sessions (issue 15).
	Auth *app.Auth

	// The ERP open API, webhooks and PC QR import (openapi.go).
	OpenAPI   *app.OpenAPI
	ERP       *app.ERP
	QRImports *app.QRImports
	Webhooks  *app.Webhooks
	// WebhookTargets is webhooks.allow_hosts, read: what deliveries may dial.
	WebhookTargets *app.WebhookTargets
	WebhookWorker  *webhook.Worker
	// Payments: expense types, bank accounts and payments (issue 17).
	Payments *payment.Service

	// Notices: the delivery worker, the inbox and WeCom card approval.
	NoticeWorker *noticeworker.Worker
	Inbox        *notify.Inbox
	Cards        *notify.Cards

	closers []func() error
}

// Options are what the configuration does not say.
type Options struct {
	Logger   *slog.Logger
	Ready    web.Readiness
	Version  string
	WorkerID string
	// Worker tunes the outbox worker (tests shorten its poll).
	Worker outbox.Options
	// Webhooks tunes the webhook delivery worker.
	Webhooks webhook.Options
	// Notices tunes the notice delivery worker.
	Notices noticeworker.Options
	// ApprovalPolicy, in sandbox mode, is stored in place of the demo
	// chain when no policy is stored yet.
	ApprovalPolicy *domain.Policy
	// Clock replaces the system clock (interleaving tests move time).
	Clock app.Clock
	// IntakeInvoices wraps the invoice store the intake uses, so a test can
	// force an interleaving of two intakes (nil: the store itself).
	IntakeInvoices func(intake.InvoiceStore) intake.InvoiceStore
	// PDF tunes the wallet PDF download worker (tests shorten its poll).
	PDF app.PDFFetcherOptions
	// PDFHTTP downloads the PDFs; nil means a client without a timeout of
	// its own (each download has one).
	PDFHTTP *http.Client
	// WeChatHTTP makes the WeChat calls; nil means a client with
	// wechat.timeout (tests put a transport that can stop a call in it).
	WeChatHTTP *http.Client
}

// New builds the service on an open, migrated database. In sandbox mode it
// also starts the embedded WeChat sandbox, seeds its demo wallets and the
// demo employees.
func New(ctx context.Context, cfg *config.Config, db *bun.DB, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{Store: store.New(db)}
	var clock app.Clock = app.SystemClock{}
	if opts.Clock != nil {
		clock = opts.Clock
	}

	if cfg.SandboxExposed() {
		warnSandboxExposed(ctx, opts.Logger, cfg)
	}
	if cfg.Sandbox() {
		sb, err := sandbox.New(ctx, db, sandboxOptions(cfg, opts.Logger))
		if err != nil {
			return nil, fmt.Errorf("start sandbox: %w", err)
		}
		s.closers = append(s.closers, sb.Close)
		if err := sb.Seed(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("seed sandbox: %w", err)
		}
		s.Sandbox = sb
	}

	cache := wechat.NewMemoryCache()
	if url := cfg.Cache.RedisURL.Reveal(); url != "" {
		var err error
		if cache, err = wechat.NewRedisCache(ctx, url); err != nil {
			s.Close()
			return nil, fmt.Errorf("cache.redis_url: %w", err)
		}
		s.closers = append(s.closers, cache.Close)
	}
	oa, work := wechat.FromConfig(cfg, cache, opts.WeChatHTTP)
	s.Channels = app.Channels{}
	var channelList []domain.Channel
	callbacks := map[domain.Channel]web.CallbackConfig{}
	if oa != nil {
		s.Channels[domain.ChannelOA] = oa
		channelList = append(channelList, domain.ChannelOA)
		callbacks[domain.ChannelOA] = web.CallbackConfig{
			AppID: cfg.WeChat.OA.AppID, Token: cfg.WeChat.OA.CallbackToken.Reveal(), EncodingAESKey: cfg.WeChat.OA.EncodingAESKey.Reveal(),
			Now: clock.Now,
		}
	}
	if work != nil {
		s.Channels[domain.ChannelWork] = work
		channelList = append(channelList, domain.ChannelWork)
		if cfg.WeChat.Work.EncodingAESKey.Reveal() != "" {
			callbacks[domain.ChannelWork] = web.CallbackConfig{
				AppID: cfg.WeChat.Work.CorpID, Token: cfg.WeChat.Work.CallbackToken.Reveal(), EncodingAESKey: cfg.WeChat.Work.EncodingAESKey.Reveal(),
				Now: clock.Now,
			}
		}
	}

	st := s.Store
	s.Directory = app.NewDirectory(st.Employees, clock)
	apps := app.Apps{}
	if oa != nil {
		apps.OA = oa.AppID()
	}
	if work != nil {
		apps.Work = work.AppID()
		s.Directory.UseWorkDirectory(work)
	}
	s.Directory.UseApps(apps)
	if s.Sandbox != nil {
		if err := seedDemoEmployees(ctx, cfg, s.Directory); err != nil {
			s.Close()
			return nil, fmt.Errorf("seed demo employees: %w", err)
		}
	}
	workerOpts := opts.Worker
	if workerOpts.ID == "" {
		workerOpts.ID = opts.WorkerID
	}
	if workerOpts.ID == "" {
		workerOpts.ID = instanceName()
	}
	if workerOpts.Now == nil {
		workerOpts.Now = clock.Now
	}
	// Every status write to WeChat holds the invoices' write claims
	// (DECISIONS 31).
	s.Fence = app.NewFence(store.NewWriteClaims(db), store.TxRunner{Store: st}, clock, workerOpts.ID)
	// The queue also queues sync.failed when a change fails for good.
	s.Worker = outbox.New(webhook.NewOutboxQueue(st), st.Invoices, s.Channels, s.Fence, workerOpts)
	s.Fence.OnQueued(s.Worker.Wake)
	company := app.NewCompany(store.NewCompany(db), st.Employees, clock)
	if oa != nil {
		company.UseTitleLinks(oa)
	}
	if err := company.Seed(ctx, buyers(cfg)); err != nil {
		s.Close()
		return nil, err
	}
	s.Invoices = app.NewInvoices(st.Invoices, st.Employees, st.Reports, s.Channels, company, clock)
	blobs, err := storage.Open(cfg.Storage, db)
	if err != nil {
		s.Close()
		return nil, err
	}
	origs := store.NewOriginals(db)
	s.Originals = app.NewOriginals(s.Invoices, origs, blobs, origs, clock)
	pdfOpts := opts.PDF
	if pdfOpts.ID == "" {
		pdfOpts.ID = workerOpts.ID
	}
	if pdfOpts.Logger == nil {
		pdfOpts.Logger = opts.Logger
	}
	pdfHTTP := opts.PDFHTTP
	if pdfHTTP == nil {
		if pdfHTTP, err = pdfClient(cfg); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.PDFFetcher = app.NewPDFFetcher(origs, storage.HTTPDownloader{Client: pdfHTTP}, s.Originals, clock, pdfOpts)
	s.Invoices.OnStored(s.PDFFetcher.Wake)
	s.Invoices.JoinCardsWith(store.TxRunner{Store: st}, s.Worker.Wake)
	var intakeInvoices intake.InvoiceStore = st.Invoices
	if opts.IntakeInvoices != nil {
		intakeInvoices = opts.IntakeInvoices(intakeInvoices)
	}
	s.Intake = intake.NewService(intake.Deps{
		Reader: fileintake.Reader{}, Invoices: intakeInvoices, Index: origs, Originals: s.Originals,
		Duplicates: s.Invoices, Buyers: company, Reports: st.Reports, Clock: clock,
	})
	if err := s.addMailbox(ctx, cfg, db, clock, opts.Logger, workerOpts.ID); err != nil {
		s.Close()
		return nil, err
	}
	s.Approvals = app.NewApprovals(store.NewPolicies(db), st.Employees, cfg.Approval.Fallback, clock)
	if s.Sandbox != nil {
		policy := opts.ApprovalPolicy
		if policy == nil {
			demo := DemoPolicy()
			policy = &demo
		}
		if err := s.Approvals.Seed(ctx, *policy); err != nil {
			s.Close()
			return nil, fmt.Errorf("seed the approval policy: %w", err)
		}
	}
	s.Reports = app.NewReports(store.TxRunner{Store: st}, st.Reports, st.Invoices, st.Employees, st.Outbox, s.Channels, s.Fence, s.Approvals, clock)
	s.Reports.OnQueued(s.Worker.Wake)
	s.Finance = newFinance(cfg, db, s.Channels, s.Worker.Wake, s.Fence)
	s.closers = append(s.closers, s.Finance.Close)
	s.Archives = newArchives(s.Finance, db, blobs)

	auth := app.NewAuth(st.Employees, store.NewSessions(db), s.Channels, clock)
	s.Auth = auth
	if cfg.Auth.SelfSignup {
		auth.AllowSelfSignUp(s.Directory)
	}
	s.QRLogins = app.NewQRLogins(store.NewQRLogins(db), st.Employees, clock)
	events := app.NewEvents(st.Events, st.Invoices, s.Channels, clock)
	events.OrderWith(s.Fence)
	s.Events = events
	deps := web.Deps{
		Logger: opts.Logger, Ready: opts.Ready, Version: opts.Version,
		PublicURL: cfg.PublicURL, SessionSecret: cfg.Auth.SessionSecret.Reveal(), SessionTTL: cfg.Auth.SessionTTL,
		Auth:            auth,
		JSAPI:           app.NewJSAPI(s.Channels, cfg.H5.Origins),
		Invoices:        s.Invoices,
		Originals:       s.Originals,
		Intake:          s.Intake,
		IntakeEmployees: st.Employees,
		Mailbox:         s.Mailbox,
		Reports:         s.Reports,
		Approvals:       s.Approvals,
		Finance:         s.Finance,
		Archives:        s.Archives,
		OutboxAdmin:     app.NewOutboxAdmin(st.Outbox, st.Employees, clock, s.Worker.Wake),
		Events:          events,
		Callbacks:       callbacks,
		Channels:        channelList,
		Directory:       s.Directory,
		Company:         company,
		QRLogins:        s.QRLogins,
		H5:              web.H5Config{JWeixinURL: cfg.H5.JWeixinURL, Sandbox: cfg.Sandbox(), Origins: cfg.H5.Origins},
	}

	if s.Sandbox != nil {
		deps.Sandbox = s.Sandbox.App()
	}
	// The outbox lives in the shared database: its gauges are per service,
	// beside the process-wide HTTP and WeChat metrics.
	reg := prometheus.NewRegistry()
	reg.MustRegister(outbox.NewCollector(st.Outbox))
	deps.Metrics = prometheus.Gatherers{prometheus.DefaultGatherer, reg}
	if err := s.addOpenAPI(cfg, db, opts, &deps); err != nil {
		s.Close()
		return nil, err
	}
	s.addNotices(cfg, db, oa, work, clock, opts, &deps)
	s.App = web.New(deps)
	return s, nil
}

// Close stops what New started.
func (s *Service) Close() error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	s.closers = nil
	return first
}

// pdfClient downloads wallet PDFs. pdf_url is the issuer's, not ours: it
// is fetched only from public addresses, or from the hosts WeChat itself
// is configured at (the sandbox, or a WeChat-compatible server), so an
// issuer cannot make us read an internal address — redirects included,
// since every dial is checked.
func pdfClient(cfg *config.Config) (*http.Client, error) {
	var hosts []string
	for _, base := range []string{cfg.WeChat.APIBase, cfg.WeChat.WorkAPIBase, cfg.WeChat.OpenBase, cfg.Simulator.BaseURL} {
		if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	targets, err := app.NewWebhookTargets(hosts)
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 2 * time.Minute, Transport: webhook.GuardedTransport(targets)}, nil
}

// SandboxExposedWarning is the message logged when a sandbox-mode process
// looks reachable from other hosts (config.SandboxExposed).
const SandboxExposedWarning = "SANDBOX MODE ON A PUBLIC ADDRESS: anyone who reaches this server can sign in as any demo user " +
	"(POST /auth/sandbox/login) and rewrite the simulated WeChat (/sandbox/_control) without credentials; " +
	"use mode: live for real users, or listen on 127.0.0.1"

// warnSandboxExposed says so loudly at start; it does not refuse, since a
// shared demo server is a legitimate use (issue 15 item 13).
func warnSandboxExposed(ctx context.Context, log *slog.Logger, cfg *config.Config) {
	log.WarnContext(ctx, SandboxExposedWarning, "mode", cfg.Mode, "listen", cfg.Listen, "public_url", cfg.PublicURL)
}

func sandboxOptions(cfg *config.Config, log *slog.Logger) sandbox.Options {
	public := strings.TrimSuffix(cfg.PublicURL, "/")
	o := sandbox.Options{PublicBase: cfg.Simulator.BaseURL, Logger: log, CompanyName: cfg.Company.Name}
	o.OA.AppID = cfg.WeChat.OA.AppID
	o.OA.AppSecret = cfg.WeChat.OA.AppSecret.Reveal()
	o.OA.CallbackURL = public + "/wechat/oa/callback"
	o.OA.CallbackToken = cfg.WeChat.OA.CallbackToken.Reveal()
	o.OA.EncodingAESKey = cfg.WeChat.OA.EncodingAESKey.Reveal()
	for _, id := range cfg.WeChat.OA.Templates.Map() {
		if id != "" {
			o.OA.Templates = append(o.OA.Templates, id)
		}
	}
	o.Work.CorpID = cfg.WeChat.Work.CorpID
	o.Work.AgentID = cfg.WeChat.Work.AgentID
	o.Work.Secret = cfg.WeChat.Work.Secret.Reveal()
	o.Work.CallbackToken = cfg.WeChat.Work.CallbackToken.Reveal()
	if key := cfg.WeChat.Work.EncodingAESKey.Reveal(); key != "" {
		o.Work.CallbackURL = public + "/wechat/work/callback"
		o.Work.EncodingAESKey = key
	}
	return o
}

// buyers are the company's buyer entities; the sandbox's demo company is
// one of them when none is configured, so demo invoices match their title.
func buyers(cfg *config.Config) []domain.Party {
	var out []domain.Party
	for _, b := range cfg.Company.Buyers {
		out = append(out, domain.Party{Name: b.Title, TaxNumber: b.TaxNumber})
	}
	if len(out) == 0 && cfg.Sandbox() {
		name := cfg.Company.Name
		if name == "" {
			name = config.SandboxCompanyName
		}
		out = append(out, domain.Party{Name: name, TaxNumber: sandbox.DemoBuyerTaxNumber})
	}
	return out
}

// seedDemoEmployees adds the sandbox's demo users as employees through the
// directory, the same path a real company's employees take.
func seedDemoEmployees(ctx context.Context, cfg *config.Config, dir *app.Directory) error {
	for _, u := range sandbox.DemoUsers {
		d := domain.EmployeeData{ID: domain.EmployeeID(u.ID), Name: u.Name, Department: u.Department, ManagerID: domain.EmployeeID(u.ManagerID)}
		for _, r := range u.Roles {
			role, err := domain.ParseRole(r)
			if err != nil {
				return err
			}
			d.Roles = append(d.Roles, role)
		}
		if u.OAOpenID != "" && cfg.WeChat.OA.AppID != "" {
			d.Identities = append(d.Identities, domain.Identity{Channel: domain.ChannelOA, AppID: cfg.WeChat.OA.AppID, OpenID: u.OAOpenID})
		}
		if u.WorkUserID != "" && cfg.WeChat.Work.CorpID != "" {
			d.Identities = append(d.Identities, domain.Identity{Channel: domain.ChannelWork, AppID: cfg.WeChat.Work.CorpID, UserID: u.WorkUserID, OpenID: u.WorkOpenID})
		}
		if _, err := dir.Ensure(ctx, d); err != nil {
			return fmt.Errorf("demo employee %s: %w", u.ID, err)
		}
	}
	return nil
}

// instanceName names this process in leases and write claims.
func instanceName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

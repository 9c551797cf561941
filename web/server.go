// Package web is baoxiao's HTTP layer: the Fiber app, its middleware, the
// handlers and the one place where errors become HTTP statuses (errors.go).
package web

import (
	"context"
	"github.com/baoxiao/baoxiao/app/notify"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/app/payment"
	"github.com/baoxiao/baoxiao/domain"
)

// Readiness reports whether the service can take traffic: the database is
// reachable and its migrations are applied. It backs GET /readyz.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Deps is what the HTTP layer needs from main. Use-case services join it as
// their endpoints are added (see routes.go).
type Deps struct {
	// Inbox serves the notifications and the admins' notice list.
	Inbox *notify.Inbox
	// Cards approves from WeCom card clicks (template_card_event).
	Cards *notify.Cards
	// TemplateJobs records OA template messages WeChat could not deliver
	// (TEMPLATESENDJOBFINISH).
	TemplateJobs *notify.TemplateJobs
	// Logger receives access and error logs; nil means slog.Default().
	// New wraps its handler with NewLogHandler so every line carries request_id.
	Logger *slog.Logger
	// Ready backs /readyz; nil means there is nothing to wait for.
	Ready Readiness
	// Version is reported by /healthz.
	Version string
	// RequestTimeout bounds each handler's context; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// PublicURL is where users reach us (OAuth redirect URIs).
	PublicURL string
	// SessionSecret signs session cookies; SessionTTL is their lifetime.
	SessionSecret string
	SessionTTL    time.Duration
	// Auth and JSAPI are the sign-in and JSSDK use cases; nil leaves their
	// routes out (tests of the bare skeleton).
	Auth      *app.Auth
	JSAPI     *app.JSAPI
	Invoices  *app.Invoices
	Originals *app.Originals
	Intake    *intake.Service
	// IntakeEmployees checks the employee an ERP uploads files for.
	IntakeEmployees intake.Employees
	// Mailbox gives employees their mailbox address and admins the
	// unmatched mail (DECISIONS 48).
	Mailbox *intake.Mailbox
	Reports *app.Reports
	// Approvals serves the approval policy (admin).
	Approvals   *app.Approvals
	OutboxAdmin *app.OutboxAdmin
	// Finance serves /api/v1/finance (search, export, reconciliation).
	Finance *app.Finance
	// Payments serves expense types, bank accounts and payments (issue 17).
	Payments *payment.Service
	// Archives serves GET /api/v1/finance/archive, the ZIP of originals.
	Archives *app.Archives
	// Directory and Company are the admin's employee directory and company
	// settings.
	Directory *app.Directory
	Company   *app.Company
	// Events and Callbacks serve WeChat's callback URLs, per channel.
	Events    *app.Events
	Callbacks map[domain.Channel]CallbackConfig
	// Channels are the enabled WeChat channels, for their OAuth routes.
	Channels []domain.Channel
	// Metrics is what /metrics serves; nil means the default registry.
	Metrics prometheus.Gatherer
	// H5 configures the H5 pages.
	H5 H5Config
	// OpenAPI and ERP serve the ERP profiles (/open/v1 and the Yuanian
	// paths); QRImports the PC QR import; Webhooks the webhook admin.
	OpenAPI   *app.OpenAPI
	ERP       *app.ERP
	QRImports *app.QRImports
	Webhooks  *app.Webhooks
	// QRLogins is the PC sign-in by QR hand-off (DECISIONS 4).
	QRLogins *app.QRLogins
	// Sandbox, when set, is the embedded WeChat simulator, mounted at
	// /sandbox, and enables POST /auth/sandbox/login. Nil in live mode.
	Sandbox *fiber.App
}

// DefaultRequestTimeout is the handler deadline when Deps.RequestTimeout is zero.
const DefaultRequestTimeout = 30 * time.Second

// BodyLimit is the largest request body accepted (API.md: 1 MiB, else 413),
// except on the upload paths, which take UploadBodyLimit (DECISIONS 38).
// The server reads up to UploadBodyLimit; limitBody holds every other path
// to BodyLimit.
const (
	BodyLimit       = 1 << 20
	UploadBodyLimit = 20 << 20
)

// Connection timeouts. They bound slow clients, not handlers (the context
// deadline does that). WriteTimeout covers the whole response write, so it
// is generous enough for streamed finance exports.
const (
	readTimeout  = 15 * time.Second
	writeTimeout = 2 * time.Minute
	idleTimeout  = 2 * time.Minute
)

// New builds the Fiber app with baoxiao's middleware and routes. main runs
// it with Serve.
func New(deps Deps) *fiber.App {
	logger := deps.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = slog.New(NewLogHandler(logger.Handler()))
	timeout := deps.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}

	app := fiber.New(fiber.Config{
		ErrorHandler: errorHandler(logger),
		BodyLimit:    UploadBodyLimit,
		// Immutable: strings from the request stay valid after the handler,
		// so nothing we keep points into fasthttp's reused buffers.
		Immutable:             true,
		ReadTimeout:           readTimeout,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           idleTimeout,
		DisableStartupMessage: true,
	})

	// Order matters: the request ID comes first so every later log line has
	// it; the access log sits outside recovery so panics are logged as 500s.
	// One Use call makes them one route, which accessLog relies on to tell
	// "no endpoint matched".
	app.Use(requestID, accessLog(logger), securityHeaders, h5CORS(deps.H5.Origins), recoverPanic, deadline(timeout), limitBody, requireJSON)

	registerRoutes(app, deps)
	// No catch-all: unmatched paths reach the ErrorHandler as fiber's 404 or
	// 405, which it answers as not_found / request.method_not_allowed.
	return app
}

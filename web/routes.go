package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// secureURL tells whether cookies must be Secure: public_url is https.
// The scheme is parsed, and compared without regard to case (RFC 3986
// 3.1): "HTTPS://…" is https too.
func secureURL(publicURL string) bool {
	u, err := url.Parse(strings.TrimSpace(publicURL))
	return err == nil && strings.EqualFold(u.Scheme, "https")
}

// registerRoutes lists every endpoint in one place. Each new endpoint is
// added here and in openapi.json (openapi_test.go checks they agree).
func registerRoutes(app *fiber.App, deps Deps) {
	app.Get("/healthz", healthz(deps.Version))
	app.Get("/readyz", readyz(deps.Ready))
	app.Get("/metrics", metricsHandler(deps.Metrics))

	if deps.Sandbox != nil {
		app.Mount("/sandbox", deps.Sandbox)
	}
	registerH5(app, deps)

	if deps.Events != nil {
		for ch, cfg := range deps.Callbacks {
			h := &callbackHandler{events: deps.Events, cards: deps.Cards, jobs: deps.TemplateJobs, channel: ch, cfg: cfg}
			app.Get("/wechat/"+string(ch)+"/callback", h.verify)
			app.Post("/wechat/"+string(ch)+"/callback", h.receive)
		}
	}

	api := app.Group("/api/v1")
	api.Get("/openapi.json", openAPI)
	registerOpenAPI(app, deps)

	if deps.Auth == nil {
		return
	}
	ttl := deps.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	sess := newSessions(deps.SessionSecret, ttl, secureURL(deps.PublicURL), deps.Auth)
	auth := &authHandler{auth: deps.Auth, sessions: sess, publicURL: strings.TrimSuffix(deps.PublicURL, "/"), mailbox: deps.Mailbox}

	app.Post("/auth/logout", auth.logout)
	if deps.Sandbox != nil {
		app.Post("/auth/sandbox/login", auth.sandboxLogin)
	}
	for _, ch := range deps.Channels {
		app.Get("/auth/"+string(ch)+"/start", auth.oauthStart(ch))
		app.Get("/auth/"+string(ch)+"/callback", auth.oauthCallback(ch))
	}
	registerQRLogin(app, deps, sess)

	signedIn := api.Group("", sess.require())
	signedIn.Get("/me", auth.me)
	if deps.JSAPI != nil {
		js := &jsapiHandler{jsapi: deps.JSAPI}
		signedIn.Get("/jsapi/config", js.config)
		signedIn.Post("/jsapi/choose-invoice-sign", js.chooseInvoiceSign)
	}
	if deps.Invoices != nil {
		inv := &invoiceHandler{invoices: deps.Invoices, originals: deps.Originals, auth: deps.Auth}
		signedIn.Post("/invoices/import", inv.importInvoices)
		if deps.Intake != nil {
			up := &uploadHandler{intake: deps.Intake, originals: deps.Originals, auth: deps.Auth, origins: deps.H5.Origins}
			signedIn.Post("/invoices/upload", up.upload)
			signedIn.Patch("/invoices/:id", up.complete)
		}
		signedIn.Get("/invoices", inv.list)
		signedIn.Get("/invoices/:id", inv.get)
		signedIn.Get("/invoices/:id/original", inv.preferredOriginal)
		signedIn.Get("/invoices/:id/pdf", inv.pdf)
		signedIn.Get("/invoices/:id/originals/:sha256", inv.originalByHash)
		signedIn.Delete("/invoices/:id", inv.delete)
	}
	if deps.Reports != nil {
		rep := &reportHandler{reports: deps.Reports, originals: deps.Originals}
		signedIn.Post("/reports", rep.create)
		signedIn.Get("/reports", rep.list)
		signedIn.Get("/reports/:id", rep.get)
		signedIn.Patch("/reports/:id", rep.edit)
		signedIn.Delete("/reports/:id", rep.delete)
		signedIn.Post("/reports/:id/submit", rep.submit)
		signedIn.Post("/reports/:id/withdraw", rep.withdraw)
		signedIn.Post("/reports/:id/approve", rep.approve)
		signedIn.Post("/reports/:id/reject", rep.reject)
		signedIn.Post("/reports/:id/transfer", rep.transfer)
		signedIn.Post("/reports/approve", rep.approveMany)
	}
	if deps.OutboxAdmin != nil {
		ob := &outboxHandler{admin: deps.OutboxAdmin}
		signedIn.Get("/admin/outbox", ob.list)
		signedIn.Post("/admin/outbox/:id/retry", retryByID(deps.OutboxAdmin.Retry))
	}
	registerFinanceRoutes(signedIn, deps)
	registerArchiveRoutes(signedIn, deps)
	registerDirectoryRoutes(signedIn, deps)
	registerMailbox(signedIn, deps)
	registerQRImports(signedIn, deps)
	registerWebhookAdmin(signedIn, deps)
	registerPaymentRoutes(signedIn, deps)
	registerNotices(signedIn, deps)
}

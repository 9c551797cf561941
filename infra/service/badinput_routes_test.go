package service_test

import (
	"net/http"
	"strings"
	"time"
)

// access is how a route authenticates its caller.
type access int

const (
	public   access = iota // anyone
	session                // the browser session cookie
	native                 // /open/v1: HMAC headers
	yuanian                // the Yuanian envelope's sign and token
	callback               // WeChat's callback signature
)

// routeSpec is one public route: how it authenticates, a request that a
// rightful caller could send, and who that caller is. The generic bad
// requests (no session, bad signature, not JSON, malformed JSON, over the
// body limit) are derived from it.
type routeSpec struct {
	route  string // as registered: "POST /api/v1/reports/:id/approve"
	access access
	target string // a concrete path and query, with {placeholders}
	as     string // the rightful caller of a session route
}

func (r routeSpec) method() string { m, _, _ := strings.Cut(r.route, " "); return m }

func (r routeSpec) mutating() bool { return r.method() != http.MethodGet }

// routeSpecs lists every route of the public contract (shared/API.md and
// openapi.json). TestBadInput fails when the app serves one not listed.
var routeSpecs = []routeSpec{
	{"GET /", public, "/", ""},
	{"GET /healthz", public, "/healthz", ""},
	{"GET /readyz", public, "/readyz", ""},
	{"GET /metrics", public, "/metrics", ""},
	{"GET /api/v1/openapi.json", public, "/api/v1/openapi.json", ""},

	{"POST /auth/sandbox/login", public, "/auth/sandbox/login", ""},
	{"POST /auth/logout", public, "/auth/logout", ""},
	{"GET /auth/oa/start", public, "/auth/oa/start?next=/h5/", ""},
	{"GET /auth/oa/callback", public, "/auth/oa/callback?code=c&state=s", ""},
	{"GET /auth/work/start", public, "/auth/work/start?next=/h5/", ""},
	{"GET /auth/work/callback", public, "/auth/work/callback?code=c&state=s", ""},
	{"POST /auth/qr-login", public, "/auth/qr-login", ""},
	{"GET /auth/qr-login/status", public, "/auth/qr-login/status", ""},
	{"POST /auth/qr-login/accept", public, "/auth/qr-login/accept", ""},
	{"POST /auth/qr-login/decline", public, "/auth/qr-login/decline", ""},
	{"POST /auth/qr-login/scan", session, "/auth/qr-login/scan", "emp-li"},
	{"POST /auth/qr-login/confirm", session, "/auth/qr-login/confirm", "emp-li"},

	{"GET /wechat/oa/callback", callback, "/wechat/oa/callback", ""},
	{"POST /wechat/oa/callback", callback, "/wechat/oa/callback", ""},
	{"GET /wechat/work/callback", callback, "/wechat/work/callback", ""},
	{"POST /wechat/work/callback", callback, "/wechat/work/callback", ""},

	{"GET /api/v1/me", session, "/api/v1/me", "emp-li"},
	{"GET /api/v1/jsapi/config", session, "/api/v1/jsapi/config?url={origin}/h5/", "emp-li"},
	{"POST /api/v1/jsapi/choose-invoice-sign", session, "/api/v1/jsapi/choose-invoice-sign", "emp-li"},

	{"POST /api/v1/invoices/import", session, "/api/v1/invoices/import", "emp-li"},
	{"GET /api/v1/invoices", session, "/api/v1/invoices", "emp-li"},
	{"GET /api/v1/invoices/:id", session, "/api/v1/invoices/{li-invoice}", "emp-li"},
	{"DELETE /api/v1/invoices/:id", session, "/api/v1/invoices/{li-invoice}", "emp-li"},
	{"GET /api/v1/invoices/:id/original", session, "/api/v1/invoices/{li-invoice}/original", "emp-li"},
	{"GET /api/v1/invoices/:id/pdf", session, "/api/v1/invoices/{li-invoice}/pdf", "emp-li"},
	{"GET /api/v1/invoices/:id/originals/:sha256", session, "/api/v1/invoices/{li-invoice}/originals/" + strings.Repeat("0", 64), "emp-li"},
	{"POST /api/v1/invoices/upload", session, "/api/v1/invoices/upload", "emp-li"},
	{"PATCH /api/v1/invoices/:id", session, "/api/v1/invoices/{li-invoice}", "emp-li"},

	{"POST /api/v1/reports", session, "/api/v1/reports", "emp-li"},
	{"GET /api/v1/reports", session, "/api/v1/reports", "emp-li"},
	{"GET /api/v1/reports/:id", session, "/api/v1/reports/{li-draft}", "emp-li"},
	{"PATCH /api/v1/reports/:id", session, "/api/v1/reports/{li-draft}", "emp-li"},
	{"DELETE /api/v1/reports/:id", session, "/api/v1/reports/{li-draft}", "emp-li"},
	{"POST /api/v1/reports/:id/submit", session, "/api/v1/reports/{li-draft}/submit", "emp-li"},
	{"POST /api/v1/reports/:id/withdraw", session, "/api/v1/reports/{li-submitted}/withdraw", "emp-li"},
	{"POST /api/v1/reports/:id/approve", session, "/api/v1/reports/{li-submitted}/approve", "mgr-zhao"},
	{"POST /api/v1/reports/:id/reject", session, "/api/v1/reports/{li-submitted}/reject", "mgr-zhao"},
	{"POST /api/v1/reports/:id/reassign", session, "/api/v1/reports/{li-submitted}/reassign", "admin"},
	{"POST /api/v1/reports/:id/transfer", session, "/api/v1/reports/{li-submitted}/transfer", "mgr-zhao"},
	{"POST /api/v1/reports/approve", session, "/api/v1/reports/approve", "mgr-zhao"},
	{"GET /api/v1/admin/approval-policy", session, "/api/v1/admin/approval-policy", "admin"},
	{"PUT /api/v1/admin/approval-policy", session, "/api/v1/admin/approval-policy", "admin"},

	{"GET /api/v1/finance/invoices", session, "/api/v1/finance/invoices", "fin-chen"},
	{"GET /api/v1/finance/invoices/totals", session, "/api/v1/finance/invoices/totals", "fin-chen"},
	{"GET /api/v1/finance/export", session, "/api/v1/finance/export?format=csv", "fin-chen"},
	{"GET /api/v1/finance/archive", session, "/api/v1/finance/archive?from=2026-10-01&to=2026-10-31", "fin-chen"},
	{"POST /api/v1/finance/reconcile", session, "/api/v1/finance/reconcile", "fin-chen"},
	{"GET /api/v1/finance/reconcile/:id", session, "/api/v1/finance/reconcile/{reconcile}", "fin-chen"},
	{"POST /api/v1/finance/reconcile/:id/repair", session, "/api/v1/finance/reconcile/{reconcile}/repair", "fin-chen"},

	{"GET /api/v1/admin/outbox", session, "/api/v1/admin/outbox", "admin"},
	{"POST /api/v1/admin/outbox/:id/retry", session, "/api/v1/admin/outbox/{outbox-done}/retry", "admin"},
	{"GET /api/v1/admin/mailbox/unmatched", session, "/api/v1/admin/mailbox/unmatched", "admin"},
	{"GET /api/v1/admin/employees", session, "/api/v1/admin/employees", "admin"},
	{"POST /api/v1/admin/employees", session, "/api/v1/admin/employees", "admin"},
	{"POST /api/v1/admin/employees/sync-work", session, "/api/v1/admin/employees/sync-work", "admin"},
	{"GET /api/v1/admin/employees/:id", session, "/api/v1/admin/employees/emp-li", "admin"},
	{"PATCH /api/v1/admin/employees/:id", session, "/api/v1/admin/employees/emp-li", "admin"},
	{"POST /api/v1/admin/employees/:id/sign-out", session, "/api/v1/admin/employees/emp-li/sign-out", "admin"},
	{"GET /api/v1/directory", session, "/api/v1/directory?q=li", "emp-li"},
	{"GET /api/v1/admin/company", session, "/api/v1/admin/company", "admin"},
	{"PUT /api/v1/admin/company", session, "/api/v1/admin/company", "admin"},
	{"GET /api/v1/company/title-link", session, "/api/v1/company/title-link", "emp-li"},
	{"GET /api/v1/admin/webhooks", session, "/api/v1/admin/webhooks", "admin"},
	{"POST /api/v1/admin/webhooks", session, "/api/v1/admin/webhooks", "admin"},
	{"DELETE /api/v1/admin/webhooks/:id", session, "/api/v1/admin/webhooks/{webhook}", "admin"},
	{"GET /api/v1/admin/webhooks/deliveries", session, "/api/v1/admin/webhooks/deliveries", "admin"},
	{"POST /api/v1/admin/webhooks/deliveries/:id/retry", session, "/api/v1/admin/webhooks/deliveries/{delivery}/retry", "admin"},
	{"GET /api/v1/notifications", session, "/api/v1/notifications", "emp-li"},
	{"POST /api/v1/notifications/read", session, "/api/v1/notifications/read", "emp-li"},
	{"GET /api/v1/admin/notices", session, "/api/v1/admin/notices", "admin"},
	{"POST /api/v1/admin/notices/:id/retry", session, "/api/v1/admin/notices/{notice-pending}/retry", "admin"},

	{"POST /api/v1/qr-imports", session, "/api/v1/qr-imports", "emp-li"},
	{"GET /api/v1/qr-imports/:biz_code", session, "/api/v1/qr-imports/{qr}", "emp-li"},
	{"POST /api/v1/qr-imports/open", session, "/api/v1/qr-imports/open", "emp-li"},
	{"POST /api/v1/qr-imports/import", session, "/api/v1/qr-imports/import", "emp-li"},

	{"GET /api/v1/expense-types", session, "/api/v1/expense-types", "emp-li"},
	{"GET /api/v1/admin/expense-types", session, "/api/v1/admin/expense-types", "admin"},
	{"PUT /api/v1/admin/expense-types", session, "/api/v1/admin/expense-types", "admin"},
	{"GET /api/v1/me/bank-account", session, "/api/v1/me/bank-account", "emp-li"},
	{"PUT /api/v1/me/bank-account", session, "/api/v1/me/bank-account", "emp-li"},
	{"GET /api/v1/admin/employees/:id/bank-account", session, "/api/v1/admin/employees/emp-li/bank-account", "admin"},
	{"PUT /api/v1/admin/employees/:id/bank-account", session, "/api/v1/admin/employees/emp-li/bank-account", "admin"},
	{"POST /api/v1/payments", session, "/api/v1/payments", "fin-chen"},
	{"GET /api/v1/payments/:id", session, "/api/v1/payments/pay_nosuchpayment", "fin-chen"},
	{"GET /api/v1/payments/:id/bank-file", session, "/api/v1/payments/pay_nosuchpayment/bank-file", "fin-chen"},

	{"POST /open/v1/invoices/import", native, "/open/v1/invoices/import", ""},
	{"POST /open/v1/invoices/upload", native, "/open/v1/invoices/upload", ""},
	{"GET /open/v1/invoices/:id", native, "/open/v1/invoices/{li-invoice}", ""},
	{"POST /open/v1/invoices/search", native, "/open/v1/invoices/search", ""},
	{"POST /open/v1/invoices/status", native, "/open/v1/invoices/status", ""},
	{"GET /open/v1/reports/:id", native, "/open/v1/reports/{li-approved}", ""},
	{"GET /open/v1/export", native, "/open/v1/export?format=csv", ""},

	{"POST /openapi/auth/token", yuanian, "/openapi/auth/token", ""},
	{"POST /openapi/invoice/wechat/import", yuanian, "/openapi/invoice/wechat/import", ""},
	{"POST /openapi/invoice/wechat/import/jsapi", yuanian, "/openapi/invoice/wechat/import/jsapi", ""},
	{"POST /openapi/invoice/wechat/status/update", yuanian, "/openapi/invoice/wechat/status/update", ""},
	{"POST /openapi/invoice/wechat/status/update/jsapi", yuanian, "/openapi/invoice/wechat/status/update/jsapi", ""},
	{"POST /openapi/invoice/wechat/grcode", yuanian, "/openapi/invoice/wechat/grcode", ""},
	{"POST /openapi/invoice/wechat/qrcode", yuanian, "/openapi/invoice/wechat/qrcode", ""},
	{"POST /openapi/invoice/wechat/search", yuanian, "/openapi/invoice/wechat/search", ""},
	{"POST /openapi/wechat/jsapi/sign", yuanian, "/openapi/wechat/jsapi/sign", ""},
}

// outsideContract are served routes that are not the public API: the
// WeChat sandbox (WeChat's own paths, sandbox mode only) and the static
// H5 pages, as in web/openapi_test.go.
var outsideContract = []string{"/sandbox", "/h5"}

// genericCases derives, for each route, the bad requests every route of
// its kind must refuse the same way.
func genericCases(specs []routeSpec) []badCase {
	var out []badCase
	for _, r := range specs {
		add := func(c badCase) {
			c.route = r.route
			if c.target == "" {
				c.target = r.target
			}
			out = append(out, c)
		}
		if multipartRoutes[r.route] {
			out = append(out, multipartCases(r)...)
			continue
		}
		// Mutating requests must declare JSON before anything else
		// (DECISIONS 27; the CSRF defence): checked before auth.
		jsonOnly := r.mutating() && (r.access == session || r.access == native ||
			strings.HasPrefix(r.target, "/auth/"))
		if jsonOnly {
			add(badCase{name: "form body", as: r.as, body: "title=x", ctype: "application/x-www-form-urlencoded",
				status: http.StatusUnsupportedMediaType, code: "request.unsupported_media_type"})
			add(badCase{name: "text/plain JSON", as: r.as, body: "{}", ctype: "text/plain",
				status: http.StatusUnsupportedMediaType, code: "request.unsupported_media_type"})
		}
		if r.mutating() {
			add(badCase{name: "body over 1 MiB", as: r.as, big: true, status: http.StatusRequestEntityTooLarge, code: "request.too_large"})
		}
		switch r.access {
		case public:
			if !r.mutating() {
				// Signed in: anonymous requests to /api/v1 paths that match
				// no route meet the session check first (401).
				add(badCase{name: "wrong method", verb: http.MethodPost, as: "emp-li",
					status: http.StatusMethodNotAllowed, code: "request.method_not_allowed"})
			}
			if jsonOnly {
				add(badCase{name: "malformed JSON", body: `{"user":`, status: http.StatusBadRequest, code: "request.invalid"})
				add(badCase{name: "array body", body: `[]`, status: http.StatusBadRequest, code: "request.invalid"})
			}
		case session:
			add(badCase{name: "no session", status: http.StatusUnauthorized, code: "auth.required"})
			add(badCase{name: "forged session claiming admin", as: "forged", status: http.StatusUnauthorized, code: "auth.required"})
			if r.mutating() {
				add(badCase{name: "malformed JSON", as: r.as, body: `{"title": "x",`, status: http.StatusBadRequest, code: "request.invalid"})
				add(badCase{name: "array body", as: r.as, body: `[{"title":"x"}]`, status: http.StatusBadRequest, code: "request.invalid"})
				add(badCase{name: "unknown field", as: r.as, body: `{"no_such_field":1}`, status: http.StatusBadRequest, code: "request.invalid"})
			}
		case native:
			body := ""
			if r.mutating() {
				body = "{}"
			}
			add(badCase{name: "unsigned", body: body, status: http.StatusUnauthorized, code: "auth.required"})
			add(badCase{name: "wrong signature", body: body, sign: signedWrong, status: http.StatusUnauthorized, code: "signature.invalid"})
			add(badCase{name: "stale timestamp", body: body, sign: signedStale, status: http.StatusUnauthorized, code: "signature.replayed"})
			add(badCase{name: "replayed nonce", body: body, sign: signedReplay, status: http.StatusUnauthorized, code: "signature.replayed"})
			if r.mutating() {
				add(badCase{name: "malformed JSON", body: `{"invoice_ids":`, sign: signedRight, status: http.StatusBadRequest, code: "request.invalid"})
				add(badCase{name: "array body", body: `[]`, sign: signedRight, status: http.StatusBadRequest, code: "request.invalid"})
			}
		case yuanian:
			add(badCase{name: "not an envelope", body: `[1,2]`, status: http.StatusOK, code: "1003"})
			add(badCase{name: "malformed JSON", body: `{"header":{"appId":`, status: http.StatusOK, code: "1003"})
			add(badCase{name: "wrong sign", yn: &ynReq{sign: strings.Repeat("A", 32)}, status: http.StatusOK, code: "1001"})
			add(badCase{name: "stale timestamp", yn: &ynReq{timestamp: time.Now().Add(-6 * time.Minute)}, status: http.StatusOK, code: "1002"})
			// The first send is refused too (a body of wrong types), so
			// nothing but its sign is remembered.
			replay := `{"replay":"` + r.route + `","invoiceList":"x","width":"x","taxNos":"x"}`
			add(badCase{name: "replayed envelope", yn: &ynReq{rawBody: replay}, sign: signedReplay, status: http.StatusOK, code: "1002"})
			add(badCase{name: "unknown app", yn: &ynReq{header: map[string]any{"appId": "app_nosuchapp"}}, status: http.StatusOK, code: "1001"})
			if r.route != "POST /openapi/auth/token" {
				add(badCase{name: "no token", yn: &ynReq{noToken: true}, status: http.StatusOK, code: "1001"})
			}
		case callback:
			if r.mutating() {
				add(badCase{name: "forged event", target: r.target + "?signature=0&timestamp=1&nonce=2&msg_signature=0",
					body: "<xml><Encrypt>AAAA</Encrypt><MsgType>event</MsgType></xml>", ctype: "text/xml", status: http.StatusUnauthorized, code: "signature.invalid"})
			} else {
				add(badCase{name: "bad signature", target: r.target + "?signature=0&msg_signature=0&timestamp=1&nonce=2&echostr=aGVsbG8",
					status: http.StatusUnauthorized, code: "signature.invalid"})
			}
		}
	}
	return out
}

// multipartRoutes are the uploads (DECISIONS 38): multipart, not JSON, and
// up to 20 MiB, so their generic cases differ.
var multipartRoutes = map[string]bool{"POST /api/v1/invoices/upload": true, "POST /open/v1/invoices/upload": true}

// multipartBody is a multipart body with the given parts, boundary "X".
func multipartText(parts ...string) string {
	return "--X\r\n" + strings.Join(parts, "\r\n--X\r\n") + "\r\n--X--\r\n"
}

const multipartType = "multipart/form-data; boundary=X"

func formField(name, value string) string {
	return "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
}

func formFile(name, content string) string {
	return "Content-Disposition: form-data; name=\"files\"; filename=\"" + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content
}

func multipartCases(r routeSpec) []badCase {
	c := func(b badCase) badCase {
		b.route = r.route
		b.target = r.target
		if r.access == native && b.sign == unsigned && b.name != "unsigned" {
			b.sign = signedRight
		}
		if r.access == session && b.as == "" && b.name != "no session" {
			b.as = r.as
		}
		return b
	}
	out := []badCase{
		c(badCase{name: "JSON body", body: `{"files":[]}`, status: http.StatusUnsupportedMediaType, code: "request.unsupported_media_type"}),
		c(badCase{name: "form body", body: "files=x", ctype: "application/x-www-form-urlencoded", status: http.StatusUnsupportedMediaType, code: "request.unsupported_media_type"}),
		c(badCase{name: "body over 20 MiB", huge: true, ctype: multipartType, status: http.StatusRequestEntityTooLarge, code: "request.too_large"}),
		c(badCase{name: "multipart without a boundary", body: "junk", ctype: "multipart/form-data", status: http.StatusBadRequest, code: "request.invalid"}),
		c(badCase{name: "no files", body: multipartText(formField("employee_id", "emp-li")), ctype: multipartType, status: http.StatusBadRequest, code: "request.invalid"}),
	}
	switch r.access {
	case session:
		out = append(out,
			c(badCase{name: "no session", body: multipartText(formFile("a.xml", "<x/>")), ctype: multipartType, status: http.StatusUnauthorized, code: "auth.required"}),
			c(badCase{name: "forged session claiming admin", as: "forged", body: multipartText(formFile("a.xml", "<x/>")), ctype: multipartType, status: http.StatusUnauthorized, code: "auth.required"}),
			c(badCase{name: "cross-site Origin", header: map[string]string{"Origin": "https://evil.example"}, body: multipartText(formFile("a.xml", "<x/>")), ctype: multipartType, status: http.StatusForbidden, code: "auth.forbidden"}),
			c(badCase{name: "Sec-Fetch-Site cross-site", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, body: multipartText(formFile("a.xml", "<x/>")), ctype: multipartType, status: http.StatusForbidden, code: "auth.forbidden"}),
		)
	case native:
		file := multipartText(formField("employee_id", "emp-li"), formFile("a.xml", "<x/>"))
		out = append(out,
			c(badCase{name: "unsigned", body: file, ctype: multipartType, status: http.StatusUnauthorized, code: "auth.required"}),
			c(badCase{name: "wrong signature", body: file, ctype: multipartType, sign: signedWrong, status: http.StatusUnauthorized, code: "signature.invalid"}),
			c(badCase{name: "stale timestamp", body: file, ctype: multipartType, sign: signedStale, status: http.StatusUnauthorized, code: "signature.replayed"}),
			c(badCase{name: "replayed nonce", body: file, ctype: multipartType, sign: signedReplay, status: http.StatusUnauthorized, code: "signature.replayed"}),
			c(badCase{name: "no employee_id", body: multipartText(formFile("a.xml", "<x/>")), ctype: multipartType, status: http.StatusBadRequest, code: "request.invalid"}),
			c(badCase{name: "unknown employee", body: multipartText(formField("employee_id", "emp-nobody"), formFile("a.xml", "<x/>")), ctype: multipartType, status: http.StatusBadRequest, code: "request.invalid"}),
		)
	}
	return out
}

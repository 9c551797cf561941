package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// securityHeaders sets the headers every answer carries (API, pages,
// files, errors, the mounted sandbox). It runs before the handler, so an
// error answer has them too; errorHandler sets them again for requests
// fasthttp refused before any middleware ran (413, 431).
func securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders: nosniff keeps a browser from running a JSON answer
// or a downloaded file as a script or page; same-origin sends no URL
// (report and invoice ids, QR tokens) to other sites. Answers that may
// hold personal data are never stored by the browser or a proxy.
func setSecurityHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	if personalData(c.Path()) {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
}

// personalData reports whether answers under p may carry personal data:
// the signed-in API, sign-in itself, and both ERP profiles (/open/v1 and
// the Yuanian /openapi paths), file downloads included.
func personalData(p string) bool {
	for _, prefix := range []string{"/api/v1/", "/open/v1/", "/openapi/", "/auth/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// h5CSP is the Content-Security-Policy of the H5 pages. The pages are
// static files with no inline script, no inline style and no event
// handler attributes, so the policy names files, not hashes:
//
//   - default-src 'none': anything not named below (fonts, media,
//     objects, workers, manifests) is refused.
//   - script-src 'self' + the jweixin script itself (h5.jweixin_url,
//     pinned to its path: WeChat's CDN hosts much more than jweixin).
//   - style-src 'self': style.css; element.style from scripts is allowed
//     by CSP, style="…" attributes would not be.
//   - img-src 'self' data: the QR codes arrive as data: PNGs, the
//     favicon is "data:,".
//   - connect-src 'self': every fetch goes to our own API. In sandbox
//     mode the stand-in jweixin also calls the sandbox's /_js endpoints.
//   - frame-src: none in live mode; in sandbox mode the stand-in opens the
//     wallet picker in an iframe from the sandbox.
//   - frame-ancestors 'none': pages with approve buttons are never framed
//     (clickjacking); base-uri 'none': an injected <base> cannot re-point
//     the relative script URLs; form-action 'self': a form posts home.
func h5CSP(cfg H5Config) string {
	script := []string{"'self'"}
	connect := []string{"'self'"}
	frame := []string{"'none'"}
	if src, origin := jweixinSource(cfg.JWeixinURL); src != "" {
		script = append(script, src)
		if cfg.Sandbox {
			connect = append(connect, origin)
			frame = []string{"'self'", origin}
		}
	} else if cfg.Sandbox {
		frame = []string{"'self'"} // the sandbox is mounted at /sandbox
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(script, " "),
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src " + strings.Join(connect, " "),
		"frame-src " + strings.Join(frame, " "),
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// jweixinSource turns h5.jweixin_url into a CSP source: the URL without
// query or fragment (CSP matches paths, not queries), and its origin. A
// path on our origin ("/sandbox/jweixin.js") needs nothing beyond 'self'
// and answers "". A path with characters a source expression cannot hold
// falls back to the origin.
func jweixinSource(raw string) (src, origin string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", ""
	}
	origin = u.Scheme + "://" + u.Host
	if strings.ContainsFunc(origin, cspUnsafe) {
		return "", ""
	}
	p := u.EscapedPath()
	if p == "" || strings.ContainsFunc(p, cspUnsafe) {
		return origin, origin
	}
	return origin + p, origin
}

// cspUnsafe is a character that would end or split a source expression.
func cspUnsafe(r rune) bool {
	return r <= ' ' || r >= 0x7f || r == ';' || r == ',' || r == '\'' || r == '"'
}

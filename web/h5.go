package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

// H5Config is what the H5 pages need to know about this deployment.
type H5Config struct {
	// JWeixinURL is WeChat's JS-SDK script; in sandbox mode the sandbox's
	// stand-in (DECISIONS 15).
	JWeixinURL string
	// Sandbox is true in sandbox mode (demo-user login page, wallet picker).
	Sandbox bool
	// Origins are h5.origins: the sites whose pages may use the JSAPI
	// helper (CORS, see h5CORS), and the only origins uploads may come from.
	Origins []string
}

// h5Files are the H5 pages: plain HTML, CSS and JavaScript, no build step.
//
//go:embed h5
var h5Files embed.FS

// h5Pages maps the pages' short paths (below /h5/) to their files, so
// links carry no ".html".
var h5Pages = map[string]string{
	"":        "index.html",
	"admin":   "admin.html",
	"approve": "approve.html",
	"finance": "finance.html",
	"login":   "login.html",
	// PC QR import: the PC's page and the page its QR opens on the phone.
	"pc-import": "pc-import.html",
	"qr-import": "qr-import.html",
	// PC sign-in by QR: the page the login page's QR opens on the phone.
	"qr-login": "qr-login.html",
}

// h5Asset is one embedded file, ready to send.
type h5Asset struct {
	body        []byte
	contentType string
	etag        string
	html        bool
}

// h5ConfigView is GET /h5/config.json: how the pages learn the deployment.
type h5ConfigView struct {
	JWeixinURL string   `json:"jweixin_url"`
	Sandbox    bool     `json:"sandbox"`
	Channels   []string `json:"channels"`
}

// registerH5 serves the H5 pages under /h5/ and sends "/" there.
func registerH5(app *fiber.App, deps Deps) {
	assets := loadH5Assets()
	csp := h5CSP(deps.H5)
	cfg := h5ConfigView{JWeixinURL: deps.H5.JWeixinURL, Sandbox: deps.H5.Sandbox, Channels: []string{}}
	for _, ch := range deps.Channels {
		cfg.Channels = append(cfg.Channels, string(ch))
	}

	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/h5/", fiber.StatusFound) })
	app.Get("/h5/config.json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.JSON(cfg)
	})
	app.Get("/h5/*", func(c *fiber.Ctx) error {
		name := c.Params("*")
		if name == "" && !strings.HasSuffix(c.Path(), "/") {
			// "/h5" reaches this route too (routing is not strict); the
			// pages' relative links need the slash.
			return c.Redirect("/h5/", fiber.StatusFound)
		}
		if file, ok := h5Pages[name]; ok {
			name = file
		}
		if name == "baoxiao-jsapi.js" {
			name = "lib/baoxiao-jsapi.js" // its URL before it became a library
		}
		a, ok := assets[name]
		if !ok {
			return domain.ErrNotFound
		}
		return sendH5Asset(c, a, csp)
	})
}

// sendH5Asset answers with a or 304, a page with the pages' CSP. Every
// file is revalidated (no-cache): without a build step the names carry no
// content hash, and the ETag keeps revalidation cheap.
func sendH5Asset(c *fiber.Ctx, a h5Asset, csp string) error {
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderETag, a.etag)
	if a.html {
		// See h5CSP. X-Frame-Options repeats frame-ancestors for
		// browsers (old in-app WebViews) that do not know CSP.
		c.Set(fiber.HeaderContentSecurityPolicy, csp)
		c.Set(fiber.HeaderXFrameOptions, "DENY")
	}
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && strings.Contains(match, a.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	return c.Send(a.body)
}

// loadH5Assets reads the embedded files once. Directories and files other
// than the pages' own kinds are not served.
func loadH5Assets() map[string]h5Asset {
	sub, err := fs.Sub(h5Files, "h5")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	out := map[string]h5Asset{}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name == "lib/test" {
				return fs.SkipDir // the library's own unit tests (node --test)
			}
			return nil
		}
		ct := h5ContentType(name)
		if ct == "" {
			return nil
		}
		body, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		out[name] = h5Asset{
			body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`,
			html: path.Ext(name) == ".html",
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// h5ContentType is fixed per extension rather than taken from the OS mime
// table, which differs between machines (.js has been text/plain).
func h5ContentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return ""
}

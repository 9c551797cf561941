package web

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// corsPaths are what the JSAPI helper (/h5/lib/baoxiao-jsapi.js) reaches
// when a page on another of the configured h5.origins uses it: the
// library itself (an ES module import needs CORS), the page config, and
// the signed-in calls it makes. Nothing else answers other origins.
var corsPaths = []string{
	"/h5/config.json",
	"/api/v1/me",
	"/api/v1/jsapi/config",
	"/api/v1/jsapi/choose-invoice-sign",
	"/api/v1/invoices/import",
}

func corsPath(p string) bool {
	p = strings.ToLower(p) // Fiber routes case-insensitively
	return strings.HasPrefix(p, "/h5/lib/") || slices.Contains(corsPaths, p)
}

// h5CORS lets the pages of h5.origins use the helper from their own
// origin, with the employee's session cookie (credentials), and answers
// their preflights. The origins are the operator's own H5 sites: the
// same list the JSSDK signatures are limited to (app.JSAPI), so CORS
// grants nothing a signature would not. Other origins get no CORS
// headers, and the browser keeps their pages from reading the answers.
func h5CORS(origins []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if !corsPath(c.Path()) {
			return c.Next()
		}
		c.Vary(fiber.HeaderOrigin)
		origin := strings.ToLower(c.Get(fiber.HeaderOrigin))
		if origin == "" || !slices.Contains(origins, origin) {
			return c.Next()
		}
		c.Set(fiber.HeaderAccessControlAllowOrigin, c.Get(fiber.HeaderOrigin))
		c.Set(fiber.HeaderAccessControlAllowCredentials, "true")
		if c.Method() == fiber.MethodOptions && c.Get(fiber.HeaderAccessControlRequestMethod) != "" {
			c.Set(fiber.HeaderAccessControlAllowMethods, "GET, POST")
			c.Set(fiber.HeaderAccessControlAllowHeaders, "Accept, Content-Type")
			c.Set(fiber.HeaderAccessControlMaxAge, "600")
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.Next()
	}
}

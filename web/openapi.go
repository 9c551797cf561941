package web

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPIDoc is the hand-written OpenAPI 3.0 description of the HTTP API.
// openapi_test.go fails when a registered route or error code is missing.
//
//go:embed openapi.json
var openAPIDoc []byte

func openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPIDoc)
}

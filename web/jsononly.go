package web

import (
	"fmt"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

// jsonOnlyPrefixes are the paths whose mutating requests must be JSON
// (DECISIONS 27). WeChat callbacks (XML) and the sandbox are outside them.
var jsonOnlyPrefixes = []string{"/api/v1", "/auth", "/open/v1"}

// requireJSON refuses mutating requests under jsonOnlyPrefixes unless they
// say Content-Type: application/json. It is the CSRF defence next to the
// SameSite=Lax cookie: a cross-site HTML form can only send form, multipart
// or text/plain bodies, and it can send an empty one too. So the content
// type is required even when the body is empty; an empty JSON body means {}.
func requireJSON(c *fiber.Ctx) error {
	if isMutating(c.Method()) && jsonOnlyPath(c.Path()) && !isUploadPath(c.Path()) {
		if err := checkJSONBody(c); err != nil {
			return err
		}
	}
	return c.Next()
}

func isMutating(method string) bool {
	switch method {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
		return true
	}
	return false
}

// jsonOnlyPath ignores case because Fiber routes case-insensitively by
// default: /API/v1/x reaches the /api/v1/x handler.
func jsonOnlyPath(path string) bool {
	path = strings.ToLower(path)
	for _, p := range jsonOnlyPrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// checkJSONBody accepts application/json with any parameters (charset).
// Compressed bodies are refused: Fiber would inflate them without the body
// limit, and no client of ours compresses requests.
func checkJSONBody(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return domain.ErrUnsupportedMedia.WithMessage("compressed request bodies are not accepted")
	}
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return domain.ErrUnsupportedMedia
	}
	return nil
}

// uploadPaths are the multipart calls (DECISIONS 38). Their CSRF defence is
// the Origin and Sec-Fetch-Site check (checkUploadOrigin) on the H5 one and
// the signature on the ERP one.
var uploadPaths = []string{"/api/v1/invoices/upload", "/open/v1/invoices/upload"}

func isUploadPath(path string) bool {
	path = strings.TrimSuffix(strings.ToLower(path), "/")
	for _, p := range uploadPaths {
		if path == p {
			return true
		}
	}
	return false
}

// limitBody holds every path but the uploads to BodyLimit.
func limitBody(c *fiber.Ctx) error {
	if len(c.Request().Body()) > BodyLimit && !isUploadPath(c.Path()) {
		return domain.ErrTooLarge.WithMessage(fmt.Sprintf("the request body is over %d bytes", BodyLimit))
	}
	return c.Next()
}

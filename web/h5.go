package web

import "github.com/gofiber/fiber/v2"

// H5Config is what the H5 pages need to know about this deployment.
type H5Config struct {
	// JWeixinURL is WeChat's JS-SDK script; in sandbox mode the sandbox's
	// stand-in (DECISIONS 15).
	JWeixinURL string
	// Sandbox is true in sandbox mode (demo-user login page, wallet picker).
	Sandbox bool
}

// registerH5 serves the H5 pages under /h5/ (filled in by the H5 issue).
func registerH5(app *fiber.App, deps Deps) {}

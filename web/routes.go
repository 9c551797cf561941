package web

import "github.com/gofiber/fiber/v2"

// registerRoutes lists every endpoint in one place. Each new endpoint is
// added here and in openapi.json (openapi_test.go checks they agree).
func registerRoutes(app *fiber.App, deps Deps) {
	app.Get("/healthz", healthz(deps.Version))
	app.Get("/readyz", readyz(deps.Ready))

	api := app.Group("/api/v1")
	api.Get("/openapi.json", openAPI)
}

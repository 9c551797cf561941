package web

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
)

// readyTimeout keeps /readyz quick: a probe that hangs is a failed probe.
const readyTimeout = 2 * time.Second

type healthView struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

type readyView struct {
	Status string `json:"status"`
}

// healthz says the process is up. It never touches the database, so a slow
// DB does not get healthy instances restarted.
func healthz(version string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		return c.JSON(healthView{Status: "ok", Version: version})
	}
}

// readyz says whether to send traffic here. The cause of a failure is
// logged by the ErrorHandler, never shown to the prober.
func readyz(r Readiness) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if r != nil {
			ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
			defer cancel()
			if err := r.Ready(ctx); err != nil {
				return fmt.Errorf("%w: %w", errNotReady, err)
			}
		}
		return c.JSON(readyView{Status: "ready"})
	}
}

package web

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
)

// quietRoutes are probed every few seconds; their successes log at debug.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true}

// accessLog writes one line per request. It runs the ErrorHandler itself so
// the line shows the status the client got. It logs the path but never the
// query string: WeChat-style URLs carry codes and tokens there.
func accessLog(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		// New registers the global middleware as one route; if it is still
		// the current route after the chain, no endpoint matched.
		self := c.Route()
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}

		res := c.Response()
		status := res.StatusCode()
		route := ""
		if r := c.Route(); r != self {
			route = r.Path
		}
		took := time.Since(start)
		observeRequest(c.Method(), route, status, took)
		level := slog.LevelInfo
		if quietRoutes[route] && status < 400 {
			level = slog.LevelDebug
		}
		log.LogAttrs(c.UserContext(), level, "http request",
			slog.String("method", c.Method()),
			slog.String("route", route),
			slog.String("path", c.Path()),
			slog.Int("status", status),
			slog.Duration("latency", took),
			slog.Int("bytes", responseBytes(res)))
		return nil
	}
}

// responseBytes must not call Body() on a streamed response: that would
// read the whole stream into memory. Streams report Content-Length, or -1.
func responseBytes(res *fiber.Response) int {
	if res.IsBodyStream() {
		return res.Header.ContentLength()
	}
	return len(res.Body())
}

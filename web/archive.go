package web

import (
	"context"
	"io"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
)

// registerArchiveRoutes adds GET /api/v1/finance/archive: the ZIP of a
// period's approved reports' originals with their index (issue 16).
func registerArchiveRoutes(r fiber.Router, deps Deps) {
	if deps.Archives == nil {
		return
	}
	r.Get("/finance/archive", archiveHandler(deps.Archives))
}

// archiveHandler checks the caller and the period first, while a refusal
// can still be a JSON answer, then streams the ZIP as it is made.
func archiveHandler(archives *app.Archives) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f, err := app.FinanceParams{From: c.Query("from"), To: c.Query("to")}.Parse()
		if err != nil {
			return err
		}
		job, err := archives.Prepare(c.UserContext(), currentSession(c).EmployeeID, f)
		if err != nil {
			return err
		}
		streamDownload(c, "application/zip", job.FileName, "archive export", func(ctx context.Context, w io.Writer, flush func()) error {
			st, err := job.Run(ctx, w, func(int64) { flush() })
			if err == nil {
				level := slog.LevelInfo
				if st.Missing > 0 { // listed in the index with a note; someone should look
					level = slog.LevelWarn
				}
				slog.Log(ctx, level, "archive exported", "file", job.FileName, "invoices", st.Invoices,
					"files", st.Files, "bytes", st.Bytes, "missing", st.Missing)
			}
			return err
		})
		return nil
	}
}

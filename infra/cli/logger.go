package cli

import (
	"io"
	"log/slog"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/web"
)

// NewLogger builds the process logger; every line logged with a request
// context carries its request_id.
func NewLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.SlogLevel()}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(web.NewLogHandler(h))
}

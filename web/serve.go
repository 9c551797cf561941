package web

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Linger bounds for a connection fasthttp closes after rejecting a request.
const (
	lingerTimeout  = time.Second
	lingerMaxBytes = 2 * UploadBodyLimit
)

// Serve runs app on ln until ctx is done, then shuts it down gracefully,
// letting in-flight requests finish for up to drain.
// Use it rather than app.Listener: its connections linger after an early
// rejection, so a client still sending an oversized body reads our 413
// instead of a connection reset.
func Serve(ctx context.Context, app *fiber.App, ln net.Listener, drain time.Duration) error {
	served := make(chan error, 1)
	go func() { served <- app.Listener(lingerListener{ln}) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	err := app.ShutdownWithContext(sctx)
	// Shutdown only closes listeners fasthttp has registered; if ctx ended
	// before app.Listener got that far, closing ln is what stops it.
	_ = ln.Close()
	if serr := <-served; err == nil {
		err = serr
	}
	return err
}

type lingerListener struct{ net.Listener }

func (l lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingerConn{Conn: c}, nil
}

// lingerConn can close the way net/http does after an early answer: send
// FIN, drain what the client is still sending for a while, then close.
// Closing with unread input makes the kernel send RST, which can destroy
// the answer before the client reads it.
type lingerConn struct {
	net.Conn
	linger atomic.Bool
}

func (c *lingerConn) Close() error {
	if c.linger.Swap(false) {
		if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTimeout))
			_, _ = io.CopyN(io.Discard, c.Conn, lingerMaxBytes)
		}
	}
	return c.Conn.Close()
}

// lingerOnClose marks c's connection, when Serve accepted it, to linger.
func lingerOnClose(c *fiber.Ctx) {
	if lc, ok := c.Context().Conn().(*lingerConn); ok {
		lc.linger.Store(true)
	}
}

package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"
)

// HeaderRequestID carries the request ID in both directions.
const HeaderRequestID = "X-Request-ID"

type requestIDKey struct{}

// RequestID returns the ID of the request ctx belongs to, or "" outside a
// request. Code outside web gets it in logs through NewLogHandler instead.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestID adopts a sane incoming X-Request-ID (so a proxy's ID follows the
// request through our logs) or makes one, echoes it and puts it in the
// user context.
func requestID(c *fiber.Ctx) error {
	id := c.Get(HeaderRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	setRequestID(c, id)
	return c.Next()
}

func setRequestID(c *fiber.Ctx, id string) context.Context {
	c.Set(HeaderRequestID, id)
	ctx := withRequestID(c.UserContext(), id)
	c.SetUserContext(ctx)
	return ctx
}

// validRequestID accepts at most 64 of [A-Za-z0-9._-]: anything else could
// forge log lines or bloat them, so it is replaced, not trusted.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

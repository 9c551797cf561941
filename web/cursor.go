package web

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

// page reads ?limit= and ?cursor=. The cursor is opaque to clients:
// base64url JSON of the last item's sort key.
func page(c *fiber.Ctx) (after string, limit int, err error) {
	limit = defaultLimit
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return "", 0, domain.Invalid("limit", "must be a whole number from 1 to 500")
		}
		limit = n
	}
	if s := c.Query("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		var k struct {
			ID string `json:"id"`
		}
		if err != nil || json.Unmarshal(b, &k) != nil || k.ID == "" {
			return "", 0, domain.Invalid("cursor", "is not a cursor this API gave out")
		}
		after = k.ID
	}
	return after, limit, nil
}

// nextCursor is the cursor after lastID, or nil when the page was short.
func nextCursor(n, limit int, lastID string) *string {
	if n < limit || lastID == "" {
		return nil
	}
	b, _ := json.Marshal(struct {
		ID string `json:"id"`
	}{lastID})
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

type listView[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

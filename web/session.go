package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// sessionCookie holds the signed session. HttpOnly keeps it from scripts;
// SameSite=Lax plus the JSON-only rule for mutating requests is the CSRF
// defence (API.md).
const sessionCookie = "baoxiao_session"

// sessions signs and checks session cookies. The cookie is an HMAC over
// who is signed in, until when, and the id of the session's row: the row
// is what makes a session end before its expiry (app/sessions.go).
type sessions struct {
	key    []byte
	ttl    time.Duration
	secure bool
	now    func() time.Time
	auth   *app.Auth
}

type sessionClaims struct {
	SessionID  string `json:"s"`
	EmployeeID string `json:"e"`
	Channel    string `json:"c,omitempty"`
	OpenID     string `json:"o,omitempty"`
	Expires    int64  `json:"x"`
}

func newSessions(secret string, ttl time.Duration, secure bool, auth *app.Auth) *sessions {
	// A derived key: the configured secret may sign other things later.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("baoxiao session v1"))
	return &sessions{key: mac.Sum(nil), ttl: ttl, secure: secure, now: time.Now, auth: auth}
}

func (s *sessions) sign(payload string) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *sessions) encode(sess app.Session) string {
	b, _ := json.Marshal(sessionClaims{
		SessionID: sess.ID, EmployeeID: string(sess.EmployeeID), Channel: string(sess.Channel), OpenID: sess.OpenID,
		Expires: s.now().Add(s.ttl).Unix(),
	})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + s.sign(payload)
}

func (s *sessions) decode(v string) (app.Session, bool) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return app.Session{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return app.Session{}, false
	}
	var c sessionClaims
	if json.Unmarshal(b, &c) != nil || c.EmployeeID == "" || c.SessionID == "" || s.now().Unix() >= c.Expires {
		return app.Session{}, false
	}
	return app.Session{ID: c.SessionID, EmployeeID: domain.EmployeeID(c.EmployeeID), Channel: domain.Channel(c.Channel), OpenID: c.OpenID}, true
}

// open starts a session for sess (a row in the database) and sets its
// cookie. Every sign-in ends here.
func (s *sessions) open(c *fiber.Ctx, sess app.Session) (app.Session, error) {
	sess, err := s.auth.OpenSession(c.UserContext(), sess, s.ttl)
	if err != nil {
		return app.Session{}, err
	}
	s.set(c, sess)
	return sess, nil
}

func (s *sessions) set(c *fiber.Ctx, sess app.Session) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: s.encode(sess), Path: "/", MaxAge: int(s.ttl.Seconds()),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secure,
	})
}

func (s *sessions) clear(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secure,
	})
}

const sessionLocal = "session"

// require answers auth.required unless a valid session cookie came with
// the request, its session was not ended (logout, a role change, a
// deactivation, "sign out everywhere": checked in the database on every
// request) and its employee is still active. It keeps the session for the
// handler.
func (s *sessions) require() fiber.Handler {
	return func(c *fiber.Ctx) error {
		sess, ok := s.decode(c.Cookies(sessionCookie))
		if !ok {
			return domain.ErrAuthRequired
		}
		if err := s.auth.CheckSession(c.UserContext(), sess); err != nil {
			return err
		}
		c.Locals(sessionLocal, sess)
		return c.Next()
	}
}

// currentSession is the session requireSession checked.
func currentSession(c *fiber.Ctx) app.Session {
	sess, _ := c.Locals(sessionLocal).(app.Session)
	return sess
}

package web

import (
	"encoding/base64"
	"errors"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// PC sign-in by QR hand-off (DECISIONS 4): the PC's login page opens a
// hand-off and shows its QR; the phone opens /h5/qr-login?t=<token>, signs
// in through the normal OAuth and confirms; the PC's poll then gets the
// phone's session as its own cookie. The token travels in query strings
// and bodies, never in a path (access logs record paths); the browser
// secret travels only in an HttpOnly cookie scoped to these endpoints.

// qrLoginCookie holds the PC browser's secret: only the browser that
// showed the QR can collect the session.
const qrLoginCookie = "baoxiao_qr_login"

const qrLoginPath = "/auth/qr-login"

type qrLoginHandler struct {
	logins    *app.QRLogins
	auth      *app.Auth
	sessions  *sessions
	publicURL string
}

func registerQRLogin(a *fiber.App, deps Deps, sess *sessions) {
	if deps.QRLogins == nil {
		return
	}
	h := &qrLoginHandler{logins: deps.QRLogins, auth: deps.Auth, sessions: sess, publicURL: deps.PublicURL}
	a.Post(qrLoginPath, h.start)
	a.Get(qrLoginPath+"/status", h.status)
	phone := sess.require()
	a.Post(qrLoginPath+"/scan", phone, h.scan)
	a.Post(qrLoginPath+"/confirm", phone, h.confirm)
}

// qrLoginURL is the phone page a hand-off's QR points at.
func qrLoginURL(publicURL, token string) string {
	base := publicURL
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + "/h5/qr-login?t=" + url.QueryEscape(token)
}

type qrLoginView struct {
	State     string     `json:"state"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	URL       string     `json:"url,omitempty"`
	QRPNG     string     `json:"qr_png,omitempty"` // base64 PNG of url
	Me        *meView    `json:"me,omitempty"`
}

func (h *qrLoginHandler) setBrowserCookie(c *fiber.Ctx, secret string, expires time.Time) {
	c.Cookie(&fiber.Cookie{
		Name: qrLoginCookie, Value: secret, Path: qrLoginPath, Expires: expires,
		MaxAge: int(app.QRLoginTTL.Seconds()) + 10, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: h.sessions.secure,
	})
}

func (h *qrLoginHandler) clearBrowserCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: qrLoginCookie, Path: qrLoginPath, MaxAge: -1, Expires: time.Unix(0, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: h.sessions.secure,
	})
}

// start opens a hand-off for this browser (not signed in): the QR and,
// in a cookie, the secret that collects the session later.
func (h *qrLoginHandler) start(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	s, err := h.logins.Start(c.UserContext())
	if err != nil {
		return err
	}
	link := qrLoginURL(h.publicURL, s.Token)
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	h.setBrowserCookie(c, s.BrowserSecret, s.ExpiresAt)
	c.Set(fiber.HeaderCacheControl, "no-store")
	exp := s.ExpiresAt.In(shanghai)
	return c.Status(fiber.StatusCreated).JSON(qrLoginView{
		State: string(app.QRLoginPending), ExpiresAt: &exp, URL: link, QRPNG: base64.StdEncoding.EncodeToString(png),
	})
}

// status is the PC's poll. The poll that finds the code confirmed takes
// the session: it sets the session cookie on this answer, once.
func (h *qrLoginHandler) status(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	p, err := h.logins.Poll(c.UserContext(), c.Cookies(qrLoginCookie))
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, app.ErrQRUsed) {
		h.clearBrowserCookie(c)
	}
	if err != nil {
		return err
	}
	if p.Session == nil {
		if p.State == app.QRLoginExpired {
			h.clearBrowserCookie(c)
		}
		exp := p.ExpiresAt.In(shanghai)
		return c.JSON(qrLoginView{State: string(p.State), ExpiresAt: &exp})
	}
	h.clearBrowserCookie(c)
	e, err := h.auth.Actor(c.UserContext(), *p.Session)
	if err != nil {
		return err // deactivated since the confirm
	}
	// The PC gets a session of its own (a row of its own): the phone's
	// logout does not end it, and it ends like any other.
	pc, err := h.sessions.open(c, *p.Session)
	if err != nil {
		return err
	}
	me := newMeView(e, pc)
	return c.JSON(qrLoginView{State: "signed_in", Me: &me})
}

// scan tells the PC a signed-in phone opened the link.
func (h *qrLoginHandler) scan(c *fiber.Ctx) error {
	var req qrTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	l, err := h.logins.Scan(c.UserContext(), currentSession(c), req.Token)
	if err != nil {
		return err
	}
	exp := l.ExpiresAt.In(shanghai)
	return c.JSON(qrLoginView{State: string(l.State), ExpiresAt: &exp})
}

// confirm signs the PC in as the phone's user.
func (h *qrLoginHandler) confirm(c *fiber.Ctx) error {
	var req qrTokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	l, err := h.logins.Confirm(c.UserContext(), currentSession(c), req.Token)
	if err != nil {
		return err
	}
	exp := l.ExpiresAt.In(shanghai)
	return c.JSON(qrLoginView{State: string(l.State), ExpiresAt: &exp})
}

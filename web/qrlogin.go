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
// in through the normal OAuth and confirms; the PC's poll then shows who
// confirmed, and the PC's user accepts (the PC gets a session of that
// employee as its own cookie) or declines (issue 15: a QR seen by someone
// else cannot sign the PC into their account unnoticed). The token travels in query strings
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
	a.Post(qrLoginPath+"/accept", h.accept)
	a.Post(qrLoginPath+"/decline", h.decline)
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
	// Who confirmed on their phone: the PC's user accepts or declines
	// signing in as them (state confirmed).
	Who *qrLoginWho `json:"who,omitempty"`
	Me  *meView     `json:"me,omitempty"`
}

type qrLoginWho struct {
	ID   string `json:"id"`
	Name string `json:"name"`
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

// status is the PC's poll. Once a phone confirmed it names who: the
// session is handed over only by accept.
func (h *qrLoginHandler) status(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	p, err := h.logins.Poll(c.UserContext(), c.Cookies(qrLoginCookie))
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, app.ErrQRUsed) {
		h.clearBrowserCookie(c)
	}
	if err != nil {
		return err
	}
	if p.State == app.QRLoginExpired || p.State == app.QRLoginDeclined {
		h.clearBrowserCookie(c)
	}
	exp := p.ExpiresAt.In(shanghai)
	v := qrLoginView{State: string(p.State), ExpiresAt: &exp}
	if p.Who != nil {
		v.Who = &qrLoginWho{ID: string(p.Who.ID()), Name: p.Who.Name()}
	}
	return c.JSON(v)
}

// accept is the PC's user agreeing to sign in as the employee named by
// the poll: this answer sets the session cookie, once.
func (h *qrLoginHandler) accept(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	p, err := h.logins.Accept(c.UserContext(), c.Cookies(qrLoginCookie))
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, app.ErrQRUsed) || errors.Is(err, app.ErrQRExpired) {
		h.clearBrowserCookie(c)
	}
	if err != nil {
		return err
	}
	h.clearBrowserCookie(c)
	// The PC gets a session of its own (a row of its own): the phone's
	// logout does not end it, and it ends like any other.
	pc, err := h.sessions.open(c, *p.Session)
	if err != nil {
		return err
	}
	me := newMeView(p.Who, pc)
	return c.JSON(qrLoginView{State: "signed_in", Me: &me})
}

// decline is the PC's user refusing: nobody signs in with this code.
func (h *qrLoginHandler) decline(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	p, err := h.logins.Decline(c.UserContext(), c.Cookies(qrLoginCookie))
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, app.ErrQRUsed) || errors.Is(err, app.ErrQRExpired) {
		h.clearBrowserCookie(c)
	}
	if err != nil {
		return err
	}
	h.clearBrowserCookie(c)
	return c.JSON(qrLoginView{State: string(p.State)})
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

// confirm offers the PC a sign-in as the phone's user; the PC's user
// accepts or declines.
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

package web

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/intake"
	"github.com/baoxiao/baoxiao/domain"
)

type authHandler struct {
	auth      *app.Auth
	sessions  *sessions
	publicURL string
	mailbox   *intake.Mailbox
}

type meView struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	Channel *string  `json:"channel"`
	OpenID  *string  `json:"openid"`
	// IntakeAddress is where the employee mails invoices (DECISIONS 48).
	IntakeAddress *string `json:"intake_address,omitempty"`
	// Home is the page the user lands on when none was asked for.
	Home string `json:"home"`
}

// homePage is where someone with these roles lands after signing in when
// no page was asked for (issue 19): the page of the work that waits for
// them. Approvals come first, since other people's money waits on them;
// then finance's desk (finance and cashiers); then the admin page, used
// now and then; everyone else gets their own expenses. Every other page
// they may open is one tap away in the top bar.
func homePage(roles []domain.Role) string {
	switch {
	case slices.Contains(roles, domain.RoleApprover):
		return "/h5/approve"
	case slices.Contains(roles, domain.RoleFinance), slices.Contains(roles, domain.RoleCashier):
		return "/h5/finance"
	case slices.Contains(roles, domain.RoleAdmin):
		return "/h5/admin"
	}
	return "/h5/"
}

func newMeView(e *domain.Employee, s app.Session) meView {
	v := meView{ID: string(e.ID()), Name: e.Name(), Roles: []string{}, Home: homePage(e.Roles())}
	for _, r := range e.Roles() {
		v.Roles = append(v.Roles, string(r))
	}
	if s.Channel != "" {
		ch, openid := string(s.Channel), s.OpenID
		v.Channel, v.OpenID = &ch, &openid
	}
	return v
}

type sandboxLoginRequest struct {
	User    string `json:"user"`
	Channel string `json:"channel"`
}

func (r *sandboxLoginRequest) validate() error {
	if strings.TrimSpace(r.User) == "" {
		return domain.Invalid("user", "required")
	}
	if r.Channel != "" {
		if _, err := domain.ParseChannel(r.Channel); err != nil {
			return domain.Invalid("channel", `must be "oa" or "work"`)
		}
	}
	return nil
}

// sandboxLogin signs a demo user in by employee id (sandbox mode only).
func (h *authHandler) sandboxLogin(c *fiber.Ctx) error {
	var req sandboxLoginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, sess, err := h.auth.SandboxSignIn(c.UserContext(), domain.EmployeeID(req.User), domain.Channel(req.Channel))
	if err != nil {
		return err
	}
	if sess, err = h.sessions.open(c, sess); err != nil {
		return err
	}
	return c.JSON(newMeView(e, sess))
}

// logout ends the session the cookie names, in the database, so a copy
// of the cookie is worthless from now on; then it clears the cookie. A
// missing or invalid cookie is no error: there is nothing to end.
func (h *authHandler) logout(c *fiber.Ctx) error {
	// No body is expected: an empty one is {}, a malformed one is refused, not ignored.
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	if sess, ok := h.sessions.decode(c.Cookies(sessionCookie)); ok {
		if err := h.auth.SignOut(c.UserContext(), sess); err != nil {
			return err
		}
	}
	h.sessions.clear(c)
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *authHandler) me(c *fiber.Ctx) error {
	sess := currentSession(c)
	e, err := h.auth.Actor(c.UserContext(), sess)
	if err != nil {
		return err
	}
	v := newMeView(e, sess)
	v.IntakeAddress = intakeAddress(h.mailbox, e)
	return c.JSON(v)
}

// oauthCookie carries the OAuth state and where to go afterwards; it is
// signed like the session so a forged callback cannot pick them.
const oauthCookie = "baoxiao_oauth"

const oauthTTL = 10 * time.Minute

// nextBase stands for our own origin when a next parameter is resolved:
// only the path, query and fragment of the result are kept.
var nextBase = &url.URL{Scheme: "https", Host: "baoxiao.invalid", Path: "/"}

// safeNext keeps redirects on our own site. The rule, the same as
// BX.safeNext in h5/common.js: next must be a path ("/…") that, parsed
// against our origin, stays on our origin; the answer is the parsed path
// re-serialised, never the input. Characters a browser drops or reads as
// a slash (controls such as TAB, and backslash) are refused, not guessed
// at: "/\t/evil.example" is "//evil.example" to a browser.
func safeNext(next string) string {
	const home = "/h5/"
	if !strings.HasPrefix(next, "/") || strings.ContainsFunc(next, func(r rune) bool {
		return r < 0x20 || r == 0x7f || r == '\\'
	}) {
		return home
	}
	ref, err := url.Parse(next)
	if err != nil {
		return home
	}
	u := nextBase.ResolveReference(ref)
	if u.Scheme != nextBase.Scheme || u.Host != nextBase.Host || u.User != nil || u.Opaque != "" {
		return home
	}
	out := (&url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery, Fragment: u.Fragment}).String()
	// "/.//evil.example" resolves to the path "//evil.example", which a
	// browser would read as a host.
	if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") {
		return home
	}
	return out
}

func (h *authHandler) oauthStart(ch domain.Channel) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var b [16]byte
		_, _ = rand.Read(b[:])
		state := hex.EncodeToString(b[:])
		next := safeNext(c.Query("next"))
		redirect := h.publicURL + "/auth/" + string(ch) + "/callback"
		target, err := h.auth.AuthorizeURL(ch, redirect, state)
		if err != nil {
			return err
		}
		payload := url.Values{"s": {state}, "n": {next}, "x": {time.Now().Add(oauthTTL).Format(time.RFC3339)}}.Encode()
		c.Cookie(&fiber.Cookie{
			Name: oauthCookie, Value: payload + "|" + h.sessions.sign(payload), Path: "/auth/",
			MaxAge: int(oauthTTL.Seconds()), HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: h.sessions.secure,
		})
		return c.Redirect(target, fiber.StatusFound)
	}
}

func (h *authHandler) oauthCallback(ch domain.Channel) fiber.Handler {
	return func(c *fiber.Ctx) error {
		payload, sig, _ := strings.Cut(c.Cookies(oauthCookie), "|")
		vals, err := url.ParseQuery(payload)
		expires, _ := time.Parse(time.RFC3339, vals.Get("x"))
		if err != nil || !hmac.Equal([]byte(sig), []byte(h.sessions.sign(payload))) || time.Now().After(expires) ||
			c.Query("state") == "" || vals.Get("s") != c.Query("state") {
			return domain.ErrAuthRequired.WithMessage("the sign-in link is invalid or expired; start again")
		}
		c.Cookie(&fiber.Cookie{Name: oauthCookie, Path: "/auth/", MaxAge: -1, Expires: time.Unix(0, 0), HTTPOnly: true})
		code := c.Query("code")
		if code == "" {
			return domain.Invalid("code", "required")
		}
		e, sess, err := h.auth.SignIn(c.UserContext(), ch, code)
		var de *domain.Error
		if errors.As(err, &de) && de.Code == app.ErrUnknownUser.Code && de.Details != nil {
			return askAdmin(c, de.Details)
		}
		if err != nil {
			return err
		}
		if _, err := h.sessions.open(c, sess); err != nil {
			return err
		}
		next := safeNext(vals.Get("n"))
		if next == "/h5/" {
			// The default entry ("/" leads there): the user's own home.
			next = homePage(e.Roles())
		}
		return c.Redirect(next, fiber.StatusFound)
	}
}

var askAdminPage = template.Must(template.New("ask").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>请联系管理员 · baoxiao</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:32rem;padding:0 1rem}code{background:#f3f3f3;padding:.1rem .3rem;word-break:break-all}</style>
</head><body><h1>请联系管理员</h1>
<p>你的微信账号尚未登记为员工。请把下面的身份信息发给管理员，登记后即可使用。</p>
<p lang="en">Your WeChat account is not registered in baoxiao. Give your administrator this identity:</p>
<ul>{{range $k, $v := .}}<li>{{$k}}: <code>{{$v}}</code></li>{{end}}</ul>
</body></html>`))

// askAdmin tells an unknown WeChat user which identity to give an
// administrator (DECISIONS 3).
func askAdmin(c *fiber.Ctx, identity map[string]any) error {
	c.Status(fiber.StatusForbidden).Type("html", "utf-8")
	return askAdminPage.Execute(c.Response().BodyWriter(), identity)
}

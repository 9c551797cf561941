package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"html/template"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"
)

// OAuth (wechat-protocol.md §8). WeChat's authorize page signs in whoever
// holds the phone; the sandbox's lists the app's users to pick from.
// Codes are single use (40163 when reused) and live 5 minutes (then
// 40029), for OA and WeCom alike.

const oauthCodeTTL = 5 * time.Minute

type oauthCodeRow struct {
	bun.BaseModel `bun:"table:sandbox_oauth_codes"`
	Code          string `bun:"code,pk"`
	Channel       string `bun:"channel"`
	AppID         string `bun:"appid"`
	OpenID        string `bun:"openid"`
	UserID        string `bun:"userid"`
	Scope         string `bun:"scope"`
	CreatedMS     int64  `bun:"created_ms"`
	Used          int64  `bun:"used"`
}

var authorizePage = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{if .Error}}授权失败{{else}}选择登录的用户{{end}} · 微信沙箱</title>
<style>
body{margin:0;font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#ededed;color:#191919}
header{background:#07c160;color:#fff;padding:14px 16px;font-weight:600}
main{padding:12px}
.card{background:#fff;border-radius:8px;margin:0 0 10px;padding:14px 16px;display:block;color:inherit;text-decoration:none}
.card small{color:#888;display:block}
.err{background:#fff;border-left:4px solid #fa5151;padding:14px 16px;border-radius:8px}
.note{color:#888;font-size:13px;margin:12px 4px}
</style></head><body>
<header>微信沙箱 · {{if eq .Channel "work"}}企业微信{{else}}公众号{{end}}网页授权</header>
<main>
{{if .Error}}<div class="err" id="sandbox-oauth-error">{{.Error}}</div>
{{else}}
<p class="note">应用 <code>{{.AppID}}</code> 请求获取你的身份（{{.Scope}}）。选择以哪位沙箱用户登录：</p>
{{range .Users}}<a class="card" id="sandbox-user-{{.EmployeeID}}" data-user="{{.EmployeeID}}" data-openid="{{.OpenID}}" href="{{.Href}}">{{.Name}}
<small>{{.Department}} · {{if .UserID}}userid {{.UserID}} · {{end}}openid {{.OpenID}}</small></a>
{{else}}<div class="err">这个应用还没有沙箱用户。</div>{{end}}
{{end}}
<p class="note"><a id="sandbox-phone-link" href="{{.Phone}}">演示手机</a>：看送到每位演示用户的通知（企业微信消息、公众号模板消息）。</p>
</main></body></html>`))

type authorizeUser struct {
	userRow
	Href string
}

// GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state[&agentid]
// Picking a user (…&sandbox_pick=<openid or userid>) redirects to
// redirect_uri?code&state and sets the sandbox_user cookie (the openid).
func (s *Sandbox) handleAuthorize(c *fiber.Ctx) error {
	page := struct {
		Channel, AppID, Scope, Error, Phone string
		Users                               []authorizeUser
	}{AppID: c.Query("appid"), Scope: c.Query("scope"), Phone: s.opts.PublicBase + "/_phone"}
	render := func() error {
		c.Type("html", "utf-8")
		return authorizePage.Execute(c.Response().BodyWriter(), page)
	}
	app, ok := s.appByID(page.AppID)
	if !ok {
		page.Error = "appid 参数错误：沙箱不认识这个应用。"
		return render()
	}
	page.Channel = app.channel
	redirect, err := url.Parse(c.Query("redirect_uri"))
	switch {
	case c.Query("response_type") != "code":
		page.Error = "response_type 参数错误：应为 code。"
	case err != nil || !redirect.IsAbs() || (redirect.Scheme != "http" && redirect.Scheme != "https"):
		page.Error = "redirect_uri 参数错误：应为 http(s) 绝对地址。"
	case !validScope(app.channel, page.Scope):
		page.Error = "scope 参数错误。"
	case app.channel == channelWork && c.Query("agentid") != "" && c.Query("agentid") != app.agentID:
		page.Error = "agentid 参数错误。"
	}
	if page.Error != "" {
		return render()
	}
	ctx := c.UserContext()
	if pick := c.Query("sandbox_pick"); pick != "" {
		u, err := s.userByOpenID(ctx, app.channel, app.appID, pick)
		if err != nil {
			return err
		}
		if u == nil {
			page.Error = "沙箱用户不存在：" + pick
			return render()
		}
		code, err := s.issueOAuthCode(ctx, app, u, page.Scope)
		if err != nil {
			return err
		}
		q := redirect.Query()
		q.Set("code", code)
		q.Set("state", c.Query("state"))
		redirect.RawQuery = q.Encode()
		for name, v := range map[string]string{"sandbox_user": u.OpenID, "sandbox_channel": app.channel} {
			c.Cookie(&fiber.Cookie{Name: name, Value: v, Path: "/", SameSite: "Lax"})
		}
		return c.Redirect(redirect.String(), fiber.StatusFound)
	}
	users, err := s.users(ctx, app.channel, app.appID)
	if err != nil {
		return err
	}
	self := s.opts.PublicBase + "/connect/oauth2/authorize?" + string(c.Request().URI().QueryString())
	for _, u := range users {
		href := self + "&sandbox_pick=" + url.QueryEscape(u.OpenID)
		page.Users = append(page.Users, authorizeUser{u, href})
	}
	return render()
}

func validScope(channel, scope string) bool {
	switch scope {
	case "snsapi_base", "snsapi_userinfo":
		return true
	case "snsapi_privateinfo":
		return channel == channelWork
	}
	return false
}

func (s *Sandbox) issueOAuthCode(ctx context.Context, app appConfig, u *userRow, scope string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowMS()
	row := oauthCodeRow{Code: randomString(32, alnum), Channel: app.channel, AppID: app.appID,
		OpenID: u.OpenID, UserID: u.UserID, Scope: scope, CreatedMS: now}
	if _, err := s.db.NewDelete().Model((*oauthCodeRow)(nil)).
		Where("created_ms < ?", now-24*time.Hour.Milliseconds()).Exec(ctx); err != nil {
		return "", err
	}
	_, err := s.db.NewInsert().Model(&row).Exec(ctx)
	return row.Code, err
}

// redeemCode spends an OAuth code of that app: 40029 when unknown or
// older than 5 minutes, 40163 when already used.
func (s *Sandbox) redeemCode(ctx context.Context, channel, appID, code string) (*oauthCodeRow, int, error) {
	if code == "" {
		return nil, 41008, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var row oauthCodeRow
	err := s.db.NewSelect().Model(&row).Where("code = ?", code).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (row.Channel != channel || row.AppID != appID)) {
		return nil, 40029, nil
	}
	if err != nil {
		return nil, 0, err
	}
	switch {
	case row.Used != 0:
		return nil, 40163, nil
	case s.nowMS()-row.CreatedMS > oauthCodeTTL.Milliseconds():
		return nil, 40029, nil
	}
	if _, err := s.db.NewUpdate().Model(&row).Set("used = 1").WherePK().Exec(ctx); err != nil {
		return nil, 0, err
	}
	return &row, 0, nil
}

// GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code
func (s *Sandbox) handleSNSAccessToken(c *fiber.Ctx) error {
	if code := s.checkOACredentials(c.Query("appid"), c.Query("secret")); code != 0 {
		return fail(c, code)
	}
	if c.Query("grant_type") != "authorization_code" {
		return fail(c, 40002)
	}
	row, code, err := s.redeemCode(c.UserContext(), channelOA, c.Query("appid"), c.Query("code"))
	if err != nil || code != 0 {
		if err != nil {
			return err
		}
		return fail(c, code)
	}
	c.Locals(localOpenID, row.OpenID)
	// Like /cgi-bin/token, success carries no errcode.
	return reply(c, struct {
		AccessToken  string `json:"access_token"`
		ExpiresIn    int64  `json:"expires_in"`
		RefreshToken string `json:"refresh_token"`
		OpenID       string `json:"openid"`
		Scope        string `json:"scope"`
	}{randomString(88, tokenAlphabet), 7200, randomString(88, tokenAlphabet), row.OpenID, row.Scope})
}

// redeemWorkCode checks a WeCom user-info call's token and redeems its
// code; when ok is false the answer is already written (or err says why).
func (s *Sandbox) redeemWorkCode(c *fiber.Ctx) (row *oauthCodeRow, ok bool, err error) {
	tok, ok := s.authToken(c, channelWork)
	if !ok {
		return row, false, nil
	}
	row, code, err := s.redeemCode(c.UserContext(), channelWork, tok.AppID, c.Query("code"))
	if err != nil {
		return row, false, err
	}
	if code != 0 {
		return row, false, fail(c, code)
	}
	c.Locals(localOpenID, row.OpenID)
	return row, true, nil
}

// GET /cgi-bin/auth/getuserinfo?access_token&code (WeCom): members get
// userid, others openid.
func (s *Sandbox) handleWorkUserInfo(c *fiber.Ctx) error {
	row, ok, err := s.redeemWorkCode(c)
	if !ok {
		return err
	}
	if row.UserID == "" {
		return reply(c, struct {
			wxStatus
			OpenID string `json:"openid"`
		}{okStatus(), row.OpenID})
	}
	ans := struct {
		wxStatus
		UserID     string `json:"userid"`
		UserTicket string `json:"user_ticket,omitempty"`
		ExpiresIn  int64  `json:"expires_in,omitempty"`
	}{wxStatus: okStatus(), UserID: row.UserID}
	if row.Scope == "snsapi_privateinfo" {
		ans.UserTicket, ans.ExpiresIn = randomString(64, tokenAlphabet), 1800
	}
	return reply(c, ans)
}

// GET /cgi-bin/user/getuserinfo?access_token&code: the older WeCom call
// (silenceper's UserFromCode), answering UserId/DeviceId or OpenId.
func (s *Sandbox) handleWorkUserInfoOld(c *fiber.Ctx) error {
	row, ok, err := s.redeemWorkCode(c)
	if !ok {
		return err
	}
	if row.UserID == "" {
		return reply(c, struct {
			wxStatus
			OpenID string `json:"OpenId"`
		}{okStatus(), row.OpenID})
	}
	return reply(c, struct {
		wxStatus
		UserID   string `json:"UserId"`
		DeviceID string `json:"DeviceId"`
	}{okStatus(), row.UserID, ""})
}

// POST /cgi-bin/user/convert_to_openid {userid} → {openid}
func (s *Sandbox) handleConvertToOpenID(c *fiber.Ctx) error {
	tok, ok := s.authToken(c, channelWork)
	if !ok {
		return nil
	}
	var req struct {
		UserID string `json:"userid"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	u, err := s.userByUserID(c.UserContext(), tok.AppID, req.UserID)
	if err != nil {
		return err
	}
	if u == nil {
		return fail(c, 60111)
	}
	c.Locals(localOpenID, u.OpenID)
	return reply(c, struct {
		wxStatus
		OpenID string `json:"openid"`
	}{okStatus(), u.OpenID})
}

// POST /cgi-bin/user/convert_to_userid {openid} → {userid}
func (s *Sandbox) handleConvertToUserID(c *fiber.Ctx) error {
	tok, ok := s.authToken(c, channelWork)
	if !ok {
		return nil
	}
	var req struct {
		OpenID string `json:"openid"`
	}
	if !decodeBody(c, &req) {
		return fail(c, 47001)
	}
	u, err := s.userByOpenID(c.UserContext(), channelWork, tok.AppID, req.OpenID)
	if err != nil {
		return err
	}
	if u == nil || u.UserID == "" || u.OpenID != req.OpenID {
		return fail(c, 40003)
	}
	return reply(c, struct {
		wxStatus
		UserID string `json:"userid"`
	}{okStatus(), u.UserID})
}

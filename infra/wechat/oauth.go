package wechat

import (
	"context"
	"net/http"
	"net/url"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// OAuth is ours too: silenceper's OAuth clients hard-code the WeChat hosts,
// and its WeCom authorize URL omits agentid for snsapi_base.

// AuthorizeURL is the snsapi_base OAuth page (wechat-protocol.md §8):
// {open_base}/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…[&agentid=…]#wechat_redirect.
// WeChat checks the parameter order, so the URL is built by hand.
func (c *Client) AuthorizeURL(redirectURI, state string) string {
	u := c.openBase + "/connect/oauth2/authorize?appid=" + url.QueryEscape(c.appID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=snsapi_base&state=" + url.QueryEscape(state)
	if c.channel == domain.ChannelWork {
		u += "&agentid=" + url.QueryEscape(c.agentID)
	}
	return u + "#wechat_redirect"
}

type oaOAuthAnswer struct {
	OpenID string `json:"openid"`
}

type workUserAnswer struct {
	UserID    string `json:"userid"`
	UserIDOld string `json:"UserId"` // the older /cgi-bin/user/getuserinfo spelling
	OpenID    string `json:"openid"`
	OpenIDOld string `json:"OpenId"`
}

// ExchangeCode turns an OAuth code into its user: on OA through
// /sns/oauth2/access_token (the OAuth token is dropped), on WeCom through
// /cgi-bin/auth/getuserinfo (a member's userid, or a non-member's openid).
// 40029/40163 (invalid or used code) are Refused: restart OAuth.
func (c *Client) ExchangeCode(ctx context.Context, code string) (app.OAuthUser, error) {
	if c.channel == domain.ChannelOA {
		ep := endpoint{name: "sns/oauth2/access_token", method: http.MethodGet, path: "/sns/oauth2/access_token"}
		q := url.Values{"appid": {c.appID}, "secret": {c.secret}, "code": {code}, "grant_type": {"authorization_code"}}
		raw, err := c.call(ctx, ep, q, nil, c.secret, code)
		if err != nil {
			return app.OAuthUser{}, err
		}
		var a oaOAuthAnswer
		if err := decode(ep, raw, &a); err != nil {
			return app.OAuthUser{}, err
		}
		if a.OpenID == "" {
			return app.OAuthUser{}, newError(ep.name, app.Refused, 0, "the answer has no openid")
		}
		return app.OAuthUser{OpenID: a.OpenID}, nil
	}

	ep := endpoint{name: "auth/getuserinfo", method: http.MethodGet, path: "/cgi-bin/auth/getuserinfo"}
	var raw []byte
	err := c.withToken(ctx, func(tok string) error {
		var err error
		raw, err = c.call(ctx, ep, url.Values{"access_token": {tok}, "code": {code}}, nil, tok, code)
		return err
	})
	if err != nil {
		return app.OAuthUser{}, err
	}
	var a workUserAnswer
	if err := decode(ep, raw, &a); err != nil {
		return app.OAuthUser{}, err
	}
	u := app.OAuthUser{UserID: first(a.UserID, a.UserIDOld), OpenID: first(a.OpenID, a.OpenIDOld)}
	if u.UserID == "" && u.OpenID == "" {
		return app.OAuthUser{}, newError(ep.name, app.Refused, 0, "the answer has neither userid nor openid")
	}
	return u, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ConvertToOpenID gives a WeCom member's openid (/cgi-bin/user/convert_to_openid),
// the one their invoices carry. OA answers userID unchanged: there it is
// already the openid.
func (c *Client) ConvertToOpenID(ctx context.Context, userID string) (string, error) {
	if c.channel == domain.ChannelOA {
		return userID, nil
	}
	ep := c.endpoint("user/convert_to_openid", "/cgi-bin/user/convert_to_openid", false)
	raw, err := c.post(ctx, ep, map[string]string{"userid": userID})
	if err != nil {
		return "", err
	}
	var a struct {
		OpenID string `json:"openid"`
	}
	if err := decode(ep, raw, &a); err != nil {
		return "", err
	}
	if a.OpenID == "" {
		return "", newError(ep.name, app.Refused, 0, "the answer has no openid")
	}
	return a.OpenID, nil
}

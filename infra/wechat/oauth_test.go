package wechat

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
)

func TestAuthorizeURL(t *testing.T) {
	oa := NewOA(OAOptions{OpenBase: "https://open.example.com/", AppID: fakeAppID})
	require.Equal(t,
		"https://open.example.com/connect/oauth2/authorize?appid=wx0000000000000000"+
			"&redirect_uri=https%3A%2F%2Fh5.example.com%2Fauth%2Fcallback%3Fnext%3D%2Freports%26x%3D1"+
			"&response_type=code&scope=snsapi_base&state=s+1%2F2#wechat_redirect",
		oa.AuthorizeURL("https://h5.example.com/auth/callback?next=/reports&x=1", "s 1/2"))

	work := NewWork(WorkOptions{CorpID: fakeCorpID, AgentID: fakeAgentID})
	require.Equal(t,
		"https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww0000000000000000"+
			"&redirect_uri=https%3A%2F%2Fh5.example.com%2Fcb&response_type=code&scope=snsapi_base&state=abc"+
			"&agentid=1000002#wechat_redirect",
		work.AuthorizeURL("https://h5.example.com/cb", "abc"))
}

func TestExchangeCodeOA(t *testing.T) {
	f := newFake(t)
	c := f.oa(Options{})
	f.handle("/sns/oauth2/access_token", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		q := r.URL.Query()
		switch {
		case q.Get("appid") != fakeAppID || q.Get("secret") != fakeSecret || q.Get("grant_type") != "authorization_code":
			writeJSON(w, map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		case q.Get("code") == "good":
			writeJSON(w, map[string]any{"access_token": "user-token", "expires_in": 7200, "openid": "oEMPLI", "scope": "snsapi_base"})
		case q.Get("code") == "used":
			writeJSON(w, map[string]any{"errcode": 40163, "errmsg": "code been used"})
		default:
			writeJSON(w, map[string]any{"errcode": 40029, "errmsg": "invalid code"})
		}
	})
	u, err := c.ExchangeCode(context.Background(), "good")
	require.NoError(t, err)
	require.Equal(t, app.OAuthUser{OpenID: "oEMPLI"}, u)
	for _, code := range []string{"used", "bad"} {
		_, err := c.ExchangeCode(context.Background(), code)
		require.Equal(t, app.Refused, weErr(t, err).Kind, code)
	}
	require.Equal(t, 0, f.count("/cgi-bin/stable_token"), "OAuth needs no access token")

	openid, err := c.ConvertToOpenID(context.Background(), "oEMPLI")
	require.NoError(t, err)
	require.Equal(t, "oEMPLI", openid)
}

func TestExchangeCodeWork(t *testing.T) {
	f := newFake(t)
	c := f.work(Options{})
	f.handle("/cgi-bin/auth/getuserinfo", func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch r.URL.Query().Get("code") {
		case "member":
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": "emp-wang", "user_ticket": "t"})
		case "member-old":
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "UserId": "emp-zhao"})
		case "guest":
			writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": "oGUEST"})
		default:
			writeJSON(w, map[string]any{"errcode": 40029, "errmsg": "invalid code"})
		}
	})
	f.handle("/cgi-bin/user/convert_to_openid", func(w http.ResponseWriter, _ *http.Request, body []byte) {
		require.JSONEq(t, `{"userid":"emp-wang"}`, string(body))
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": "oWANG"})
	})
	ctx := context.Background()
	for code, want := range map[string]app.OAuthUser{
		"member": {UserID: "emp-wang"}, "member-old": {UserID: "emp-zhao"}, "guest": {OpenID: "oGUEST"},
	} {
		u, err := c.ExchangeCode(ctx, code)
		require.NoError(t, err, code)
		require.Equal(t, want, u, code)
	}
	_, err := c.ExchangeCode(ctx, "bad")
	require.Equal(t, app.Refused, weErr(t, err).Kind)

	openid, err := c.ConvertToOpenID(ctx, "emp-wang")
	require.NoError(t, err)
	require.Equal(t, "oWANG", openid)
	require.Equal(t, 1, f.count("/cgi-bin/gettoken"))
}

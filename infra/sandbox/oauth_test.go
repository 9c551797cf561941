package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/work/addresslist"
	"github.com/silenceper/wechat/v2/work/oauth"

	"github.com/baoxiao/baoxiao/config"
)

// authorize walks the OAuth page as a browser would: the page lists the
// app's users; following one's link redirects back with code and state.
func (e *env) authorize(appID, agentID, employee string) (code string, cookies []*http.Cookie) {
	e.t.Helper()
	q := url.Values{"appid": {appID}, "redirect_uri": {"https://h5.example.com/auth/oa/callback?next=%2Fh5%2F"},
		"response_type": {"code"}, "scope": {"snsapi_base"}, "state": {"st8"}}
	if agentID != "" {
		q.Set("agentid", agentID)
	}
	page := e.get("/connect/oauth2/authorize", q)
	body := string(page.Body)
	marker := `id="sandbox-user-` + employee + `"`
	i := strings.Index(body, marker)
	must(e.t, page.Status == 200 && i >= 0, "user %s not on the page: %s", employee, body)
	href := body[i:]
	href = href[strings.Index(href, `href="`)+6:]
	href = strings.ReplaceAll(href[:strings.Index(href, `"`)], "&amp;", "&")
	must(e.t, strings.HasPrefix(href, e.url), "link %s", href)
	r := e.get(strings.TrimPrefix(href, e.url), nil)
	must(e.t, r.Status == http.StatusFound, "pick: %d %s", r.Status, r.Body)
	loc, err := url.Parse(r.Header.Get("Location"))
	must(e.t, err == nil && loc.Host == "h5.example.com" && loc.Path == "/auth/oa/callback", "redirect %s", r.Header.Get("Location"))
	must(e.t, loc.Query().Get("state") == "st8" && loc.Query().Get("next") == "/h5/", "redirect query %s", loc.RawQuery)
	res := &http.Response{Header: r.Header}
	return loc.Query().Get("code"), res.Cookies()
}

func (e *env) snsToken(code string) resp {
	return e.get("/sns/oauth2/access_token", url.Values{"appid": {config.SandboxOAAppID}, "secret": {config.SandboxOAAppSecret},
		"code": {code}, "grant_type": {"authorization_code"}})
}

// Checklist 12: OAuth.
func TestChecklist12OAuth(t *testing.T) {
	e := start(t)
	li := demo("emp-li")

	t.Run("OA: pick a user, exchange the code once", func(t *testing.T) {
		code, cookies := e.authorize(config.SandboxOAAppID, "", "emp-li")
		var user string
		for _, c := range cookies {
			if c.Name == "sandbox_user" {
				user = c.Value
				must(t, c.Path == "/", "cookie path %q", c.Path)
			}
		}
		must(t, user == li.OAOpenID, "sandbox_user cookie %q", user)
		r := e.snsToken(code)
		wantErrcode(t, r, 0)
		must(t, r.str("openid") == li.OAOpenID && r.str("scope") == "snsapi_base" && r.str("access_token") != "" &&
			r.JSON["expires_in"] == float64(7200), "answer %s", r.Body)
		wantErrcode(t, e.snsToken(code), 40163)
		wantErrcode(t, e.snsToken("garbage"), 40029)
	})
	t.Run("OA: codes expire after 5 minutes", func(t *testing.T) {
		code, _ := e.authorize(config.SandboxOAAppID, "", "emp-li")
		e.clock.Advance(5*time.Minute + time.Second)
		wantErrcode(t, e.snsToken(code), 40029)
	})
	t.Run("OA: wrong secret", func(t *testing.T) {
		code, _ := e.authorize(config.SandboxOAAppID, "", "emp-li")
		r := e.get("/sns/oauth2/access_token", url.Values{"appid": {config.SandboxOAAppID}, "secret": {"x"}, "code": {code}, "grant_type": {"authorization_code"}})
		wantErrcode(t, r, 40125)
	})
	t.Run("WeCom: auth/getuserinfo, the old user/getuserinfo, convert_to_openid", func(t *testing.T) {
		work := e.workToken()
		wang := demo("emp-wang")
		code, cookies := e.authorize(config.SandboxWorkCorpID, config.SandboxWorkAgentID, "emp-wang")
		for _, c := range cookies {
			if c.Name == "sandbox_user" {
				must(t, c.Value == wang.WorkOpenID, "cookie %q", c.Value)
			}
		}
		// An OA code is not a WeCom code.
		oaCode, _ := e.authorize(config.SandboxOAAppID, "", "emp-wang")
		wantErrcode(t, e.get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {work}, "code": {oaCode}}), 40029)

		r := e.get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {work}, "code": {code}})
		var info oauth.GetUserInfoResponse
		must(t, json.Unmarshal(r.Body, &info) == nil && info.ErrCode == 0 && info.UserID == wang.WorkUserID, "getuserinfo %s", r.Body)
		wantErrcode(t, e.get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {work}, "code": {code}}), 40163)

		code2, _ := e.authorize(config.SandboxWorkCorpID, "", "mgr-zhao")
		r = e.get("/cgi-bin/user/getuserinfo", url.Values{"access_token": {work}, "code": {code2}})
		var old oauth.ResUserInfo
		must(t, json.Unmarshal(r.Body, &old) == nil && old.ErrCode == 0 && old.UserID == demo("mgr-zhao").WorkUserID, "old getuserinfo %s", r.Body)
		must(t, strings.Contains(string(r.Body), `"UserId"`), "old shape %s", r.Body)

		code3, _ := e.authorize(config.SandboxWorkCorpID, "", "emp-wang")
		e.clock.Advance(6 * time.Minute)
		wantErrcode(t, e.get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {e.workToken()}, "code": {code3}}), 40029)

		c := e.post("/cgi-bin/user/convert_to_openid", tok(e.workToken()), map[string]any{"userid": wang.WorkUserID})
		wantErrcode(t, c, 0)
		must(t, c.str("openid") == wang.WorkOpenID, "convert %s", c.Body)
		wantErrcode(t, e.post("/cgi-bin/user/convert_to_openid", tok(e.workToken()), map[string]any{"userid": "nobody"}), 60111)
		u := e.post("/cgi-bin/user/convert_to_userid", tok(e.workToken()), map[string]any{"openid": wang.WorkOpenID})
		must(t, u.str("userid") == wang.WorkUserID, "convert_to_userid %s", u.Body)
	})
	t.Run("WeCom: a non-member gets an openid", func(t *testing.T) {
		add := e.ctl(http.MethodPost, "/users", map[string]any{"channel": "work", "name": "外部访客", "employee_id": "guest", "member": false})
		code, _ := e.authorize(config.SandboxWorkCorpID, "", "guest")
		r := e.get("/cgi-bin/auth/getuserinfo", url.Values{"access_token": {e.workToken()}, "code": {code}})
		wantErrcode(t, r, 0)
		must(t, r.str("openid") == add.str("openid") && r.str("userid") == "", "non-member %s", r.Body)
	})
	t.Run("the page refuses bad requests", func(t *testing.T) {
		for name, q := range map[string]url.Values{
			"unknown app":   {"appid": {"wxnobody"}, "redirect_uri": {"https://x/"}, "response_type": {"code"}, "scope": {"snsapi_base"}},
			"relative uri":  {"appid": {config.SandboxOAAppID}, "redirect_uri": {"/x"}, "response_type": {"code"}, "scope": {"snsapi_base"}},
			"token type":    {"appid": {config.SandboxOAAppID}, "redirect_uri": {"https://x/"}, "response_type": {"token"}, "scope": {"snsapi_base"}},
			"bad scope":     {"appid": {config.SandboxOAAppID}, "redirect_uri": {"https://x/"}, "response_type": {"code"}, "scope": {"snsapi_privateinfo"}},
			"wrong agentid": {"appid": {config.SandboxWorkCorpID}, "agentid": {"9"}, "redirect_uri": {"https://x/"}, "response_type": {"code"}, "scope": {"snsapi_base"}},
		} {
			r := e.get("/connect/oauth2/authorize", q)
			must(t, strings.Contains(string(r.Body), "sandbox-oauth-error"), "%s accepted", name)
		}
	})
}

// The address list answers the shapes silenceper's work/addresslist
// decodes (for the directory sync).
func TestWeComAddressList(t *testing.T) {
	e := start(t)
	work := e.workToken()
	q := func(kv ...string) url.Values {
		v := url.Values{"access_token": {work}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	var depts addresslist.DepartmentListResponse
	r := e.get("/cgi-bin/department/list", q())
	must(t, json.Unmarshal(r.Body, &depts) == nil && depts.ErrCode == 0 && len(depts.Department) >= 4, "departments %s", r.Body)
	must(t, depts.Department[0].ID == 1 && depts.Department[0].Name == config.SandboxCompanyName, "root %+v", depts.Department[0])

	var users addresslist.UserSimpleListResponse
	r = e.get("/cgi-bin/user/simplelist", q("department_id", "1", "fetch_child", "1"))
	must(t, json.Unmarshal(r.Body, &users) == nil && users.ErrCode == 0 && len(users.UserList) == 4, "simplelist %s", r.Body)

	r = e.get("/cgi-bin/user/list", q("department_id", "1", "fetch_child", "1"))
	var list struct {
		Errcode  int                           `json:"errcode"`
		UserList []addresslist.UserGetResponse `json:"userlist"`
	}
	must(t, json.Unmarshal(r.Body, &list) == nil && list.Errcode == 0 && len(list.UserList) == 4, "user/list %s", r.Body)
	wantErrcode(t, e.get("/cgi-bin/user/list", q("department_id", "1")), 0) // root holds nobody directly

	var wang addresslist.UserGetResponse
	r = e.get("/cgi-bin/user/get", q("userid", demo("emp-wang").WorkUserID))
	must(t, json.Unmarshal(r.Body, &wang) == nil && wang.ErrCode == 0 && wang.Name == demo("emp-wang").Name, "user/get %s", r.Body)
	must(t, len(wang.DirectLeader) == 1 && wang.DirectLeader[0] == demo("mgr-zhao").WorkUserID, "leader %v", wang.DirectLeader)
	var zhao addresslist.UserGetResponse
	_ = json.Unmarshal(e.get("/cgi-bin/user/get", q("userid", demo("mgr-zhao").WorkUserID)).Body, &zhao)
	must(t, len(zhao.IsLeaderInDept) == 1 && zhao.IsLeaderInDept[0] == 1, "mgr-zhao leads %v", zhao.IsLeaderInDept)

	wantErrcode(t, e.get("/cgi-bin/user/get", q("userid", "nobody")), 60111)
	wantErrcode(t, e.get("/cgi-bin/user/list", q("department_id", "999")), 60123)
	var one addresslist.DepartmentGetResponse
	_ = json.Unmarshal(e.get("/cgi-bin/department/get", q("id", "1")).Body, &one)
	must(t, one.Department.Name == config.SandboxCompanyName, "department/get %+v", one)
}

package service_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

func demoUser(t *testing.T, id string) sandbox.DemoUser {
	t.Helper()
	for _, u := range sandbox.DemoUsers {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no demo user %s", id)
	return sandbox.DemoUser{}
}

// oauth runs the browser side of OAuth against the sandbox: start, pick the
// user on the sandbox's authorize page (by openid), follow the callback.
func oauth(t *testing.T, a *testkit.AppServer, c *testkit.Client, channel, openid, next string) testkit.Response {
	t.Helper()
	start := c.Do(http.MethodGet, "/auth/"+channel+"/start?next="+url.QueryEscape(next), nil)
	if start.Status != http.StatusFound {
		t.Fatalf("start: %d %s", start.Status, start.Body)
	}
	authorize := c.Location()
	if !strings.HasPrefix(authorize, a.URL+"/sandbox/connect/oauth2/authorize?") || !strings.HasSuffix(authorize, "#wechat_redirect") {
		t.Fatalf("authorize URL %s", authorize)
	}
	u, _ := url.Parse(authorize)
	if u.Query().Get("scope") != "snsapi_base" || u.Query().Get("state") == "" {
		t.Fatalf("authorize query %s", u.RawQuery)
	}
	u.Fragment = ""
	q := u.Query()
	q.Set("sandbox_pick", openid)
	u.RawQuery = q.Encode()
	picked := c.Get(u.String())
	if picked.Status != http.StatusFound {
		t.Fatalf("pick: %d %s", picked.Status, picked.Body)
	}
	return c.Get(c.Location())
}

func TestOAuthSignIn(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())

	t.Run("oa", func(t *testing.T) {
		c := a.Client(t)
		res := oauth(t, a, c, "oa", demoUser(t, "emp-li").OAOpenID, "/h5/approve")
		if res.Status != http.StatusFound || c.Location() != "/h5/approve" {
			t.Fatalf("callback: %d → %s", res.Status, c.Location())
		}
		got := me(t, c)
		if got["id"] != "emp-li" || got["channel"] != "oa" || got["openid"] != demoUser(t, "emp-li").OAOpenID {
			t.Fatalf("me %v", got)
		}
		if res := c.Do(http.MethodPost, "/auth/logout", nil); res.Status != http.StatusNoContent {
			t.Fatalf("logout %d", res.Status)
		}
		if res := c.Do(http.MethodGet, "/api/v1/me", nil); res.Status != http.StatusUnauthorized || res.ErrorCode() != "auth.required" {
			t.Fatalf("after logout: %d %s", res.Status, res.Body)
		}
	})

	t.Run("work gives the invoice openid", func(t *testing.T) {
		c := a.Client(t)
		wang := demoUser(t, "emp-wang")
		oauth(t, a, c, "work", wang.WorkOpenID, "/h5/")
		got := me(t, c)
		if got["id"] != "emp-wang" || got["channel"] != "work" || got["openid"] != wang.WorkOpenID {
			t.Fatalf("me %v", got)
		}
	})

	t.Run("unknown user is asked to see an administrator", func(t *testing.T) {
		add := a.Sandbox(t, http.MethodPost, "/_control/users", map[string]any{"channel": "oa", "name": "路人甲"})
		openid, _ := add.JSON["openid"].(string)
		if openid == "" {
			t.Fatalf("add user: %s", add.Body)
		}
		c := a.Client(t)
		res := oauth(t, a, c, "oa", openid, "/h5/")
		if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), openid) || !strings.Contains(string(res.Body), "管理员") {
			t.Fatalf("unknown user: %d %s", res.Status, res.Body)
		}
		if res := c.Do(http.MethodGet, "/api/v1/me", nil); res.Status != http.StatusUnauthorized {
			t.Fatal("an unknown user got a session")
		}
	})

	t.Run("forged state is refused", func(t *testing.T) {
		c := a.Client(t)
		c.Do(http.MethodGet, "/auth/oa/start", nil)
		res := c.Get(a.URL + "/auth/oa/callback?code=whatever&state=forged")
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("forged state: %d %s", res.Status, res.Body)
		}
	})

	t.Run("open redirect is refused", func(t *testing.T) {
		c := a.Client(t)
		oauth(t, a, c, "oa", demoUser(t, "emp-li").OAOpenID, "//evil.example/")
		if c.Location() != "/h5/" {
			t.Fatalf("redirected to %s", c.Location())
		}
	})
}

// The JSSDK signatures the API hands out verify at the WeChat end: the
// sandbox recomputes wx.config and cardSign with the tickets it issued.
func TestJSSDKSignaturesVerify(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	page := a.URL + "/h5/?tab=invoices"

	for _, user := range []string{"emp-li", "emp-wang"} {
		t.Run(user, func(t *testing.T) {
			c := a.Login(t, user)
			cfg := c.Do(http.MethodGet, "/api/v1/jsapi/config?url="+url.QueryEscape(page+"#section"), nil)
			if cfg.Status != http.StatusOK {
				t.Fatalf("config: %d %s", cfg.Status, cfg.Body)
			}
			j := cfg.JSON
			verify := a.Sandbox(t, http.MethodPost, "/_js/verify-config", map[string]any{
				"appId": j["app_id"], "timestamp": j["timestamp"], "nonceStr": j["nonce_str"], "signature": j["signature"], "url": page,
			})
			if verify.Status != http.StatusOK || verify.JSON["ok"] == false {
				t.Fatalf("wx.config does not verify: %d %s", verify.Status, verify.Body)
			}
			if user == "emp-wang" {
				ag, _ := j["agent_config"].(map[string]any)
				if ag == nil || ag["corp_id"] != a.Cfg.WeChat.Work.CorpID || ag["agent_id"] != a.Cfg.WeChat.Work.AgentID {
					t.Fatalf("agent_config %v", j["agent_config"])
				}
				v := a.Sandbox(t, http.MethodPost, "/_js/verify-agent-config", map[string]any{
					"corpid": ag["corp_id"], "agentid": ag["agent_id"], "timestamp": ag["timestamp"], "nonceStr": ag["nonce_str"], "signature": ag["signature"], "url": page,
				})
				if v.Status != http.StatusOK || v.JSON["ok"] == false {
					t.Fatalf("agentConfig does not verify: %d %s", v.Status, v.Body)
				}
			} else if j["agent_config"] != nil {
				t.Fatal("agent_config on the OA channel")
			}

			sign := c.Do(http.MethodPost, "/api/v1/jsapi/choose-invoice-sign", map[string]any{"url": page})
			if sign.Status != http.StatusOK || sign.JSON["sign_type"] != "SHA1" {
				t.Fatalf("sign: %d %s", sign.Status, sign.Body)
			}
			me := me(t, c)
			q := url.Values{
				"appid": {j["app_id"].(string)}, "timestamp": {jsonNumber(sign.JSON["timestamp"])}, "nonceStr": {sign.JSON["nonce_str"].(string)},
				"signType": {"SHA1"}, "cardSign": {sign.JSON["card_sign"].(string)}, "openid": {me["openid"].(string)}, "channel": {me["channel"].(string)},
			}
			picker := a.Sandbox(t, http.MethodGet, "/_js/choose-invoice?"+q.Encode(), nil)
			if picker.Status != http.StatusOK || !strings.Contains(string(picker.Body), "sandbox-confirm") {
				t.Fatalf("the picker refused our cardSign: %d %s", picker.Status, picker.Body)
			}
		})
	}

	t.Run("foreign pages are not signed", func(t *testing.T) {
		c := a.Login(t, "emp-li")
		for _, u := range []string{"http://evil.example/h5/", "javascript:alert(1)", "/h5/", ""} {
			res := c.Do(http.MethodGet, "/api/v1/jsapi/config?url="+url.QueryEscape(u), nil)
			if res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" {
				t.Errorf("%q: %d %s", u, res.Status, res.Body)
			}
		}
		if res := a.Client(t).Do(http.MethodGet, "/api/v1/jsapi/config?url="+url.QueryEscape(page), nil); res.Status != http.StatusUnauthorized {
			t.Errorf("signed for an anonymous caller: %d", res.Status)
		}
	})
}

func jsonNumber(v any) string {
	f, _ := v.(float64)
	return strconv.FormatInt(int64(f), 10)
}

// A deactivated employee's session ends at once, on every endpoint.
func TestDeactivationEndsSessions(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
	invs := importN(t, a, li, 1)
	act(t, li, createReport(t, li, invs), "submit", nil, http.StatusOK)
	if _, err := a.Svc.Store.Employees.Update(context.Background(), "emp-li", func(e *domain.Employee) error {
		e.Deactivate(time.Now())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/invoices", "/api/v1/jsapi/config?url=" + url.QueryEscape(a.URL+"/h5/")} {
		if res := li.Do(http.MethodGet, path, nil); res.Status != http.StatusUnauthorized {
			t.Errorf("%s after deactivation: %d", path, res.Status)
		}
	}
	// Their submitted report stays with the approver, owner named.
	got := mgr.Do(http.MethodGet, "/api/v1/invoices/"+invs[0]["id"].(string), nil)
	if got.Status != http.StatusOK || got.JSON["owner"].(map[string]any)["name"] != "李娜" {
		t.Fatalf("approver's view of a deactivated employee's invoice: %d %s", got.Status, got.Body)
	}
}

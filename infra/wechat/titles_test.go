package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/app"
)

func TestUserTitleURL(t *testing.T) {
	f := newFake(t)
	f.handle("/card/invoice/biz/getusertitleurl", func(w http.ResponseWriter, r *http.Request, body []byte) {
		var req map[string]any
		_ = json.Unmarshal(body, &req)
		if req["user_fill"] != float64(0) || req["title"] != "示例科技有限公司" || req["tax_no"] != "91440300MA5G2DEMO8" {
			writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
			return
		}
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "url": "https://mp.weixin.qq.com/bizmall/authinvoice?action=list&s_pappid=abc"})
	})
	c := f.oa(Options{})
	url, err := c.UserTitleURL(context.Background(), "示例科技有限公司", "91440300MA5G2DEMO8")
	if err != nil || !strings.HasPrefix(url, "https://mp.weixin.qq.com/") {
		t.Fatalf("url %q, err %v", url, err)
	}
	// A stale token is refreshed once, like every OA call.
	f.expireAll()
	if _, err := c.UserTitleURL(context.Background(), "示例科技有限公司", "91440300MA5G2DEMO8"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UserTitleURL(context.Background(), "别的", ""); err == nil {
		t.Fatal("a refusal was not reported")
	}
	var we *app.WeChatError
	if _, err := f.work(Options{}).UserTitleURL(context.Background(), "x", ""); !errors.As(err, &we) || we.Kind != app.Misconfigured {
		t.Fatalf("WeCom client: %v", err)
	}
}

// Numbers arrive as strings from some gateways; the address list reads
// them leniently, and is_leader_in_dept runs parallel to department.
func TestAddressListShapes(t *testing.T) {
	f := newFake(t)
	f.answer("/cgi-bin/department/list", map[string]any{"errcode": 0, "errmsg": "ok", "department": []any{
		map[string]any{"id": 1, "name": "公司", "parentid": 0},
		map[string]any{"id": "2", "name": "研发部", "parentid": "1", "department_leader": []string{"Lead"}},
	}})
	f.answer("/cgi-bin/user/list", map[string]any{"errcode": 0, "errmsg": "ok", "userlist": []any{
		map[string]any{"userid": "Lead", "name": "L", "department": []any{1, "2"}, "is_leader_in_dept": []any{0, 1}, "status": 1},
		map[string]any{"userid": "Gone", "name": "G", "department": []any{2}, "status": "5"},
	}})
	c := f.work(Options{})
	depts, err := c.Departments(context.Background())
	if err != nil || len(depts) != 2 || depts[1].ID != 2 || depts[1].ParentID != 1 || depts[1].Leaders[0] != "Lead" {
		t.Fatalf("%+v %v", depts, err)
	}
	ms, err := c.DepartmentMembers(context.Background(), 2)
	if err != nil || len(ms) != 2 {
		t.Fatalf("%+v %v", ms, err)
	}
	if len(ms[0].LeaderIn) != 1 || ms[0].LeaderIn[0] != 2 || ms[1].Status != 5 {
		t.Fatalf("%+v", ms)
	}
	if q := f.query("/cgi-bin/user/list", 0); !strings.Contains(q, "department_id=2") || !strings.Contains(q, "fetch_child=0") {
		t.Fatalf("query %s", q)
	}
}

package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// lookupIDs asks GET /api/v1/directory as c and answers the ids listed.
func lookupIDs(t *testing.T, c *testkit.Client, query string) []string {
	t.Helper()
	res := c.Do(http.MethodGet, "/api/v1/directory"+query, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("lookup %s: %d %s", query, res.Status, res.Body)
	}
	var ids []string
	for _, it := range res.JSON["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

// TestDirectoryLookup is the pickers' lookup (issue 19): any signed-in
// employee finds active people by name, id or department, and sees no
// more of them than id, name and department.
func TestDirectoryLookup(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		admin, li := a.Login(t, "admin"), a.Login(t, "emp-li")
		for _, e := range []map[string]any{
			{"id": "pct-a", "name": "百分%比", "department": "测试部"},
			{"id": "und_b", "name": "下划线", "department": "测试部"},
			{"id": "li", "name": "黎明", "department": "测试部"},
			{"id": "gone-zhao", "name": "赵离职", "department": "市场销售中心", "active": false},
		} {
			if res := admin.Do(http.MethodPost, "/api/v1/admin/employees", e); res.Status != http.StatusCreated {
				t.Fatalf("create %v: %d %s", e["id"], res.Status, res.Body)
			}
		}
		join := func(ids []string) string { return strings.Join(ids, " ") }

		if res := a.Client(t).Do(http.MethodGet, "/api/v1/directory?q=赵", nil); res.Status != http.StatusUnauthorized || res.ErrorCode() != "auth.required" {
			t.Errorf("signed out: %d %s, want 401 auth.required", res.Status, res.Body)
		}

		// A plain employee may ask; the answer names people and no more.
		res := li.Do(http.MethodGet, "/api/v1/directory?q="+testkit.Query("赵"), nil)
		if res.Status != http.StatusOK {
			t.Fatalf("lookup as emp-li: %d %s", res.Status, res.Body)
		}
		items := res.JSON["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("赵 finds %s, want mgr-zhao only (gone-zhao is deactivated)", res.Body)
		}
		got := items[0].(map[string]any)
		if len(got) != 3 || got["id"] != "mgr-zhao" || got["name"] != "赵磊" || got["department"] != "市场销售中心" {
			t.Errorf("the entry is %v, want exactly id, name and department of mgr-zhao", got)
		}
		for _, secret := range []string{"openid", "open_id", "userid", "identities", "bank", "account", "roles", "email", "intake", "manager", "oSBX"} {
			if strings.Contains(strings.ToLower(string(res.Body)), strings.ToLower(secret)) {
				t.Errorf("the answer shows %q: %s", secret, res.Body)
			}
		}

		for _, tc := range []struct{ query, want string }{
			{"?q=" + testkit.Query("市场销售"), "mgr-zhao"}, // department; gone-zhao is left out
			{"?q=" + testkit.Query("李娜"), "emp-li"},     // name
			{"?q=FIN-", "fin-chen fin-zhou"},            // id, in any case
			{"?q=gone", ""},                             // deactivated
			{"?q=" + testkit.Query("%"), "pct-a"},       // a literal %, not everyone
			{"?q=" + testkit.Query("_"), "und_b"},       // a literal _, not any one character
			{"?q=" + testkit.Query("百分%"), "pct-a"},
			{"?q=" + testkit.Query("!"), ""}, // the escape character is itself
			{"?q=li", "li emp-li"},           // the exact id first
			{"?q=" + testkit.Query("  李娜 "), "emp-li"},
		} {
			if got := join(lookupIDs(t, li, tc.query)); got != tc.want {
				t.Errorf("lookup %s = %q, want %q", tc.query, got, tc.want)
			}
		}

		// Limits: 20 by default, 1..50, anything else refused.
		if n := len(lookupIDs(t, li, "")); n != 10 {
			t.Errorf("no q lists %d, want the 10 active employees", n)
		}
		if got := join(lookupIDs(t, li, "?q="+testkit.Query("测试部")+"&limit=1")); got != "li" {
			t.Errorf("limit=1 lists %q, want li", got)
		}
		if n := len(lookupIDs(t, li, "?limit=50")); n != 10 {
			t.Errorf("limit=50 lists %d, want 10", n)
		}
		for _, q := range []string{"?limit=0", "?limit=51", "?limit=-1", "?limit=x", "?limit=", "?q=" + strings.Repeat("a", 65)} {
			res := li.Do(http.MethodGet, "/api/v1/directory"+q, nil)
			if q == "?limit=" {
				if res.Status != http.StatusOK {
					t.Errorf("%s (no limit): %d %s", q, res.Status, res.Body)
				}
				continue
			}
			if res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" {
				t.Errorf("%s: %d %s, want 400 request.invalid", q, res.Status, res.Body)
			}
		}
	})
}

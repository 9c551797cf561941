package service_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

func typeCodes(t *testing.T, res testkit.Response) []string {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("expense types: %d %s", res.Status, res.Body)
	}
	var list []struct {
		Code   string `json:"code"`
		Active bool   `json:"active"`
	}
	if err := json.Unmarshal(res.Body, &list); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range list {
		c := x.Code
		if !x.Active {
			c += "(off)"
		}
		out = append(out, c)
	}
	return out
}

// TestExpenseTypes: the seeded list, an admin's edit (a type retired, one
// added), and a report's purpose and types by PATCH.
func TestExpenseTypes(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, admin := a.Login(t, "emp-li"), a.Login(t, "admin")
		seeded := typeCodes(t, li.Do(http.MethodGet, "/api/v1/expense-types", nil))
		if len(seeded) != 8 || seeded[0] != "travel" || seeded[7] != "other" {
			t.Fatalf("seeded %v", seeded)
		}
		if res := li.Do(http.MethodGet, "/api/v1/admin/expense-types", nil); res.Status != http.StatusForbidden {
			t.Fatalf("employee reads the admin list: %d", res.Status)
		}
		if res := li.Do(http.MethodPut, "/api/v1/admin/expense-types", []any{map[string]any{"code": "x", "name": "x"}}); res.Status != http.StatusForbidden {
			t.Fatalf("employee edits: %d", res.Status)
		}
		for _, bad := range []any{
			[]any{map[string]any{"code": "Travel", "name": "差旅"}},
			[]any{map[string]any{"code": "a", "name": "x"}, map[string]any{"code": "a", "name": "y"}},
			[]any{map[string]any{"code": "a", "name": ""}},
			[]any{},
		} {
			if res := admin.Do(http.MethodPut, "/api/v1/admin/expense-types", bad); res.Status != http.StatusBadRequest {
				t.Fatalf("bad list %v: %d %s", bad, res.Status, res.Body)
			}
		}
		res := admin.Do(http.MethodPut, "/api/v1/admin/expense-types", []any{
			map[string]any{"code": "travel", "name": "差旅费"}, map[string]any{"code": "meal", "name": "餐饮"},
			map[string]any{"code": "training", "name": "培训"}, map[string]any{"code": "office", "name": "办公", "active": false},
		})
		got := typeCodes(t, res)
		if len(got) != 9 || got[0] != "travel" || got[2] != "training" || got[3] != "office(off)" {
			t.Fatalf("after edit %v", got)
		}
		if active := typeCodes(t, li.Do(http.MethodGet, "/api/v1/expense-types", nil)); len(active) != 3 {
			t.Fatalf("active %v", active)
		}

		invs := importN(t, a, li, 2)
		r := createReport(t, li, invs)
		id := r["id"].(string)
		patch := func(body map[string]any) testkit.Response {
			body["version"] = li.Do(http.MethodGet, "/api/v1/reports/"+id, nil).JSON["version"]
			return li.Do(http.MethodPatch, "/api/v1/reports/"+id, body)
		}
		first, second := invs[0]["id"].(string), invs[1]["id"].(string)
		if res := patch(map[string]any{"expense_types": map[string]string{first: "office"}}); res.ErrorCode() != "expense_type.unknown" {
			t.Fatalf("inactive type: %d %s", res.Status, res.Body)
		}
		if res := patch(map[string]any{"expense_types": map[string]string{"inv_nope": "meal"}}); res.Status != http.StatusBadRequest {
			t.Fatalf("invoice not in report: %d %s", res.Status, res.Body)
		}
		res = patch(map[string]any{"purpose": "  客户拜访  ", "expense_types": map[string]string{first: "training", second: "meal"}})
		if res.Status != http.StatusOK || res.JSON["purpose"] != "客户拜访" {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		types := map[string]any{}
		for _, inv := range res.JSON["invoices"].([]any) {
			types[inv.(map[string]any)["id"].(string)] = inv.(map[string]any)["expense_type"]
		}
		if types[first] != "training" || types[second] != "meal" {
			t.Fatalf("types %v", types)
		}
		// Cleared, then kept across a title edit.
		res = patch(map[string]any{"expense_types": map[string]string{second: ""}, "title": "新标题"})
		for _, inv := range res.JSON["invoices"].([]any) {
			if m := inv.(map[string]any); m["id"] == second && m["expense_type"] != nil || m["id"] == first && m["expense_type"] != "training" {
				t.Fatalf("after clearing: %v", m["expense_type"])
			}
		}
		act(t, li, r, "submit", nil, http.StatusOK)
		if res := patch(map[string]any{"purpose": "改"}); res.Status != http.StatusConflict {
			t.Fatalf("purpose of a submitted report: %d %s", res.Status, res.Body)
		}
		rows := a.Login(t, "fin-chen").Do(http.MethodGet, "/api/v1/finance/invoices?expense_type=training", nil).JSON["items"].([]any)
		if len(rows) != 1 || rows[0].(map[string]any)["expense_type"].(map[string]any)["name"] != "培训" {
			t.Fatalf("filter by type: %v", rows)
		}
	})
}

package service_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// dirEmployee reads one employee through the admin API.
func dirEmployee(t *testing.T, admin *testkit.Client, id string) map[string]any {
	t.Helper()
	res := admin.Do(http.MethodGet, "/api/v1/admin/employees/"+id, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("get employee %s: %d %s", id, res.Status, res.Body)
	}
	return res.JSON
}

// dirPatch changes an employee at its current version.
func dirPatch(t *testing.T, admin *testkit.Client, id string, fields map[string]any) map[string]any {
	t.Helper()
	body := map[string]any{"version": dirEmployee(t, admin, id)["version"]}
	for k, v := range fields {
		body[k] = v
	}
	res := admin.Do(http.MethodPatch, "/api/v1/admin/employees/"+id, body)
	if res.Status != http.StatusOK {
		t.Fatalf("patch employee %s: %d %s", id, res.Status, res.Body)
	}
	return res.JSON
}

func dirWant(t *testing.T, res testkit.Response, status int, code string) {
	t.Helper()
	if res.Status != status || res.ErrorCode() != code {
		t.Fatalf("got %d %s, want %d %s", res.Status, res.Body, status, code)
	}
}

func strs(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, fmt.Sprint(s))
	}
	return out
}

func TestAdminEmployees(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		admin, li := a.Login(t, "admin"), a.Login(t, "emp-li")

		t.Run("admins only", func(t *testing.T) {
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, "/api/v1/admin/employees", nil},
				{http.MethodPost, "/api/v1/admin/employees", map[string]any{"id": "x", "name": "x"}},
				{http.MethodGet, "/api/v1/admin/employees/emp-li", nil},
				{http.MethodPatch, "/api/v1/admin/employees/emp-li", map[string]any{"version": 0, "name": "x"}},
				{http.MethodPost, "/api/v1/admin/employees/sync-work", nil},
				{http.MethodGet, "/api/v1/admin/company", nil},
				{http.MethodPut, "/api/v1/admin/company", map[string]any{"version": 1, "buyers": []any{}}},
			} {
				dirWant(t, li.Do(r.method, r.path, r.body), http.StatusForbidden, "auth.forbidden")
				dirWant(t, a.Client(t).Do(r.method, r.path, r.body), http.StatusUnauthorized, "auth.required")
			}
		})

		t.Run("list pages by id", func(t *testing.T) {
			var got []string
			next := "/api/v1/admin/employees?limit=2"
			for next != "" {
				res := admin.Do(http.MethodGet, next, nil)
				if res.Status != http.StatusOK {
					t.Fatalf("list: %d %s", res.Status, res.Body)
				}
				for _, it := range res.JSON["items"].([]any) {
					got = append(got, it.(map[string]any)["id"].(string))
				}
				next = ""
				if c, ok := res.JSON["next_cursor"].(string); ok {
					next = "/api/v1/admin/employees?limit=2&cursor=" + c
				}
			}
			if want := []string{"admin", "dir-sun", "emp-li", "emp-wang", "fin-chen", "fin-zhou", "mgr-zhao"}; !slices.Equal(got, want) {
				t.Fatalf("ids %v, want %v", got, want)
			}
		})

		oaApp, corp := a.Cfg.WeChat.OA.AppID, a.Cfg.WeChat.Work.CorpID
		t.Run("create", func(t *testing.T) {
			body := map[string]any{
				"id": "emp-zhou", "name": "周强", "department": "研发部", "roles": []string{"employee"}, "manager_id": "mgr-zhao",
				"identities": []any{map[string]any{"channel": "oa", "app_id": oaApp, "openid": "oZHOU"}},
			}
			res := admin.Do(http.MethodPost, "/api/v1/admin/employees", body)
			if res.Status != http.StatusCreated || res.JSON["active"] != true || res.JSON["manager_id"] != "mgr-zhao" || res.JSON["department"] != "研发部" {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
			dirWant(t, admin.Do(http.MethodPost, "/api/v1/admin/employees", body), http.StatusBadRequest, "request.invalid")
			for field, bad := range map[string]map[string]any{
				"manager_id": {"id": "emp-x", "name": "x", "manager_id": "nobody"},
				"roles":      {"id": "emp-x", "name": "x", "roles": []string{"boss"}},
				"id":         {"id": "Emp X", "name": "x"},
				"name":       {"id": "emp-x"},
				"identities": {"id": "emp-x", "name": "x", "identities": []any{map[string]any{"channel": "oa", "app_id": oaApp, "openid": demoUser(t, "emp-li").OAOpenID}}},
			} {
				res := admin.Do(http.MethodPost, "/api/v1/admin/employees", bad)
				dirWant(t, res, http.StatusBadRequest, "request.invalid")
				if !strings.Contains(string(res.Body), field) {
					t.Errorf("%s: %s", field, res.Body)
				}
			}
		})

		t.Run("update with versions", func(t *testing.T) {
			e := dirEmployee(t, admin, "emp-zhou")
			v := e["version"]
			res := admin.Do(http.MethodPatch, "/api/v1/admin/employees/emp-zhou", map[string]any{"version": v, "department": "产品部", "roles": []string{"approver"}})
			if res.Status != http.StatusOK || res.JSON["department"] != "产品部" || res.JSON["version"] == v || !slices.Contains(strs(res.JSON["roles"]), "approver") {
				t.Fatalf("patch: %d %s", res.Status, res.Body)
			}
			stale := admin.Do(http.MethodPatch, "/api/v1/admin/employees/emp-zhou", map[string]any{"version": v, "name": "周"})
			dirWant(t, stale, http.StatusConflict, "conflict.version")
			dirWant(t, admin.Do(http.MethodPatch, "/api/v1/admin/employees/emp-zhou", map[string]any{"name": "周"}), http.StatusBadRequest, "request.invalid")
			if got := dirPatch(t, admin, "emp-zhou", map[string]any{"manager_id": nil}); got["manager_id"] != nil || got["name"] != "周强" {
				t.Fatalf("clear manager: %v", got)
			}
			dirWant(t, admin.Do(http.MethodGet, "/api/v1/admin/employees/nobody", nil), http.StatusNotFound, "not_found")
			dirWant(t, admin.Do(http.MethodPatch, "/api/v1/admin/employees/nobody", map[string]any{"version": 0}), http.StatusNotFound, "not_found")
		})

		t.Run("a WeCom identity keeps its learned openid", func(t *testing.T) {
			wang := demoUser(t, "emp-wang")
			got := dirPatch(t, admin, "emp-wang", map[string]any{"identities": []any{
				map[string]any{"channel": "work", "app_id": corp, "userid": wang.WorkUserID},
			}})
			ids := got["identities"].([]any)
			if len(ids) != 1 || ids[0].(map[string]any)["openid"] != wang.WorkOpenID {
				t.Fatalf("identities %v", ids)
			}
		})

		t.Run("admins cannot lock themselves out", func(t *testing.T) {
			v := dirEmployee(t, admin, "admin")["version"]
			dirWant(t, admin.Do(http.MethodPatch, "/api/v1/admin/employees/admin", map[string]any{"version": v, "active": false}), http.StatusBadRequest, "request.invalid")
			dirWant(t, admin.Do(http.MethodPatch, "/api/v1/admin/employees/admin", map[string]any{"version": v, "roles": []string{"finance"}}), http.StatusBadRequest, "request.invalid")
		})
	})
}

// Deactivation blocks sign-in and ends sessions; the employee's open
// report stays with its approver and finance.
func TestDeactivatedEmployee(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		report := createReport(t, li, importN(t, a, li, 1))
		act(t, li, report, "submit", nil, http.StatusOK)
		path := "/api/v1/reports/" + report["id"].(string)

		admin := a.Login(t, "admin")
		if got := dirPatch(t, admin, "emp-li", map[string]any{"active": false}); got["active"] != false {
			t.Fatalf("deactivate: %v", got)
		}
		dirWant(t, li.Do(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "auth.required")
		dirWant(t, li.Do(http.MethodGet, "/api/v1/reports", nil), http.StatusUnauthorized, "auth.required")
		dirWant(t, a.Client(t).Do(http.MethodPost, "/auth/sandbox/login", map[string]any{"user": "emp-li"}), http.StatusForbidden, "auth.forbidden")
		c := a.Client(t)
		if res := oauth(t, a, c, "oa", demoUser(t, "emp-li").OAOpenID, "/h5/"); res.Status != http.StatusForbidden {
			t.Fatalf("OAuth of a deactivated employee: %d %s", res.Status, res.Body)
		}
		dirWant(t, c.Do(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "auth.required")

		for _, who := range []string{"mgr-zhao", "fin-chen", "admin"} {
			res := a.Login(t, who).Do(http.MethodGet, path, nil)
			if res.Status != http.StatusOK || res.JSON["employee"].(map[string]any)["name"] != "李娜" {
				t.Fatalf("%s sees the report: %d %s", who, res.Status, res.Body)
			}
		}
		todo := a.Login(t, "mgr-zhao").Do(http.MethodGet, "/api/v1/reports?scope=to_approve", nil)
		if items := todo.JSON["items"].([]any); len(items) != 1 {
			t.Fatalf("to_approve: %s", todo.Body)
		}

		dirPatch(t, admin, "emp-li", map[string]any{"active": true})
		if me(t, a.Login(t, "emp-li"))["id"] != "emp-li" {
			t.Fatal("reactivated employee cannot sign in")
		}
	})
}

// The approver is fixed when the report is made; an admin reassigns it,
// and the history says so.
func TestReassignApprover(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, admin := a.Login(t, "emp-li"), a.Login(t, "admin")
		invs := importN(t, a, li, 2)
		report := createReport(t, li, invs[:1])
		act(t, li, report, "submit", nil, http.StatusOK)
		path := "/api/v1/reports/" + report["id"].(string)

		// A new manager takes new reports only.
		dirPatch(t, admin, "emp-li", map[string]any{"manager_id": "fin-chen"})
		if got := li.Do(http.MethodGet, path, nil).JSON["approver"].(map[string]any)["id"]; got != "mgr-zhao" {
			t.Fatalf("the open report moved to %v", got)
		}
		// A draft has no approver yet; its preview plan names who would be.
		draft := createReport(t, li, invs[1:])
		if got := draft["plan"].([]any)[0].(map[string]any)["approvers"].([]any)[0].(map[string]any)["id"]; got != "fin-chen" || draft["approver"] != nil {
			t.Fatalf("a new report goes to %v", got)
		}

		mgr := a.Login(t, "mgr-zhao")
		dirWant(t, mgr.Do(http.MethodPost, path+"/reassign", map[string]any{"approver_id": "fin-chen"}), http.StatusForbidden, "auth.forbidden")
		// DECISIONS 44: active, not the owner, with the approver role; a
		// plain employee, finance and an admin without the role are refused.
		for _, bad := range []string{"emp-li", "nobody", "", "emp-wang", "fin-chen", "admin"} {
			res := admin.Do(http.MethodPost, path+"/reassign", map[string]any{"approver_id": bad})
			dirWant(t, res, http.StatusBadRequest, "request.invalid")
			if fields, _ := res.JSON["error"].(map[string]any)["details"].(map[string]any)["fields"].(map[string]any); fields["approver_id"] == nil {
				t.Fatalf("reassign to %q: %s, want details.fields.approver_id", bad, res.Body)
			}
		}
		dirPatch(t, admin, "fin-chen", map[string]any{"roles": []string{"employee", "finance", "approver"}})
		fin := a.Login(t, "fin-chen")
		res := admin.Do(http.MethodPost, path+"/reassign", map[string]any{"approver_id": "fin-chen"})
		if res.Status != http.StatusOK || res.JSON["approver"].(map[string]any)["id"] != "fin-chen" || res.JSON["status"] != "submitted" {
			t.Fatalf("reassign: %d %s", res.Status, res.Body)
		}
		hist := res.JSON["history"].([]any)
		last := hist[len(hist)-1].(map[string]any)
		if last["action"] != "reassign" || last["actor"].(map[string]any)["id"] != "admin" || last["comment"] != "step 1: mgr-zhao → fin-chen" {
			t.Fatalf("history entry %v", last)
		}
		// The former approver no longer sees it.
		dirWant(t, mgr.Do(http.MethodPost, path+"/approve", nil), http.StatusNotFound, "not_found")
		act(t, fin, report, "approve", nil, http.StatusOK)
		dirWant(t, admin.Do(http.MethodPost, path+"/reassign", map[string]any{"approver_id": "mgr-zhao"}), http.StatusConflict, "report.invalid_transition")
	})
}

func TestWorkDirectorySync(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		admin := a.Login(t, "admin")
		corp := a.Cfg.WeChat.Work.CorpID
		for _, u := range []map[string]any{
			{"channel": "work", "userid": "Dev.Lead", "employee_id": "dev-lead", "name": "研发负责人", "department": "研发部"},
			{"channel": "work", "userid": "Zhou.Qiang", "employee_id": "zhou", "name": "周强", "department": "研发部", "manager_id": "dev-lead"},
			{"channel": "work", "userid": "Taken.User", "name": "冲突"},
		} {
			if res := a.Sandbox(t, http.MethodPost, "/_control/users", u); res.Status != http.StatusOK {
				t.Fatalf("add user: %d %s", res.Status, res.Body)
			}
		}
		for _, e := range []map[string]any{
			{"id": "taken.user", "name": "已有"}, // the id a member would get, without their identity
			{"id": "ghost", "name": "幽灵", "identities": []any{map[string]any{"channel": "work", "app_id": corp, "userid": "Ghost"}}},
		} {
			if res := admin.Do(http.MethodPost, "/api/v1/admin/employees", e); res.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", res.Status, res.Body)
			}
		}
		dirPatch(t, admin, "emp-wang", map[string]any{"department": "旧部门"})

		dirWant(t, a.Login(t, "emp-wang").Do(http.MethodPost, "/api/v1/admin/employees/sync-work", nil), http.StatusForbidden, "auth.forbidden")
		res := admin.Do(http.MethodPost, "/api/v1/admin/employees/sync-work", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("sync: %d %s", res.Status, res.Body)
		}
		created := strs(res.JSON["created"])
		slices.Sort(created)
		skipped := res.JSON["skipped"].([]any)
		if !slices.Equal(created, []string{"dev.lead", "zhou.qiang"}) || !slices.Equal(strs(res.JSON["updated"]), []string{"emp-wang"}) ||
			!slices.Equal(strs(res.JSON["missing"]), []string{"ghost"}) || len(skipped) != 1 ||
			skipped[0].(map[string]any)["userid"] != "Taken.User" || res.JSON["unchanged"] != float64(3) {
			t.Fatalf("sync: %s", res.Body)
		}
		zhou := dirEmployee(t, admin, "zhou.qiang")
		ids := zhou["identities"].([]any)
		if zhou["name"] != "周强" || zhou["department"] != "研发部" || zhou["manager_id"] != "dev.lead" ||
			!slices.Equal(strs(zhou["roles"]), []string{"employee"}) || len(ids) != 1 || ids[0].(map[string]any)["userid"] != "Zhou.Qiang" {
			t.Fatalf("zhou.qiang %v", zhou)
		}
		if lead := dirEmployee(t, admin, "dev.lead"); !slices.Contains(strs(lead["roles"]), "approver") || lead["manager_id"] != nil {
			t.Fatalf("dev.lead %v", lead)
		}
		if wang := dirEmployee(t, admin, "emp-wang"); wang["department"] != "销售部" || wang["manager_id"] != "mgr-zhao" {
			t.Fatalf("emp-wang %v", wang)
		}

		again := admin.Do(http.MethodPost, "/api/v1/admin/employees/sync-work", nil)
		if len(again.JSON["created"].([]any)) != 0 || len(again.JSON["updated"].([]any)) != 0 || again.JSON["unchanged"] != float64(6) {
			t.Fatalf("second sync: %s", again.Body)
		}

		// A synced member signs in through WeCom and gets their openid.
		c := a.Client(t)
		if res := oauth(t, a, c, "work", "Zhou.Qiang", "/h5/"); res.Status != http.StatusFound {
			t.Fatalf("sign-in: %d %s", res.Status, res.Body)
		}
		if got := me(t, c); got["id"] != "zhou.qiang" || got["channel"] != "work" || !strings.HasPrefix(got["openid"].(string), "oSBW") {
			t.Fatalf("me %v", got)
		}
	})
}

func TestSelfSignUpOff(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		a.Sandbox(t, http.MethodPost, "/_control/users", map[string]any{"channel": "work", "userid": "New.Guy", "name": "新人"})
		c := a.Client(t)
		res := oauth(t, a, c, "work", "New.Guy", "/h5/")
		if res.Status != http.StatusForbidden || !strings.Contains(string(res.Body), "New.Guy") || !strings.Contains(string(res.Body), "管理员") {
			t.Fatalf("unknown member: %d %s", res.Status, res.Body)
		}
		dirWant(t, c.Do(http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "auth.required")
	})
}

func TestSelfSignUpOn(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_AUTH_SELF_SIGNUP=true"))
		admin := a.Login(t, "admin")

		t.Run("oa", func(t *testing.T) {
			openid := a.Sandbox(t, http.MethodPost, "/_control/users", map[string]any{"channel": "oa", "name": "路人甲"}).JSON["openid"].(string)
			for range 2 { // the second sign-in finds the same employee
				c := a.Client(t)
				if res := oauth(t, a, c, "oa", openid, "/h5/"); res.Status != http.StatusFound || c.Location() != "/h5/" {
					t.Fatalf("sign-up: %d %s", res.Status, res.Body)
				}
				got := me(t, c)
				if got["id"] != string(app.EmployeeIDFromLogin(openid)) || got["openid"] != openid || !slices.Equal(strs(got["roles"]), []string{"employee"}) {
					t.Fatalf("me %v", got)
				}
			}
			e := dirEmployee(t, admin, string(app.EmployeeIDFromLogin(openid)))
			if e["manager_id"] != "mgr-zhao" || e["name"] != e["id"] || e["active"] != true {
				t.Fatalf("employee %v", e)
			}
		})

		t.Run("work", func(t *testing.T) {
			add := a.Sandbox(t, http.MethodPost, "/_control/users", map[string]any{
				"channel": "work", "userid": "New.Guy", "name": "新人", "department": "销售部", "employee_id": "new-guy", "manager_id": "mgr-zhao",
			})
			c := a.Client(t)
			if res := oauth(t, a, c, "work", "New.Guy", "/h5/"); res.Status != http.StatusFound {
				t.Fatalf("sign-up: %d %s", res.Status, res.Body)
			}
			if got := me(t, c); got["id"] != "new.guy" || got["channel"] != "work" || got["openid"] != add.JSON["openid"] {
				t.Fatalf("me %v", got)
			}
			e := dirEmployee(t, admin, "new.guy")
			if e["name"] != "新人" || e["department"] != "销售部" || e["manager_id"] != "mgr-zhao" {
				t.Fatalf("employee %v", e)
			}
		})

		t.Run("WeCom outsiders stay out", func(t *testing.T) {
			openid := a.Sandbox(t, http.MethodPost, "/_control/users", map[string]any{"channel": "work", "member": false, "name": "外部"}).JSON["openid"].(string)
			if res := oauth(t, a, a.Client(t), "work", openid, "/h5/"); res.Status != http.StatusForbidden {
				t.Fatalf("outsider: %d %s", res.Status, res.Body)
			}
		})
	})
}

// The title check uses the company's current buyer entities, which
// admins edit; the demo company is seeded from config.
func TestCompanyTitles(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		admin, li := a.Login(t, "admin"), a.Login(t, "emp-li")
		co := admin.Do(http.MethodGet, "/api/v1/admin/company", nil)
		buyers := co.JSON["buyers"].([]any)
		if co.Status != http.StatusOK || co.JSON["version"] != float64(1) || len(buyers) != 1 || buyers[0].(map[string]any)["tax_number"] != sandbox.DemoBuyerTaxNumber {
			t.Fatalf("company: %d %s", co.Status, co.Body)
		}
		demo := buyers[0]
		w := wallet(t, a, demoUser(t, "emp-li").OAOpenID)
		importOne := func(i int) map[string]any {
			t.Helper()
			res := li.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": []any{
				map[string]any{"card_id": w[i]["card_id"], "encrypt_code": w[i]["encrypt_code"]},
			}})
			imported, _ := res.JSON["imported"].([]any)
			if res.Status != http.StatusOK || len(imported) != 1 {
				t.Fatalf("import: %d %s", res.Status, res.Body)
			}
			return imported[0].(map[string]any)
		}
		if inv := importOne(0); inv["title_matches_company"] != true {
			t.Fatalf("demo title does not match: %v", inv)
		}

		other := map[string]any{"title": "别的公司", "tax_number": "91110000000000000x"}
		res := admin.Do(http.MethodPut, "/api/v1/admin/company", map[string]any{"version": 1, "buyers": []any{other}})
		if res.Status != http.StatusOK || res.JSON["version"] != float64(2) || res.JSON["buyers"].([]any)[0].(map[string]any)["tax_number"] != "91110000000000000X" {
			t.Fatalf("put: %d %s", res.Status, res.Body)
		}
		dirWant(t, admin.Do(http.MethodPut, "/api/v1/admin/company", map[string]any{"version": 1, "buyers": []any{demo}}), http.StatusConflict, "conflict.version")
		dirWant(t, admin.Do(http.MethodPut, "/api/v1/admin/company", map[string]any{"version": 2, "buyers": []any{map[string]any{"title": "x", "tax_number": "123"}}}), http.StatusBadRequest, "request.invalid")
		dirWant(t, admin.Do(http.MethodPut, "/api/v1/admin/company", map[string]any{"buyers": []any{demo}}), http.StatusBadRequest, "request.invalid")
		if inv := importOne(1); inv["title_matches_company"] != false {
			t.Fatalf("a foreign title matches: %v", inv)
		}
		if res := admin.Do(http.MethodPut, "/api/v1/admin/company", map[string]any{"version": 2, "buyers": []any{other, demo}}); res.Status != http.StatusOK {
			t.Fatalf("put: %d %s", res.Status, res.Body)
		}
		if inv := importOne(2); inv["title_matches_company"] != true {
			t.Fatalf("the demo title no longer matches: %v", inv)
		}
	})
}

// The employee-facing title link comes from the Official Account's
// biz/getusertitleurl, here the sandbox's.
func TestCompanyTitleLink(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	wang := a.Login(t, "emp-wang")
	dirWant(t, wang.Do(http.MethodGet, "/api/v1/company/title-link?tax_number=91110000000000000X", nil), http.StatusNotFound, "not_found")
	dirWant(t, a.Client(t).Do(http.MethodGet, "/api/v1/company/title-link", nil), http.StatusUnauthorized, "auth.required")

	if probe := a.Sandbox(t, http.MethodPost, "/card/invoice/biz/getusertitleurl", map[string]any{}); probe.Status == http.StatusNotFound {
		t.Log("the sandbox does not serve /card/invoice/biz/getusertitleurl yet: the link itself is not checked")
	} else {
		res := wang.Do(http.MethodGet, "/api/v1/company/title-link", nil)
		if res.Status != http.StatusOK || res.JSON["url"] == "" || res.JSON["tax_number"] != sandbox.DemoBuyerTaxNumber {
			t.Fatalf("title link: %d %s", res.Status, res.Body)
		}
	}

	admin := a.Login(t, "admin")
	if res := admin.Do(http.MethodPut, "/api/v1/admin/company", map[string]any{"version": 1, "buyers": []any{}}); res.Status != http.StatusOK {
		t.Fatalf("put: %d %s", res.Status, res.Body)
	}
	dirWant(t, wang.Do(http.MethodGet, "/api/v1/company/title-link", nil), http.StatusNotFound, "not_found")
}

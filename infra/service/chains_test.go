package service_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// putPolicy saves an approval policy through the admin API.
func putPolicy(t *testing.T, a *testkit.AppServer, steps []map[string]any, autoApprove bool) {
	t.Helper()
	admin := a.Login(t, "admin")
	cur := admin.Do(http.MethodGet, "/api/v1/admin/approval-policy", nil)
	if cur.Status != http.StatusOK {
		t.Fatalf("get policy: %d %s", cur.Status, cur.Body)
	}
	res := admin.Do(http.MethodPut, "/api/v1/admin/approval-policy", map[string]any{
		"version": cur.JSON["version"], "auto_approve_repeated": autoApprove, "steps": steps,
	})
	if res.Status != http.StatusOK {
		t.Fatalf("put policy: %d %s", res.Status, res.Body)
	}
}

func step(name, approvers string, extra map[string]any) map[string]any {
	s := map[string]any{"name": name, "approvers": approvers, "mode": "any", "if_empty": "skip"}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// planOf is the report's plan as [step][approver ids], with states.
func planOf(t *testing.T, r map[string]any) (approvers [][]string, states []string, decisions [][]string) {
	t.Helper()
	plan, _ := r["plan"].([]any)
	for _, s := range plan {
		st := s.(map[string]any)
		var ids, ds []string
		for _, a := range st["approvers"].([]any) {
			ids = append(ids, a.(map[string]any)["id"].(string))
			ds = append(ds, a.(map[string]any)["decision"].(string))
		}
		approvers = append(approvers, ids)
		decisions = append(decisions, ds)
		states = append(states, st["state"].(string))
	}
	return approvers, states, decisions
}

func wantPlan(t *testing.T, r map[string]any, want [][]string, wantStates []string) {
	t.Helper()
	got, states, _ := planOf(t, r)
	if len(got) != len(want) {
		t.Fatalf("plan has %d steps %v, want %v", len(got), got, want)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) || states[i] != wantStates[i] {
			t.Fatalf("plan = %v %v, want %v %v", got, states, want, wantStates)
		}
	}
}

func approverID(r map[string]any) string {
	if a, ok := r["approver"].(map[string]any); ok {
		return a["id"].(string)
	}
	return ""
}

func listIDs(t *testing.T, c *testkit.Client, query string) []string {
	t.Helper()
	res := c.Do(http.MethodGet, "/api/v1/reports?"+query, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("list %s: %d %s", query, res.Status, res.Body)
	}
	var out []string
	for _, it := range res.JSON["items"].([]any) {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

// The demo-like chain: manager, director above a threshold, finance
// review. Below the threshold the director is left out; above it every
// step is walked, and only the last approval closes the invoices in
// WeChat — the earlier ones queue nothing.
func TestChainAmountCondition(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li := a.Login(t, "emp-li")
		invs := importN(t, a, li, 2)
		threshold := invs[0]["amount"].(string) // strictly above: invs[0] alone is not
		putPolicy(t, a, []map[string]any{
			step("主管审批", "manager", map[string]any{"level": 1}),
			step("总监审批", "manager", map[string]any{"level": 2, "amount_above": threshold}),
			step("财务复核", "role", map[string]any{"role": "finance"}),
		}, true)

		small := createReport(t, li, invs[:1])
		wantPlan(t, small, [][]string{{"mgr-zhao"}, {"fin-chen", "fin-zhou"}}, []string{"waiting", "waiting"})
		if res := li.Do(http.MethodDelete, "/api/v1/reports/"+small["id"].(string), nil); res.Status != http.StatusNoContent {
			t.Fatalf("delete: %d", res.Status)
		}
		both := createReport(t, li, invs)
		wantPlan(t, both, [][]string{{"mgr-zhao"}, {"dir-sun"}, {"fin-chen", "fin-zhou"}}, []string{"waiting", "waiting", "waiting"})

		r := act(t, li, both, "submit", nil, http.StatusOK).JSON
		wantPlan(t, r, [][]string{{"mgr-zhao"}, {"dir-sun"}, {"fin-chen", "fin-zhou"}}, []string{"current", "waiting", "waiting"})
		if approverID(r) != "mgr-zhao" {
			t.Fatalf("approver = %v", r["approver"])
		}
		wantStatuses(t, a, invs, "LOCK")
		mgr, sun, zhou := a.Login(t, "mgr-zhao"), a.Login(t, "dir-sun"), a.Login(t, "fin-zhou")
		id := r["id"].(string)
		if got := listIDs(t, sun, "scope=to_approve"); slices.Contains(got, id) {
			t.Fatal("the director sees the report before the manager approved")
		}
		// A later step's approver cannot decide before their turn.
		act(t, sun, r, "approve", nil, http.StatusForbidden)

		r = act(t, mgr, r, "approve", map[string]any{"comment": "同意"}, http.StatusOK).JSON
		if r["status"] != "submitted" || approverID(r) != "dir-sun" {
			t.Fatalf("after step 1: %v %v", r["status"], r["approver"])
		}
		if n := a.Pending(t); n != 0 {
			t.Fatalf("an intermediate approval queued %d WeChat writes", n)
		}
		wantStatuses(t, a, invs, "LOCK")
		if got := listIDs(t, sun, "scope=to_approve"); !slices.Equal(got, []string{id}) {
			t.Fatalf("director's to_approve = %v", got)
		}
		if got := listIDs(t, mgr, "scope=to_approve"); slices.Contains(got, id) {
			t.Fatal("the manager still has it to approve")
		}
		// 我已审批, searchable by number prefix and owner's name.
		if got := listIDs(t, mgr, "scope=decided&q="+testkit.Query(r["number"].(string)[:7])); !slices.Contains(got, id) {
			t.Fatalf("decided by number = %v", got)
		}
		if got := listIDs(t, mgr, "scope=decided&q="+testkit.Query("李")); !slices.Contains(got, id) {
			t.Fatalf("decided by name = %v", got)
		}
		if got := listIDs(t, mgr, "scope=decided&q=zzz"); len(got) != 0 {
			t.Fatalf("decided, no match = %v", got)
		}
		// Every approver of the chain sees the invoices and their originals' links.
		for _, inv := range invs {
			if res := sun.Do(http.MethodGet, "/api/v1/invoices/"+inv["id"].(string), nil); res.Status != http.StatusOK {
				t.Fatalf("director opens invoice: %d %s", res.Status, res.Body)
			}
			if res := zhou.Do(http.MethodGet, "/api/v1/invoices/"+inv["id"].(string), nil); res.Status != http.StatusOK {
				t.Fatalf("finance opens invoice: %d", res.Status)
			}
		}
		r = act(t, sun, r, "approve", nil, http.StatusOK).JSON
		if r["status"] != "submitted" || a.Pending(t) != 0 {
			t.Fatalf("after step 2: %v, %d pending", r["status"], a.Pending(t))
		}
		r = act(t, zhou, r, "approve", nil, http.StatusOK).JSON
		if r["status"] != "approved" || r["approver"] != nil {
			t.Fatalf("after step 3: %v %v", r["status"], r["approver"])
		}
		_, states, decisions := planOf(t, r)
		if !slices.Equal(states, []string{"approved", "approved", "approved"}) || !slices.Equal(decisions[2], []string{"skipped", "approved"}) {
			t.Fatalf("final plan %v %v", states, decisions)
		}
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "CLOSURE")
	})
}

// The submitter is removed from every step; with the switch on, an
// approver who approved an earlier step approves a later one at once, with
// the reason recorded; an `all` step needs every approval.
func TestChainSkipSubmitterDedupeAll(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		putPolicy(t, a, []map[string]any{
			step("本人", "users", map[string]any{"users": []string{"emp-li"}}),
			step("主管审批", "manager", map[string]any{"level": 1}),
			step("会签", "users", map[string]any{"users": []string{"mgr-zhao", "dir-sun"}, "mode": "all"}),
		}, true)
		li := a.Login(t, "emp-li")
		invs := importN(t, a, li, 1)
		r := createReport(t, li, invs)
		r = act(t, li, r, "submit", nil, http.StatusOK).JSON
		wantPlan(t, r, [][]string{nil, {"mgr-zhao"}, {"mgr-zhao", "dir-sun"}}, []string{"skipped", "current", "waiting"})

		mgr, sun := a.Login(t, "mgr-zhao"), a.Login(t, "dir-sun")
		r = act(t, mgr, r, "approve", nil, http.StatusOK).JSON
		_, states, decisions := planOf(t, r)
		if !slices.Equal(states, []string{"skipped", "approved", "current"}) || !slices.Equal(decisions[2], []string{"approved", "pending"}) {
			t.Fatalf("after the manager: %v %v", states, decisions)
		}
		reason := r["plan"].([]any)[2].(map[string]any)["approvers"].([]any)[0].(map[string]any)["reason"]
		if reason != "auto-approved: already approved step 2" {
			t.Fatalf("auto-approval reason = %v", reason)
		}
		if r["status"] != "submitted" || approverID(r) != "dir-sun" {
			t.Fatalf("the all step waits for dir-sun: %v %v", r["status"], r["approver"])
		}
		act(t, mgr, r, "approve", nil, http.StatusForbidden) // decided already
		r = act(t, sun, r, "approve", nil, http.StatusOK).JSON
		if r["status"] != "approved" {
			t.Fatalf("status = %v", r["status"])
		}
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "CLOSURE")
	})
}

// Transfer at step 1, reject at step 2 (INIT), resubmit restarts the
// chain, withdraw at step 3 (INIT), resubmit again starts at step 1.
func TestChainTransferRejectWithdrawResubmit(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		putPolicy(t, a, []map[string]any{
			step("主管审批", "manager", map[string]any{"level": 1}),
			step("复核", "users", map[string]any{"users": []string{"mgr-zhao"}}),
			step("财务复核", "role", map[string]any{"role": "finance"}),
		}, false)
		li, mgr, sun, chen := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao"), a.Login(t, "dir-sun"), a.Login(t, "fin-chen")
		invs := importN(t, a, li, 1)
		r := createReport(t, li, invs)
		r = act(t, li, r, "submit", nil, http.StatusOK).JSON

		// Only the step's approver transfers, to an approver.
		act(t, sun, r, "transfer", map[string]any{"approver_id": "admin"}, http.StatusNotFound) // not in the chain: not shown
		act(t, mgr, r, "transfer", map[string]any{"approver_id": "fin-chen"}, http.StatusBadRequest)
		act(t, mgr, r, "transfer", map[string]any{"approver_id": "emp-li"}, http.StatusBadRequest)
		r = act(t, mgr, r, "transfer", map[string]any{"approver_id": "dir-sun", "comment": "出差"}, http.StatusOK).JSON
		wantPlan(t, r, [][]string{{"dir-sun"}, {"mgr-zhao"}, {"fin-chen", "fin-zhou"}}, []string{"current", "waiting", "waiting"})
		h := r["history"].([]any)
		if last := h[len(h)-1].(map[string]any); last["action"] != "transfer" || last["comment"] != "step 1: mgr-zhao → dir-sun: 出差" {
			t.Fatalf("history = %v", last)
		}
		act(t, mgr, r, "approve", nil, http.StatusForbidden)
		r = act(t, sun, r, "approve", nil, http.StatusOK).JSON
		r = act(t, mgr, r, "reject", map[string]any{"reason": "缺行程单"}, http.StatusOK).JSON
		_, states, _ := planOf(t, r)
		if r["status"] != "rejected" || !slices.Equal(states, []string{"waiting", "waiting", "waiting"}) {
			// A rejected report shows a preview for the next submit.
			t.Fatalf("after reject at step 2: %v %v", r["status"], states)
		}
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "INIT")

		// Resubmit restarts the chain from step 1, as resolved now.
		r = act(t, li, r, "submit", nil, http.StatusOK).JSON
		wantPlan(t, r, [][]string{{"mgr-zhao"}, {"mgr-zhao"}, {"fin-chen", "fin-zhou"}}, []string{"current", "waiting", "waiting"})
		wantStatuses(t, a, invs, "LOCK")
		r = act(t, mgr, r, "approve", nil, http.StatusOK).JSON
		r = act(t, mgr, r, "approve", nil, http.StatusOK).JSON // step 2: no auto-approval with the switch off
		if _, states, _ := planOf(t, r); !slices.Equal(states, []string{"approved", "approved", "current"}) {
			t.Fatalf("at step 3: %v", states)
		}
		act(t, chen, r, "withdraw", nil, http.StatusForbidden)
		r = act(t, li, r, "withdraw", nil, http.StatusOK).JSON
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "INIT")
		r = act(t, li, r, "submit", nil, http.StatusOK).JSON
		if _, states, _ := planOf(t, r); !slices.Equal(states, []string{"current", "waiting", "waiting"}) {
			t.Fatalf("resubmitted: %v", states)
		}
		wantStatuses(t, a, invs, "LOCK")
	})
}

// Anyone can claim: a manager's report goes to their own manager. A chain
// with nobody at all, the fallback empty too, refuses with 409
// report.no_approver naming what to configure; the report stays a draft.
func TestChainManagerClaimsAndNoApprover(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_APPROVAL_FALLBACK=role:auditor")) // a fallback nobody holds
		mgr, sun := a.Login(t, "mgr-zhao"), a.Login(t, "dir-sun")
		give(t, a, mgr, "66660001")
		invs := importN(t, a, mgr, 1)
		r := createReport(t, mgr, invs)
		r = act(t, mgr, r, "submit", nil, http.StatusOK).JSON
		if approverID(r) != "dir-sun" {
			t.Fatalf("approver = %v", r["approver"])
		}
		act(t, mgr, r, "approve", nil, http.StatusForbidden) // never one's own
		r = act(t, sun, r, "approve", nil, http.StatusOK).JSON
		if r["status"] != "approved" {
			t.Fatalf("status = %v", r["status"])
		}
		a.RunOutbox(t)
		wantStatuses(t, a, invs, "CLOSURE")

		// dir-sun has no manager: the one step is skipped, nobody is left.
		give(t, a, sun, "66660002")
		invs = importN(t, a, sun, 1)
		r = createReport(t, sun, invs)
		if pe, _ := r["plan_error"].(map[string]any); pe == nil || pe["code"] != "report.no_approver" {
			t.Fatalf("preview plan_error = %v", r["plan_error"])
		}
		res := act(t, sun, r, "submit", nil, http.StatusConflict)
		if res.ErrorCode() != "report.no_approver" {
			t.Fatalf("code = %s", res.ErrorCode())
		}
		details := res.JSON["error"].(map[string]any)["details"].(map[string]any)
		if details["step"] != "主管审批" || details["configure"] == "" {
			t.Fatalf("details = %v", details)
		}
		got := sun.Do(http.MethodGet, "/api/v1/reports/"+r["id"].(string), nil)
		if got.JSON["status"] != "draft" {
			t.Fatalf("status = %v", got.JSON["status"])
		}
		wantStatuses(t, a, invs, "INIT")
	})
}

// Batch approve answers each report: approved ones and failures with
// their error; one failure does not stop the others.
func TestChainBatchApprove(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 3)
		r1 := act(t, li, createReport(t, li, invs[:1]), "submit", nil, http.StatusOK).JSON
		r2 := act(t, li, createReport(t, li, invs[1:2]), "submit", nil, http.StatusOK).JSON
		draft := createReport(t, li, invs[2:])
		res := mgr.Do(http.MethodPost, "/api/v1/reports/approve", map[string]any{
			"ids": []string{r1["id"].(string), draft["id"].(string), r2["id"].(string)}, "comment": "批量同意",
		})
		if res.Status != http.StatusOK {
			t.Fatalf("batch: %d %s", res.Status, res.Body)
		}
		approved, failed := res.JSON["approved"].([]any), res.JSON["failed"].([]any)
		if len(approved) != 2 || len(failed) != 1 {
			t.Fatalf("batch = %s", res.Body)
		}
		f := failed[0].(map[string]any)
		// A draft is before nobody: to the manager it does not exist.
		if f["id"] != draft["id"] || f["error"].(map[string]any)["code"] != "not_found" {
			t.Fatalf("failure = %v", f)
		}
		a.RunOutbox(t)
		wantStatuses(t, a, invs[:2], "CLOSURE")
		wantStatuses(t, a, invs[2:], "INIT")
		if res := mgr.Do(http.MethodPost, "/api/v1/reports/approve", map[string]any{"ids": []string{}}); res.Status != http.StatusBadRequest {
			t.Fatalf("empty batch: %d", res.Status)
		}
	})
}

// give puts a fresh invoice in the signed-in user's wallet (sandbox
// control): managers have no demo invoices of their own.
func give(t *testing.T, a *testkit.AppServer, c *testkit.Client, number string) {
	t.Helper()
	res := a.Sandbox(t, http.MethodPost, "/_control/invoices", map[string]any{
		"owner_openid": me(t, c)["openid"], "channel": "oa", "type": "增值税电子普通发票", "payee": "某某餐饮有限公司",
		"fee": 5085, "fee_without_tax": 4797, "tax": 288, "billing_time": 1760000000,
		"billing_no": number, "billing_code": "044035550001",
	})
	if res.Status != http.StatusOK {
		t.Fatalf("give: %d %s", res.Status, res.Body)
	}
}

package service_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// Demo people (sandbox.DemoUsers): emp-li follows the Official Account
// only; mgr-zhao (ZhaoLei) is a WeCom member.
const (
	liOpenID   = "oSBXzYSSB_RINXPW7YH1TX81-o6p"
	zhaoUserID = "ZhaoLei"
)

type sandboxMessage struct {
	Channel, To, MsgType string
	Body                 map[string]any
}

func messages(t testing.TB, a *testkit.AppServer, to string) []sandboxMessage {
	t.Helper()
	res := a.Sandbox(t, http.MethodGet, "/_control/messages?to="+testkit.Query(to), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("messages: %d %s", res.Status, res.Body)
	}
	var out []sandboxMessage
	for _, it := range res.JSON["items"].([]any) {
		m := it.(map[string]any)
		body, _ := m["body"].(map[string]any)
		out = append(out, sandboxMessage{Channel: m["channel"].(string), To: m["to"].(string), MsgType: m["msgtype"].(string), Body: body})
	}
	return out
}

// pollUntil polls until ok says yes (10 s).
func pollUntil(t testing.TB, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func pendingNotices(t testing.TB, a *testkit.AppServer) int {
	t.Helper()
	n, err := a.DB.DB.NewSelect().Table("notices").Where("state = 'pending'").Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func inbox(t testing.TB, c *testkit.Client, query string) (events []string, unread int) {
	t.Helper()
	res := c.Do(http.MethodGet, "/api/v1/notifications"+query, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("notifications: %d %s", res.Status, res.Body)
	}
	for _, it := range res.JSON["items"].([]any) {
		events = append(events, it.(map[string]any)["event"].(string))
	}
	return events, int(res.JSON["unread"].(float64))
}

// Submit reaches the approver on WeCom as a card with approve and open
// buttons; the card click approves through the workflow; the owner, an
// OA follower, gets a template message; cards are updated; the inbox
// counts unread notices and marks them read.
func TestNoticesCardClickApprovesAndOATemplate(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db)
		li := a.Login(t, "emp-li")
		r := createReport(t, li, importN(t, a, li, 1))
		act(t, li, r, "submit", nil, http.StatusOK)

		pollUntil(t, "the approver's card", func() bool { return len(messages(t, a, zhaoUserID)) == 1 })
		card := messages(t, a, zhaoUserID)[0]
		if card.Channel != "work" || card.MsgType != "template_card" || len(card.Body["button_list"].([]any)) != 2 {
			t.Fatalf("card = %+v", card)
		}
		mgr := a.Login(t, "mgr-zhao")
		if ev, n := inbox(t, mgr, "?unread=true"); n != 1 || ev[0] != "step_pending" {
			t.Fatalf("approver inbox = %v %d", ev, n)
		}
		// Someone else clicking is refused, and the card says so.
		res := a.Sandbox(t, http.MethodPost, "/_control/cards/click", map[string]any{"userid": "WangFang", "task_id": card.Body["task_id"], "key": "approve"})
		if res.Status != http.StatusOK || res.JSON["http_status"].(float64) != 200 {
			t.Fatalf("click: %d %s", res.Status, res.Body)
		}
		if got := li.Do(http.MethodGet, "/api/v1/reports/"+r["id"].(string), nil); got.JSON["status"] != "submitted" {
			t.Fatalf("another member's click decided: %s", got.Body)
		}
		res = a.Sandbox(t, http.MethodPost, "/_control/cards/click", map[string]any{"userid": zhaoUserID, "task_id": card.Body["task_id"], "key": "approve"})
		if res.Status != http.StatusOK || res.JSON["http_status"].(float64) != 200 {
			t.Fatalf("click: %d %s", res.Status, res.Body)
		}
		got := li.Do(http.MethodGet, "/api/v1/reports/"+r["id"].(string), nil)
		if got.JSON["status"] != "approved" {
			t.Fatalf("after the click: %s", got.Body)
		}
		pollUntil(t, "the owner's template message", func() bool { return len(messages(t, a, liOpenID)) == 1 })
		tpl := messages(t, a, liOpenID)[0]
		if tpl.Channel != "oa" || tpl.Body["template_id"] != "tpl_sandbox_approved" {
			t.Fatalf("owner's message = %+v", tpl)
		}
		// The clicker's card (event code) and the step's card (send code).
		pollUntil(t, "the cards updated", func() bool {
			n := 0
			for _, m := range messages(t, a, zhaoUserID) {
				if m.MsgType == "update_template_card" {
					n++
				}
			}
			return n == 2 && pendingNotices(t, a) == 0
		})
		// Both say what he decided, whichever WeCom applies last.
		for _, m := range messages(t, a, zhaoUserID) {
			if m.MsgType == "update_template_card" && m.Body["button"].(map[string]any)["replace_name"] != "已同意" {
				t.Fatalf("the approver's card update = %+v", m.Body)
			}
		}
		// The refused clicker's view of the card says why.
		if ms := messages(t, a, "WangFang"); len(ms) != 1 || ms[0].MsgType != "update_template_card" ||
			ms[0].Body["button"].(map[string]any)["replace_name"] != "无权审批" {
			t.Fatalf("refused clicker got %+v", ms)
		}
		ev, n := inbox(t, li, "?unread=true")
		if n != 1 || len(ev) != 1 || ev[0] != "approved" {
			t.Fatalf("owner inbox = %v %d", ev, n)
		}
		res = li.Do(http.MethodPost, "/api/v1/notifications/read", map[string]any{"all": true})
		if res.Status != http.StatusOK || res.JSON["unread"].(float64) != 0 {
			t.Fatalf("read all: %d %s", res.Status, res.Body)
		}
		if ev, n := inbox(t, li, "?unread=true"); n != 0 || len(ev) != 0 {
			t.Fatalf("after read: %v %d", ev, n)
		}
		if ev, _ := inbox(t, li, ""); len(ev) != 1 {
			t.Fatalf("read notices stay listed: %v", ev)
		}
	})
}

// An owner who does not follow the Official Account gets the rejection in
// the inbox only; admins see the fallback with its errcode.
func TestNoticesNonFollowerFallsBackToInbox(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db)
		if res := a.Sandbox(t, http.MethodPost, "/_control/followers", map[string]any{"openid": liOpenID, "subscribe": 0}); res.Status != http.StatusNoContent {
			t.Fatalf("unfollow: %d", res.Status)
		}
		li := a.Login(t, "emp-li")
		r := createReport(t, li, importN(t, a, li, 1))
		act(t, li, r, "submit", nil, http.StatusOK)
		mgr := a.Login(t, "mgr-zhao")
		act(t, mgr, r, "reject", map[string]any{"reason": "缺少行程单"}, http.StatusOK)
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		if ms := messages(t, a, liOpenID); len(ms) != 0 {
			t.Fatalf("a non-follower got %+v", ms)
		}
		ev, n := inbox(t, li, "?unread=true")
		if n != 1 || ev[0] != "rejected" {
			t.Fatalf("inbox = %v %d", ev, n)
		}
		res := a.Login(t, "admin").Do(http.MethodGet, "/api/v1/admin/notices", nil)
		if res.Status != http.StatusOK {
			t.Fatalf("admin notices: %d %s", res.Status, res.Body)
		}
		found := false
		for _, it := range res.JSON["items"].([]any) {
			m := it.(map[string]any)
			if m["event"] == "rejected" {
				found = m["channel"] == "inbox" && m["errcode"].(float64) == 43004 && m["state"] == "done"
			}
		}
		if !found {
			t.Fatalf("admin list = %s", res.Body)
		}
		if res := li.Do(http.MethodGet, "/api/v1/admin/notices", nil); res.Status != http.StatusForbidden {
			t.Fatalf("employee on the admin list: %d", res.Status)
		}
	})
}

// Under 30 % injected WeChat faults every notice arrives, once: the
// sandbox receives one message per (event, recipient).
func TestNoticesUnderFaultsNoDuplicates(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db)
		li, wang := a.Login(t, "emp-li"), a.Login(t, "emp-wang")
		var reports []map[string]any
		for _, c := range []*testkit.Client{li, wang} {
			invs := importN(t, a, c, 2)
			reports = append(reports, createReport(t, c, invs[:1]), createReport(t, c, invs[1:]))
		}
		if res := a.Sandbox(t, http.MethodPost, "/_control/faults", map[string]any{
			"rate": 0.3, "errcodes": []int{-1, 45009}, "paths": []string{"/message/", "/user/info"},
		}); res.Status/100 != 2 {
			t.Fatalf("faults: %d %s", res.Status, res.Body)
		}
		mgr := a.Login(t, "mgr-zhao")
		for i, r := range reports {
			owner := li
			if i >= 2 {
				owner = wang
			}
			act(t, owner, r, "submit", nil, http.StatusOK)
			if i%2 == 0 {
				act(t, mgr, r, "approve", nil, http.StatusOK)
			} else {
				act(t, mgr, r, "reject", map[string]any{"reason": "重填"}, http.StatusOK)
			}
		}
		pollUntil(t, "every notice delivered", func() bool { return pendingNotices(t, a) == 0 })
		failed, err := a.DB.DB.NewSelect().Table("notices").Where("state = 'failed'").Count(context.Background())
		if err != nil || failed != 0 {
			t.Fatalf("failed notices: %d %v", failed, err)
		}
		seen := map[string]int{}
		for _, m := range messages(t, a, "") {
			title := fmt.Sprint(m.Body["title"], m.Body["main_title"], m.Body["data"], m.Body["task_id"])
			seen[m.To+"|"+m.MsgType+"|"+title]++
		}
		var sent int
		if err := a.DB.DB.NewSelect().Table("notices").ColumnExpr("COUNT(*)").Where("channel IN ('work','oa')").Scan(context.Background(), &sent); err != nil {
			t.Fatal(err)
		}
		total := 0
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s received %d times", k, n)
			}
			total += n
		}
		// 4 cards to ZhaoLei, their updates, 2 approved + 2 rejected to the owners.
		if total != sent || sent < 8 {
			t.Fatalf("sandbox has %d messages, notices sent %d: %v", total, sent, seen)
		}
		// The faults did fire: some sends were answered with an errcode.
		calls := a.Sandbox(t, http.MethodGet, "/_control/calls", nil)
		if !strings.Contains(string(calls.Body), `"fault":"errcode"`) {
			t.Fatal("no fault was injected")
		}
	})
}

// A decision commits while the approver's card is in flight: the
// decision does not wait for it, and once the send finishes the card is
// updated and the owner told, each once.
func TestNoticesDecisionWhileSendInFlight(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		gate := testkit.NewGate()
		a := testkit.App(t, db, testkit.WithService(func(o *service.Options) { o.WeChatHTTP = gate.Client() }))
		li := a.Login(t, "emp-li")
		r := createReport(t, li, importN(t, a, li, 1))
		stop := gate.StopAt(testkit.After, "/cgi-bin/message/send", `"template_card"`)
		act(t, li, r, "submit", nil, http.StatusOK)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if !stop.Wait(ctx) {
			t.Fatal("the card send never started")
		}
		// The card is in the sandbox, its answer held: approve now.
		mgr := a.Login(t, "mgr-zhao")
		done := make(chan int, 1)
		go func() {
			done <- mgr.Do(http.MethodPost, "/api/v1/reports/"+r["id"].(string)+"/approve", map[string]any{}).Status
		}()
		select {
		case st := <-done:
			if st != http.StatusOK {
				t.Fatalf("approve: %d", st)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the decision waited for the notice send")
		}
		stop.Release()
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		var cards, updates int
		for _, m := range messages(t, a, zhaoUserID) {
			switch m.MsgType {
			case "template_card":
				cards++
			case "update_template_card":
				updates++
			}
		}
		if cards != 1 || updates != 1 {
			t.Fatalf("cards %d, updates %d", cards, updates)
		}
		if ms := messages(t, a, liOpenID); len(ms) != 1 || ms[0].Body["template_id"] != "tpl_sandbox_approved" {
			t.Fatalf("owner got %+v", ms)
		}
	})
}

// A transfer tells the new approver (an OA follower: template message)
// and greys the old one's card 「已转交」; a withdraw tells the holder.
func TestNoticesTransferAndWithdraw(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db)
		li := a.Login(t, "emp-li")
		r := createReport(t, li, importN(t, a, li, 1))
		act(t, li, r, "submit", nil, http.StatusOK)
		pollUntil(t, "the card", func() bool { return len(messages(t, a, zhaoUserID)) == 1 })
		mgr := a.Login(t, "mgr-zhao")
		act(t, mgr, r, "transfer", map[string]any{"approver_id": "dir-sun"}, http.StatusOK)
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		ms := messages(t, a, zhaoUserID)
		if len(ms) != 2 || ms[1].MsgType != "update_template_card" || ms[1].Body["button"].(map[string]any)["replace_name"] != "已转交" {
			t.Fatalf("old approver got %+v", ms)
		}
		sun := a.Login(t, "dir-sun")
		if ev, n := inbox(t, sun, "?unread=true"); n != 1 || ev[0] != "step_pending" {
			t.Fatalf("new approver inbox = %v %d", ev, n)
		}
		if ev, _ := inbox(t, mgr, ""); len(ev) != 2 || ev[0] != "transferred" {
			t.Fatalf("old approver inbox = %v", ev)
		}
		act(t, li, r, "withdraw", nil, http.StatusOK)
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		if ev, _ := inbox(t, sun, ""); len(ev) != 2 || ev[0] != "withdrawn" {
			t.Fatalf("holder inbox after withdraw = %v", ev)
		}
	})
}

// approvedTo counts the approved notices of a report per recipient.
func approvedTo(t testing.TB, a *testkit.AppServer, report string) map[string]int {
	t.Helper()
	var rows []struct {
		RecipientID string `bun:"recipient_id"`
	}
	if err := a.DB.DB.NewSelect().Table("notices").Column("recipient_id").
		Where("report_id = ? AND event = 'approved'", report).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.RecipientID]++
	}
	return out
}

// The last step's approval tells the owner and every active cashier
// (待付款), in the decision's transaction; with no cashier, finance is told
// (finance may pay by default).
func TestNoticesFinalApprovalTellsCashiers(t *testing.T) {
	const zhouOpenID = "oSBXz5hOuF1nMinDem0Cashier9c" // fin-zhou, cashier and finance
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db)
		li, mgr, admin := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao"), a.Login(t, "admin")
		invs := importN(t, a, li, 2)
		r1, r2 := createReport(t, li, invs[:1]), createReport(t, li, invs[1:])

		act(t, li, r1, "submit", nil, http.StatusOK)
		act(t, mgr, r1, "approve", nil, http.StatusOK)
		got := approvedTo(t, a, r1["id"].(string))
		if len(got) != 2 || got["emp-li"] != 1 || got["fin-zhou"] != 1 {
			t.Fatalf("approved notices of a report with a cashier: %v", got)
		}
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		if ms := messages(t, a, zhouOpenID); len(ms) != 1 || ms[0].Body["template_id"] != "tpl_sandbox_approved" {
			t.Fatalf("cashier's messages = %+v", ms)
		}
		// Each reader's link opens the page where they act on the report:
		// the cashier's list to pay, the owner's own report.
		id := r1["id"].(string)
		if u := messages(t, a, zhouOpenID)[0].Body["url"]; u != a.URL+"/h5/finance?report="+id {
			t.Errorf("cashier's link = %v", u)
		}
		owner := ""
		for _, m := range messages(t, a, liOpenID) {
			if m.Body["template_id"] == "tpl_sandbox_approved" {
				owner, _ = m.Body["url"].(string)
			}
		}
		if owner != a.URL+"/h5/?report="+id {
			t.Errorf("owner's link = %q", owner)
		}
		zhou := a.Login(t, "fin-zhou")
		if ev, n := inbox(t, zhou, "?unread=true"); n != 1 || ev[0] != "approved" {
			t.Fatalf("cashier inbox = %v %d", ev, n)
		}
		if _, n := inbox(t, a.Login(t, "fin-chen"), ""); n != 0 {
			t.Fatalf("finance was told while a cashier is there: %d", n)
		}

		// No cashier left: finance (fin-chen, fin-zhou) pays, and is told.
		dirPatch(t, admin, "fin-zhou", map[string]any{"roles": []string{"employee", "finance"}})
		act(t, li, r2, "submit", nil, http.StatusOK)
		act(t, mgr, r2, "approve", nil, http.StatusOK)
		got = approvedTo(t, a, r2["id"].(string))
		if len(got) != 3 || got["emp-li"] != 1 || got["fin-zhou"] != 1 || got["fin-chen"] != 1 {
			t.Fatalf("approved notices with no cashier: %v", got)
		}
	})
}

// noticeOf reads the state and last error of report's notice of event.
func noticeOf(t testing.TB, a *testkit.AppServer, report, event string) (state, lastError string) {
	t.Helper()
	var row struct {
		State     string `bun:"state"`
		LastError string `bun:"last_error"`
	}
	if err := a.DB.DB.NewSelect().Table("notices").Column("state", "last_error").
		Where("report_id = ? AND event = ? AND recipient_id = 'emp-li'", report, event).Scan(context.Background(), &row); err != nil {
		t.Fatal(err)
	}
	return row.State, row.LastError
}

// pushJobs pushes the sandbox's held TEMPLATESENDJOBFINISH events and
// answers the HTTP status our callback gave each.
func pushJobs(t testing.TB, a *testkit.AppServer) []int {
	t.Helper()
	res := a.Sandbox(t, http.MethodPost, "/_control/template-jobs", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("template jobs: %d %s", res.Status, res.Body)
	}
	var out []int
	for _, it := range res.JSON["items"].([]any) {
		out = append(out, int(it.(map[string]any)["http_status"].(float64)))
	}
	return out
}

// TEMPLATESENDJOBFINISH: success leaves the OA notice delivered; a
// message WeChat could not deliver (the owner blocked the account) marks
// its notice failed for the admins, still in the inbox. An event that
// outruns our record of the send is refused, so WeChat pushes it again,
// and taken then.
func TestNoticesTemplateJobFinish(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		gate := testkit.NewGate()
		a := testkit.App(t, db, testkit.WithService(func(o *service.Options) { o.WeChatHTTP = gate.Client() }))
		if res := a.Sandbox(t, http.MethodPost, "/_control/switches", map[string]any{"hold_template_jobs": true}); res.Status != http.StatusOK {
			t.Fatalf("switch: %d %s", res.Status, res.Body)
		}
		li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
		invs := importN(t, a, li, 3)
		r1, r2, r3 := createReport(t, li, invs[:1]), createReport(t, li, invs[1:2]), createReport(t, li, invs[2:])

		act(t, li, r1, "submit", nil, http.StatusOK)
		act(t, mgr, r1, "approve", nil, http.StatusOK)
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		// li's approved and fin-zhou's 待付款, both template messages.
		if got := pushJobs(t, a); len(got) != 2 || got[0] != 200 || got[1] != 200 {
			t.Fatalf("success pushes answered %v", got)
		}
		if st, _ := noticeOf(t, a, r1["id"].(string), "approved"); st != "done" {
			t.Fatalf("delivered notice after success: %s", st)
		}

		if res := a.Sandbox(t, http.MethodPost, "/_control/followers", map[string]any{"openid": liOpenID, "template_job": "failed:user block"}); res.Status != http.StatusNoContent {
			t.Fatalf("block: %d %s", res.Status, res.Body)
		}
		act(t, li, r2, "submit", nil, http.StatusOK)
		act(t, mgr, r2, "reject", map[string]any{"reason": "重填"}, http.StatusOK)
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		if got := pushJobs(t, a); len(got) != 1 || got[0] != 200 {
			t.Fatalf("failure push answered %v", got)
		}
		if st, why := noticeOf(t, a, r2["id"].(string), "rejected"); st != "failed" || !strings.Contains(why, "failed:user block") {
			t.Fatalf("blocked notice: %s %q", st, why)
		}
		res := a.Login(t, "admin").Do(http.MethodGet, "/api/v1/admin/notices?state=failed", nil)
		if res.Status != http.StatusOK || len(res.JSON["items"].([]any)) != 1 {
			t.Fatalf("admins' failed list: %d %s", res.Status, res.Body)
		}
		if ev, _ := inbox(t, li, "?unread=true"); len(ev) != 2 || ev[0] != "rejected" {
			t.Fatalf("owner inbox = %v", ev)
		}

		// The event arrives while our send's answer is still on its way.
		stop := gate.StopAt(testkit.After, "/cgi-bin/message/template/send", "tpl_sandbox_rejected")
		act(t, li, r3, "submit", nil, http.StatusOK)
		act(t, mgr, r3, "reject", map[string]any{"reason": "重填"}, http.StatusOK)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if !stop.Wait(ctx) {
			t.Fatal("the template send never started")
		}
		if got := pushJobs(t, a); len(got) != 1 || got[0] != http.StatusNotFound {
			t.Fatalf("early push answered %v", got)
		}
		stop.Release()
		pollUntil(t, "notices delivered", func() bool { return pendingNotices(t, a) == 0 })
		if got := pushJobs(t, a); len(got) != 1 || got[0] != 200 {
			t.Fatalf("repeated push answered %v", got)
		}
		if st, _ := noticeOf(t, a, r3["id"].(string), "rejected"); st != "failed" {
			t.Fatalf("late-recorded notice: %s", st)
		}
	})
}

// An admin requeues a failed notice (DECISIONS 46): it is delivered
// then. An unknown id is 404; a notice that is not failed is 409.
func TestNoticesRequeueFailed(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db)
		if res := a.Sandbox(t, http.MethodPost, "/_control/faults", map[string]any{
			"rate": 1, "errcodes": []int{40037}, "paths": []string{"/message/template/send"},
		}); res.Status/100 != 2 {
			t.Fatalf("faults: %d %s", res.Status, res.Body)
		}
		li, mgr, admin := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao"), a.Login(t, "admin")
		r := createReport(t, li, importN(t, a, li, 1))
		act(t, li, r, "submit", nil, http.StatusOK)
		act(t, mgr, r, "reject", map[string]any{"reason": "重填"}, http.StatusOK)
		pollUntil(t, "notices finished", func() bool { return pendingNotices(t, a) == 0 })
		var failed, done string
		for _, it := range admin.Do(http.MethodGet, "/api/v1/admin/notices", nil).JSON["items"].([]any) {
			m := it.(map[string]any)
			switch {
			case m["state"] == "failed" && m["event"] == "rejected" && m["errcode"].(float64) == 40037:
				failed = jsonNumber(m["id"])
			case m["state"] == "done":
				done = jsonNumber(m["id"])
			}
		}
		if failed == "" || done == "" {
			t.Fatalf("no failed rejected notice or no done one")
		}
		if ms := messages(t, a, liOpenID); len(ms) != 0 {
			t.Fatalf("a refused template reached the owner: %+v", ms)
		}
		if res := a.Sandbox(t, http.MethodDelete, "/_control/faults", nil); res.Status/100 != 2 {
			t.Fatalf("clear faults: %d", res.Status)
		}
		retry := func(c *testkit.Client, id string) testkit.Response {
			return c.Do(http.MethodPost, "/api/v1/admin/notices/"+id+"/retry", nil)
		}
		for _, c := range []struct {
			who    *testkit.Client
			id     string
			status int
			code   string
		}{
			{admin, "99999999", http.StatusNotFound, "not_found"},
			{admin, "abc", http.StatusNotFound, "not_found"},
			{admin, done, http.StatusConflict, "notice.not_failed"},
			{li, failed, http.StatusForbidden, "auth.forbidden"},
		} {
			if res := retry(c.who, c.id); res.Status != c.status || res.ErrorCode() != c.code {
				t.Fatalf("retry %s: %d %s, want %d %s", c.id, res.Status, res.Body, c.status, c.code)
			}
		}
		if res := retry(admin, failed); res.Status != http.StatusNoContent {
			t.Fatalf("retry: %d %s", res.Status, res.Body)
		}
		pollUntil(t, "the requeued notice delivered", func() bool { return len(messages(t, a, liOpenID)) == 1 && pendingNotices(t, a) == 0 })
		if ms := messages(t, a, liOpenID); ms[0].Body["template_id"] != "tpl_sandbox_rejected" {
			t.Fatalf("owner got %+v", ms)
		}
		res := admin.Do(http.MethodGet, "/api/v1/admin/notices?state=failed", nil)
		if items := res.JSON["items"].([]any); len(items) != 0 {
			t.Fatalf("still failed: %s", res.Body)
		}
		if res := retry(admin, failed); res.Status != http.StatusConflict || res.ErrorCode() != "notice.not_failed" {
			t.Fatalf("retry a delivered notice: %d %s", res.Status, res.Body)
		}
	})
}

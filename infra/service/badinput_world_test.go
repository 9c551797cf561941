package service_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// badWorld is the realistic state the bad requests run against: every
// kind of thing a request could wrongly touch exists, owned by someone.
type badWorld struct {
	a        *testkit.AppServer
	erp      *erpClient
	sessions map[string]string // demo user → session cookie value
	// ids names the things by role, for {placeholders} in case paths.
	ids map[string]string
}

// otherApprover approves nobody's reports: an approver who is not the
// report's approver.
const otherApprover = "mgr-qian"

// goneEmployee was deactivated after signing in.
const goneEmployee = "emp-gone"

// newBadWorld signs in every demo user and builds, through the API:
// emp-li with a free invoice and a draft, a submitted (awaiting mgr-zhao)
// and an approved report, and an empty draft; emp-wang with a free invoice and a draft; an
// ERP app; a webhook endpoint with a delivery; a done outbox row; a
// finished reconciliation; a PC QR-import session.
func newBadWorld(t *testing.T, db testkit.DB) *badWorld {
	t.Helper()
	// The world's webhook receiver listens on 127.0.0.1: the operator allows it.
	a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_WEBHOOKS_ALLOW_HOSTS=127.0.0.1"))
	w := &badWorld{a: a, sessions: map[string]string{}, ids: map[string]string{}}
	clients := map[string]*testkit.Client{}
	for _, u := range []string{"emp-li", "emp-wang", "mgr-zhao", "fin-chen", "admin"} {
		clients[u] = a.Login(t, u)
	}
	li, wang, mgr, fin, admin := clients["emp-li"], clients["emp-wang"], clients["mgr-zhao"], clients["fin-chen"], clients["admin"]

	mustStatus(t, "create "+otherApprover, admin.Do(http.MethodPost, "/api/v1/admin/employees", map[string]any{
		"id": otherApprover, "name": "钱经理", "roles": []string{"employee", "approver"},
		"identities": []map[string]any{{"channel": "oa", "app_id": config.SandboxOAAppID, "openid": "o-mgr-qian"}},
	}), http.StatusCreated)
	clients[otherApprover] = a.Login(t, otherApprover)

	// A deactivated employee whose session cookie is still around.
	mustStatus(t, "create "+goneEmployee, admin.Do(http.MethodPost, "/api/v1/admin/employees", map[string]any{
		"id": goneEmployee, "name": "离职员工", "roles": []string{"employee"},
		"identities": []map[string]any{{"channel": "oa", "app_id": config.SandboxOAAppID, "openid": "o-emp-gone"}},
	}), http.StatusCreated)
	clients[goneEmployee] = a.Login(t, goneEmployee)
	gone := admin.Do(http.MethodGet, "/api/v1/admin/employees/"+goneEmployee, nil)
	mustStatus(t, "deactivate "+goneEmployee, admin.Do(http.MethodPatch, "/api/v1/admin/employees/"+goneEmployee,
		map[string]any{"version": gone.JSON["version"], "active": false}), http.StatusOK)

	hook := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook"})
	mustStatus(t, "webhook", hook, http.StatusCreated)
	w.ids["webhook"] = hook.JSON["id"].(string)

	liInvs := importN(t, a, li, 4)
	wangInvs := importN(t, a, wang, 2)
	w.ids["li-invoice"], w.ids["wang-invoice"] = liInvs[0]["id"].(string), wangInvs[0]["id"].(string)
	w.ids["li-card"], w.ids["li-encrypt"] = liInvs[0]["card_id"].(string), liInvs[0]["encrypt_code"].(string)
	// Invoices still only in WeChat: in emp-wang's WeCom wallet, and in
	// mgr-zhao's OA wallet (the channel emp-li imports through).
	wangWallet := wallet(t, a, me(t, wang)["openid"].(string))
	w.ids["wang-wallet-card"], w.ids["wang-wallet-encrypt"] = wangWallet[0]["card_id"].(string), wangWallet[0]["encrypt_code"].(string)
	zhaoOA := a.Client(t)
	mustStatus(t, "mgr-zhao on OA", zhaoOA.Do(http.MethodPost, "/auth/sandbox/login", map[string]any{"user": "mgr-zhao", "channel": "oa"}), http.StatusOK)
	zhaoWallet := wallet(t, a, me(t, zhaoOA)["openid"].(string))
	w.ids["zhao-wallet-card"], w.ids["zhao-wallet-encrypt"] = zhaoWallet[0]["card_id"].(string), zhaoWallet[0]["encrypt_code"].(string)

	draft := createReport(t, li, liInvs[1:2])
	submitted := createReport(t, li, liInvs[2:3])
	submitted = act(t, li, submitted, "submit", nil, http.StatusOK).JSON
	approved := createReport(t, li, liInvs[3:4])
	act(t, li, approved, "submit", nil, http.StatusOK)
	w.ids["li-approved-version"] = fmt.Sprint(act(t, mgr, approved, "approve", map[string]any{"comment": "同意"}, http.StatusOK).JSON["version"])
	a.RunOutbox(t)
	wangDraft := createReport(t, wang, wangInvs[1:2])
	w.ids["li-empty"] = createReport(t, li, nil)["id"].(string)
	w.ids["li-draft"], w.ids["li-submitted"], w.ids["li-approved"] = draft["id"].(string), submitted["id"].(string), approved["id"].(string)
	w.ids["wang-draft"] = wangDraft["id"].(string)
	w.ids["li-draft-invoice"] = liInvs[1]["id"].(string)
	w.ids["li-submitted-version"] = fmt.Sprint(submitted["version"])
	w.ids["li-draft-version"] = fmt.Sprint(draft["version"])

	outbox := admin.Do(http.MethodGet, "/api/v1/admin/outbox?state=done", nil)
	mustStatus(t, "outbox", outbox, http.StatusOK)
	w.ids["outbox-done"] = jsonNumber(outbox.JSON["items"].([]any)[0].(map[string]any)["id"])
	// No worker runs: the reports' notices wait in the queue.
	notices := admin.Do(http.MethodGet, "/api/v1/admin/notices?state=pending", nil)
	mustStatus(t, "notices", notices, http.StatusOK)
	w.ids["notice-pending"] = jsonNumber(notices.JSON["items"].([]any)[0].(map[string]any)["id"])
	deliveries := admin.Do(http.MethodGet, "/api/v1/admin/webhooks/deliveries", nil)
	mustStatus(t, "deliveries", deliveries, http.StatusOK)
	if items, _ := deliveries.JSON["items"].([]any); len(items) > 0 {
		w.ids["delivery"] = jsonNumber(items[0].(map[string]any)["id"])
	} else {
		w.ids["delivery"] = "1"
	}

	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	run := fin.Do(http.MethodPost, "/api/v1/finance/reconcile", map[string]any{"from": "2020-01-01", "to": today})
	mustStatus(t, "reconcile", run, http.StatusAccepted, http.StatusOK, http.StatusCreated)
	w.ids["reconcile"] = run.JSON["id"].(string)
	for deadline := time.Now().Add(10 * time.Second); ; {
		got := fin.Do(http.MethodGet, "/api/v1/finance/reconcile/"+w.ids["reconcile"], nil)
		if got.JSON["state"] != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reconciliation did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}

	qr := li.Do(http.MethodPost, "/api/v1/qr-imports", nil)
	mustStatus(t, "qr import", qr, http.StatusCreated)
	w.ids["qr"] = qr.JSON["biz_code"].(string)
	w.ids["qr-token"] = strings.SplitN(qr.JSON["url"].(string), "?t=", 2)[1]

	w.ids["origin"] = a.URL

	w.erp = newERP(t, a, "用友 ERP")
	// Sign in before the snapshot: the Yuanian token is stateless, but
	// fetching it is a call like any other.
	w.erp.fetchToken()
	for u, c := range clients {
		w.sessions[u] = c.Cookie(a.URL, "baoxiao_session").Value
	}
	return w
}

func mustStatus(t testing.TB, what string, res testkit.Response, want ...int) {
	t.Helper()
	for _, s := range want {
		if res.Status == s {
			return
		}
	}
	t.Fatalf("%s: %d %s", what, res.Status, res.Body)
}

// fill replaces {name} placeholders with the world's ids.
func (w *badWorld) fill(s string) string {
	if strings.Contains(s, "{cb-ts}") {
		// Callbacks must be signed within 5 minutes of the server's
		// clock: stamp them when sent, not when the world was built.
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		w.ids["cb-ts"] = ts
		w.ids["oa-sig"] = sha1Sorted(config.SandboxOACallbackToken, ts, "42")
		w.ids["work-sig-aaaa"] = sha1Sorted(config.SandboxWorkCallbackToken, ts, "2", "AAAA")
	}
	for k, v := range w.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

package service_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/infra/webhook"
)

// receiver is an ERP's webhook endpoint: it checks signatures and can
// fail on purpose.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	secret map[string]string // path → secret
	fail   map[string]int    // path → answers of 500 still to give (-1: always)
	got    map[string][]hook // path → deliveries accepted
	tries  map[string]int    // path → requests received
}

type hook struct {
	Event    string
	Delivery string
	Body     map[string]any
}

// checkWebhookSignature does what README tells a receiver to: parse
// "t=…,v1=…", check t is within 5 minutes and v1 is the HMAC of "t.body".
func checkWebhookSignature(secret, header string, body []byte, now time.Time) error {
	var ts int64
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			sigs = append(sigs, v)
		}
	}
	if ts == 0 || len(sigs) == 0 {
		return fmt.Errorf("signature header %q lacks t or v1", header)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %d is %v from now", ts, d)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	want := hex.EncodeToString(mac.Sum(nil))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("signature does not match")
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, secret: map[string]string{}, fail: map[string]int{}, got: map[string][]hook{}, tries: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		p := req.URL.Path
		r.tries[p]++
		if err := checkWebhookSignature(r.secret[p], req.Header.Get("X-Baoxiao-Webhook-Signature"), body, time.Now()); err != nil {
			t.Errorf("%s: %v", p, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if n := r.fail[p]; n != 0 {
			if n > 0 {
				r.fail[p] = n - 1
			}
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if m["type"] != req.Header.Get("X-Baoxiao-Event") || m["id"] != req.Header.Get("X-Baoxiao-Event-Id") {
			t.Errorf("headers %v, body %s", req.Header, body)
		}
		r.got[p] = append(r.got[p], hook{Event: m["type"].(string), Delivery: req.Header.Get("X-Baoxiao-Delivery"), Body: m})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) events(path string) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, h := range r.got[path] {
		out[h.Event]++
	}
	return out
}

func (r *receiver) last(path, event string) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.got[path]) - 1; i >= 0; i-- {
		if r.got[path][i].Event == event {
			return r.got[path][i].Body
		}
	}
	r.t.Fatalf("%s got no %s", path, event)
	return nil
}

// drain runs the webhook worker until no delivery is due.
func drain(t *testing.T, w *webhook.Worker, db testkit.DB) {
	t.Helper()
	for range 200 {
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		n, err := db.DB.NewSelect().Table("webhook_deliveries").Where("state = 'pending'").Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("webhook deliveries did not drain")
}

func addHook(t *testing.T, admin *testkit.Client, r *receiver, path string, events []string) map[string]any {
	t.Helper()
	res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": r.srv.URL + path + "?token=receiver-token", "events": events})
	if res.Status != http.StatusCreated || !strings.HasPrefix(res.JSON["secret"].(string), "whsec_") {
		t.Fatalf("add webhook: %d %s", res.Status, res.Body)
	}
	r.mu.Lock()
	r.secret[path] = res.JSON["secret"].(string)
	r.mu.Unlock()
	return res.JSON
}

// Report and invoice events reach a local receiver, signed; failures are
// retried with backoff; a delivery that keeps failing is failed, visible
// to admins and retried by them.
func TestWebhookDelivery(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		// The receivers listen on 127.0.0.1: the operator allows it.
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_WEBHOOKS_ALLOW_HOSTS=127.0.0.1"))
		worker := webhook.New(store.NewWebhooks(db.DB), a.Svc.Webhooks, webhook.Options{
			ID: "test-webhooks", MaxAttempts: 4, Backoff: func(int) time.Duration { return 0 }, Targets: a.Svc.WebhookTargets,
		})
		recv := newReceiver(t)
		admin, li, mgr := a.Login(t, "admin"), a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")

		if res := li.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": recv.srv.URL}); res.Status != http.StatusForbidden {
			t.Fatalf("employee adds a webhook: %d", res.Status)
		}
		for _, bad := range []map[string]any{{"url": "ftp://x"}, {"url": recv.srv.URL, "events": []string{"report.nope"}}} {
			if res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", bad); res.Status != http.StatusBadRequest {
				t.Fatalf("%v: %d %s", bad, res.Status, res.Body)
			}
		}
		all := addHook(t, admin, recv, "/all", nil)
		addHook(t, admin, recv, "/approved", []string{app.EventReportApproved})
		list := admin.Do(http.MethodGet, "/api/v1/admin/webhooks", nil)
		if items := list.JSON["items"].([]any); len(items) != 2 || items[0].(map[string]any)["secret"] != nil {
			t.Fatalf("list: %s", list.Body)
		}
		recv.fail["/all"] = 2       // the first two attempts fail
		recv.fail["/approved"] = -1 // always fails

		invs := importN(t, a, li, 3)
		report := createReport(t, li, invs[:2])
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, mgr, report, "reject", map[string]any{"reason": "缺发票"}, http.StatusOK)
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, li, report, "withdraw", nil, http.StatusOK)
		act(t, li, report, "submit", nil, http.StatusOK)
		act(t, mgr, report, "approve", nil, http.StatusOK)
		a.RunOutbox(t)
		drain(t, worker, db)

		got := recv.events("/all")
		want := map[string]int{"report.submitted": 3, "report.rejected": 1, "report.withdrawn": 1, "report.approved": 1}
		for ev, n := range want {
			if got[ev] != n {
				t.Fatalf("/all got %v, want %v", got, want)
			}
		}
		if recv.tries["/all"] != 8 {
			t.Fatalf("/all received %d requests, want 6 + 2 retries", recv.tries["/all"])
		}
		approved := recv.last("/all", "report.approved")
		r := approved["data"].(map[string]any)["report"].(map[string]any)
		if r["id"] != report["id"] || r["number"] != report["number"] || r["status"] != "approved" || len(r["invoice_ids"].([]any)) != 2 || r["total"] == nil {
			t.Fatalf("approved event %v", approved)
		}
		if !strings.HasSuffix(approved["created_at"].(string), "+08:00") || !strings.HasPrefix(approved["id"].(string), "evt_") {
			t.Fatalf("event envelope %v", approved)
		}

		// The always-failing endpoint: failed after 4 attempts, then retried by an admin.
		failed := admin.Do(http.MethodGet, "/api/v1/admin/webhooks/deliveries?state=failed", nil).JSON["items"].([]any)
		if len(failed) != 1 {
			t.Fatalf("failed deliveries %v", failed)
		}
		f := failed[0].(map[string]any)
		if f["event_type"] != "report.approved" || f["attempts"] != float64(4) || f["last_status"] != float64(500) || !strings.Contains(f["last_error"].(string), "500") {
			t.Fatalf("failed delivery %v", f)
		}
		if strings.Contains(f["last_error"].(string), "receiver-token") {
			t.Fatalf("the endpoint URL leaked into last_error: %v", f["last_error"])
		}
		recv.mu.Lock()
		recv.fail["/approved"] = 0
		recv.mu.Unlock()
		if res := li.Do(http.MethodPost, "/api/v1/admin/webhooks/deliveries/"+jsonNumber(f["id"])+"/retry", nil); res.Status != http.StatusForbidden {
			t.Fatalf("employee retries: %d", res.Status)
		}
		if res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks/deliveries/"+jsonNumber(f["id"])+"/retry", nil); res.Status != http.StatusNoContent {
			t.Fatalf("retry: %d %s", res.Status, res.Body)
		}
		drain(t, worker, db)
		if got := recv.events("/approved"); got["report.approved"] != 1 || len(got) != 1 {
			t.Fatalf("/approved got %v", got)
		}
		done := admin.Do(http.MethodGet, "/api/v1/admin/webhooks/deliveries?state=done&limit=100", nil).JSON["items"].([]any)
		if len(done) != 7 || done[0].(map[string]any)["delivered_at"] == nil {
			t.Fatalf("done deliveries: %d", len(done))
		}

		// sync.failed: WeChat refuses the closure (another company took the lock).
		report2 := createReport(t, li, invs[2:])
		act(t, li, report2, "submit", nil, http.StatusOK)
		lockElsewhere(t, a, invs[2])
		act(t, mgr, report2, "approve", nil, http.StatusOK)
		a.RunOutbox(t)
		drain(t, worker, db)
		sf := recv.last("/all", app.EventSyncFailed)["data"].(map[string]any)
		if sf["invoice_id"] != invs[2]["id"] || sf["report_id"] != report2["id"] || sf["target_status"] != "CLOSURE" || sf["errcode"] != float64(72023) {
			t.Fatalf("sync.failed %v", sf)
		}

		// invoice.cancelled: the issuer red-flushes an invoice.
		victim := importN(t, a, li, 1)[0]
		redFlush(t, a, victim)
		deadline := time.Now().Add(10 * time.Second)
		for li.Do(http.MethodGet, "/api/v1/invoices/"+victim["id"].(string), nil).JSON["wechat_status"] != "CANCEL" {
			if time.Now().After(deadline) {
				t.Fatal("the CANCEL event was not applied")
			}
			time.Sleep(20 * time.Millisecond)
		}
		drain(t, worker, db)
		ic := recv.last("/all", app.EventInvoiceCancelled)["data"].(map[string]any)["invoice"].(map[string]any)
		if ic["id"] != victim["id"] || ic["invoice_number"] != victim["invoice_number"] || ic["owner_id"] != "emp-li" {
			t.Fatalf("invoice.cancelled %v", ic)
		}

		// A removed endpoint gets nothing more.
		if res := admin.Do(http.MethodDelete, "/api/v1/admin/webhooks/"+all["id"].(string), nil); res.Status != http.StatusNoContent {
			t.Fatalf("remove: %d %s", res.Status, res.Body)
		}
		before := recv.tries["/all"]
		report3 := createReport(t, li, importN(t, a, li, 1))
		act(t, li, report3, "submit", nil, http.StatusOK)
		drain(t, worker, db)
		if recv.tries["/all"] != before {
			t.Fatal("a removed endpoint got an event")
		}
	})
}

// redFlush has the issuer cancel (红冲) an invoice in the sandbox, which
// pushes update_invoice_status to us.
func redFlush(t *testing.T, a *testkit.AppServer, inv map[string]any) {
	t.Helper()
	state := a.Sandbox(t, http.MethodGet, "/_control/invoice?card_id="+testkit.Query(inv["card_id"].(string))+
		"&encrypt_code="+testkit.Query(inv["encrypt_code"].(string)), nil)
	tok := a.Sandbox(t, http.MethodGet, "/cgi-bin/token?grant_type=client_credential&appid="+a.Cfg.WeChat.OA.AppID+
		"&secret="+a.Cfg.WeChat.OA.AppSecret.Reveal(), nil)
	res := a.Sandbox(t, http.MethodPost, "/card/invoice/platform/updatestatus?access_token="+tok.JSON["access_token"].(string), map[string]any{
		"card_id": inv["card_id"], "code": state.JSON["code"], "reimburse_status": "INVOICE_REIMBURSE_CANCEL",
	})
	if res.JSON["errcode"] != float64(0) {
		t.Fatalf("red-flush: %s", res.Body)
	}
}

// Endpoints on loopback, link-local, private and other non-public
// addresses are refused when added (issue 15 item 8), unless
// webhooks.allow_hosts names them.
func TestWebhookTargetsRefused(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker())
		admin := a.Login(t, "admin")
		for _, u := range []string{
			"http://127.0.0.1:9/hook", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.8/hook",
			"http://192.168.1.1/hook", "http://172.16.0.1/hook", "http://[::1]:8080/hook", "http://[::ffff:127.0.0.1]/hook",
			"http://0.0.0.0/hook", "http://100.64.0.1/hook", "http://[fe80::1]/hook", "http://localhost:8080/hook", "http://LOCALHOST./hook",
		} {
			res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": u})
			if res.Status != http.StatusBadRequest || res.ErrorCode() != "request.invalid" {
				t.Fatalf("%s: %d %s, want 400 request.invalid", u, res.Status, res.Body)
			}
			if fields, _ := res.JSON["error"].(map[string]any)["details"].(map[string]any)["fields"].(map[string]any); fields["url"] == nil {
				t.Fatalf("%s: %s, want details.fields.url", u, res.Body)
			}
		}
		// A public name (here one that does not resolve: the dial decides).
		if res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": "https://erp.example/hook"}); res.Status != http.StatusCreated {
			t.Fatalf("public: %d %s", res.Status, res.Body)
		}

		allowed := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_WEBHOOKS_ALLOW_HOSTS=127.0.0.1,10.0.0.0/8,localhost"))
		admin = allowed.Login(t, "admin")
		for _, u := range []string{"http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "http://localhost:8080/hook"} {
			if res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": u}); res.Status != http.StatusCreated {
				t.Fatalf("allowed %s: %d %s", u, res.Status, res.Body)
			}
		}
		if res := admin.Do(http.MethodPost, "/api/v1/admin/webhooks", map[string]any{"url": "http://169.254.169.254/"}); res.Status != http.StatusBadRequest {
			t.Fatalf("metadata with another allow-list: %d %s", res.Status, res.Body)
		}
	})
}

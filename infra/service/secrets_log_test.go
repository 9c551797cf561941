package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/cli"
	"github.com/baoxiao/baoxiao/infra/outbox"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/infra/webhook"
	"github.com/baoxiao/baoxiao/web"
)

// loggedApp is testkit.App with the production logger at debug level
// writing into buf, as the default logger too, and both workers running.
func loggedApp(t *testing.T, db testkit.DB, buf *testkit.LogBuffer) *testkit.AppServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg, err := config.Load("", []string{"BAOXIAO_PUBLIC_URL=" + base, "BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_LOG_LEVEL=debug",
		"BAOXIAO_WEBHOOKS_ALLOW_HOSTS=127.0.0.1"}) // the webhook receiver is local
	if err != nil {
		t.Fatal(err)
	}
	log := cli.NewLogger(cfg.Log, buf)
	prev := slog.Default()
	slog.SetDefault(log)
	ctx, cancel := context.WithCancel(context.Background())
	// One approver, as testkit.App has: the workflow ends in approved.
	policy := testkit.ManagerOnly()
	svc, err := service.New(ctx, cfg, db.DB, service.Options{
		Logger:         log,
		ApprovalPolicy: &policy,
		Worker:         outbox.Options{Poll: 20 * time.Millisecond, Backoff: func(int) time.Duration { return time.Millisecond }},
		Webhooks:       webhook.Options{Poll: 20 * time.Millisecond, Backoff: func(int) time.Duration { return time.Millisecond }},
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = web.Serve(ctx, svc.App, ln, 2*time.Second) })
	wg.Go(func() { _ = svc.Worker.Run(ctx) })
	wg.Go(func() { _ = svc.WebhookWorker.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		_ = svc.Close()
		slog.SetDefault(prev)
	})
	return &testkit.AppServer{URL: base, Svc: svc, DB: db, Cfg: cfg}
}

// A whole workflow with debug logging, open-API calls on both profiles,
// webhooks, refusals and a token expiry: no secret reaches the log.
func TestNoSecretsInLogs(t *testing.T) {
	db := testkit.SQLite(t)
	var buf testkit.LogBuffer
	a := loggedApp(t, db, &buf)
	erp := newERP(t, a, "ERP")
	admin, li, mgr := a.Login(t, "admin"), a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
	recv := newReceiver(t)
	hook := addHook(t, admin, recv, "/hook", nil)

	w := wallet(t, a, me(t, li)["openid"].(string))
	if res := erp.call(http.MethodPost, "/open/v1/invoices/import", map[string]any{"employee_id": "emp-li", "items": cards(w[:1])}, "k1"); res.Status != http.StatusOK {
		t.Fatalf("native import: %d %s", res.Status, res.Body)
	}
	erp.send(signedReq{method: http.MethodGet, target: "/open/v1/invoices/inv_x", tamper: true})
	wantYn(t, "yn import", erp.yn(ynReq{path: "/openapi/invoice/wechat/import", body: map[string]any{"invoiceList": ynCards(w[1:2])}}), 1000)
	erp.yn(ynReq{path: "/openapi/invoice/wechat/search", sign: "C2806495EC6AA889DF0694A14A1DF32A"})
	lockElsewhere(t, a, w[2])
	erp.yn(ynReq{path: "/openapi/invoice/wechat/import", body: map[string]any{"invoiceList": ynCards(w[2:3])}})
	qr := fin(t, a)
	// JSSDK signatures: jsapi and wx_card tickets are issued.
	page := testkit.Query(a.URL + "/h5/")
	if res := li.Do(http.MethodGet, "/api/v1/jsapi/config?url="+page, nil); res.Status != http.StatusOK {
		t.Fatalf("jsapi config: %d %s", res.Status, res.Body)
	}
	if res := li.Do(http.MethodPost, "/api/v1/jsapi/choose-invoice-sign", map[string]any{"url": a.URL + "/h5/"}); res.Status != http.StatusOK {
		t.Fatalf("card sign: %d %s", res.Status, res.Body)
	}

	// Every WeChat token expires: the next calls refresh them.
	a.Sandbox(t, http.MethodPost, "/_control/tokens/expire", nil)
	invs := importN(t, a, li, 2)
	report := createReport(t, li, invs)
	act(t, li, report, "submit", nil, http.StatusOK)
	act(t, mgr, report, "approve", map[string]any{"comment": "ok"}, http.StatusOK)
	deadline := time.Now().Add(10 * time.Second)
	for a.Pending(t) > 0 || recv.events("/hook")["report.approved"] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the workflow did not settle: outbox %d, hooks %v", a.Pending(t), recv.events("/hook"))
		}
		time.Sleep(20 * time.Millisecond)
	}

	secrets := map[string]string{
		"app secret":           erp.secret,
		"yuanian token":        erp.token,
		"webhook secret":       hook["secret"].(string),
		"session secret":       a.Cfg.Auth.SessionSecret.Reveal(),
		"data key":             a.Cfg.Auth.DataKey.Reveal(),
		"OA app secret":        a.Cfg.WeChat.OA.AppSecret.Reveal(),
		"WeCom secret":         a.Cfg.WeChat.Work.Secret.Reveal(),
		"session cookie":       li.Cookie(a.URL, "baoxiao_session").Value,
		"QR token":             qr,
		"receiver's URL token": "receiver-token",
	}
	for _, table := range []string{"sandbox_tokens", "sandbox_tickets"} {
		col := map[string]string{"sandbox_tokens": "token", "sandbox_tickets": "ticket"}[table]
		var vals []string
		if err := db.DB.NewSelect().Table(table).Column(col).Scan(context.Background(), &vals); err != nil {
			t.Fatal(err)
		}
		if len(vals) == 0 {
			t.Fatalf("no %s issued", table)
		}
		for i, v := range vals {
			secrets[fmt.Sprintf("%s %d", table, i)] = v
		}
	}
	log := buf.String()
	if testing.Verbose() {
		t.Logf("%d bytes of log; sample:\n%.3000s", len(log), log)
	}
	if !strings.Contains(log, "level=DEBUG") || !strings.Contains(log, "/open/v1/invoices") {
		t.Fatalf("the log is not at debug level or misses the calls:\n%.2000s", log)
	}
	for name, s := range secrets {
		if len(s) < 6 {
			t.Fatalf("%s is too short to grep for: %q", name, s)
		}
		if strings.Contains(log, s) {
			i := strings.Index(log, s)
			t.Errorf("the log holds the %s: …%s…", name, log[max(0, i-200):min(len(log), i+len(s)+50)])
		}
	}
}

// fin opens a PC QR session as finance and answers its token.
func fin(t *testing.T, a *testkit.AppServer) string {
	t.Helper()
	res := a.Login(t, "fin-chen").Do(http.MethodPost, "/api/v1/qr-imports", nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("qr: %d %s", res.Status, res.Body)
	}
	tok := qrToken(t, res.JSON["url"].(string))
	li := a.Login(t, "emp-li")
	if res := li.Do(http.MethodPost, "/api/v1/qr-imports/open", map[string]any{"token": tok}); res.Status != http.StatusOK {
		t.Fatalf("open: %d %s", res.Status, res.Body)
	}
	return tok
}

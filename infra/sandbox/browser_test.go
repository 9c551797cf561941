package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBrowserStandIn runs the stand-in jweixin and the wallet picker in
// headless Chromium, mounted under /sandbox of a host app as the product
// does: wx.config verification with jweixin 1.6.0's ready semantics,
// chooseInvoice ok/cancel/fail on OA, and wx.config + agentConfig +
// chooseInvoice through wx.invoke on WeCom (jweixin 1.6.0 has neither
// wx.agentConfig nor ww).
func TestBrowserStandIn(t *testing.T) {
	chrome := findChrome(t)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	sb, err := sandbox.New(context.Background(), testkit.SQLiteUnmigrated(t).DB, sandbox.Options{
		PublicBase: base + "/sandbox", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	me := map[string]string{}
	pages := map[string]string{}
	host := fiber.New(fiber.Config{DisableStartupMessage: true})
	host.Mount("/sandbox", sb.App())
	host.Get("/api/v1/me", func(c *fiber.Ctx) error {
		mu.Lock()
		defer mu.Unlock()
		return c.JSON(me)
	})
	host.Get("/page", func(c *fiber.Ctx) error {
		mu.Lock()
		defer mu.Unlock()
		c.Type("html", "utf-8")
		return c.SendString(pages[c.Query("case")])
	})
	go func() { _ = host.Listener(ln) }()
	t.Cleanup(func() { _ = sb.Close(); _ = host.Shutdown() })

	e := &env{t: t, url: base + "/sandbox", sb: sb, clock: newClock(), http: &http.Client{Timeout: 10 * time.Second}}
	oa, work := e.oaToken(), e.workToken()
	jsapi := e.ticket("/cgi-bin/ticket/getticket", url.Values{"access_token": {oa}, "type": {"jsapi"}})
	oaCard := e.ticket("/cgi-bin/ticket/getticket", url.Values{"access_token": {oa}, "type": {"wx_card"}})
	corp := e.ticket("/cgi-bin/get_jsapi_ticket", tok(work))
	agent := e.ticket("/cgi-bin/ticket/get", url.Values{"access_token": {work}, "type": {"agent_config"}})
	workCard := e.ticket("/cgi-bin/ticket/get", url.Values{"access_token": {work}, "type": {"wx_card"}})

	page := func(name, configJS string) string {
		return `<!DOCTYPE html><html><head><meta charset="utf-8"><script src="/sandbox/jweixin.js"></script></head><body><p>` + name + `</p><script>
wx.ready(function () { window.__ready = true; });
wx.error(function (r) { window.__error = r; });
` + configJS + `
window.oaChoose = function (p) { window.__result = null; wx.invoke('chooseInvoice', p, function (r) { window.__result = r; }); return true; };
</script></body></html>`
	}
	cfg := func(appID, ticket, pageURL string) string {
		return fmt.Sprintf(`wx.config({debug: false, appId: %q, timestamp: 1700000000, nonceStr: 'nonce1', signature: %q, jsApiList: ['chooseInvoice']});`,
			appID, jsapiSig(ticket, "nonce1", "1700000000", pageURL))
	}
	oaURL, badURL, workURL := base+"/page?case=oa", base+"/page?case=bad", base+"/page?case=work"
	mu.Lock()
	pages["oa"] = page("oa", cfg(config.SandboxOAAppID, jsapi, oaURL))
	pages["bad"] = page("bad", cfg(config.SandboxOAAppID, jsapi, oaURL)) // signed for another URL
	pages["work"] = page("work", cfg(config.SandboxWorkCorpID, corp, workURL)+fmt.Sprintf(`
wx.ready(function () { wx.invoke('agentConfig', {corpid: %q, agentid: %q, timestamp: '1700000002', nonceStr: 'nonce3', signature: %q,
  jsApiList: ['chooseInvoice']}, function (r) { window.__agent = r.errMsg || r.err_msg; }); });`,
		config.SandboxWorkCorpID, config.SandboxWorkAgentID, jsapiSig(agent, "nonce3", "1700000002", workURL)))
	mu.Unlock()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.Flag("headless", true))...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(alloc)
	defer cancelCtx()
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Run(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if err := chromedp.Run(ctx); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but Chromium does not start: %v", err)
		}
		t.Skipf("Chromium does not start here: %v", err)
	}
	poll := func(what, expr string) {
		t.Helper()
		var v any
		run("wait for "+what, chromedp.Poll(expr, &v, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second)))
	}
	eval := func(expr string, out any) {
		t.Helper()
		run("evaluate "+expr, chromedp.Evaluate(expr, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	}
	frameReady := `(() => { const f = document.getElementById('sandbox-invoice-frame'); const d = f && f.contentDocument;
		return !!(d && d.getElementById('sandbox-cancel')); })()`
	inFrame := func(js string) {
		t.Helper()
		var ok bool
		eval(`(() => { const d = document.getElementById('sandbox-invoice-frame').contentDocument; `+js+`; return true; })()`, &ok)
	}
	result := func() map[string]any {
		t.Helper()
		poll("the chooseInvoice result", `!!window.__result`)
		var s string
		eval(`JSON.stringify(window.__result)`, &s)
		var m map[string]any
		_ = json.Unmarshal([]byte(s), &m)
		must(t, strings.Count(s, "sandbox-invoice-overlay") == 0, "overlay leaked into the result")
		return m
	}

	li := demo("emp-li")
	mu.Lock()
	me = map[string]string{"channel": "oa", "openid": li.OAOpenID}
	mu.Unlock()
	liWallet := e.wallet(li.OAOpenID)
	cs := sortedSig(oaCard, config.SandboxOAAppID, "1700000001", "nonce2", "INVOICE")
	choose := fmt.Sprintf(`oaChoose({timestamp: '1700000001', nonceStr: 'nonce2', signType: 'SHA1', cardSign: %q})`, cs)

	t.Run("a bad wx.config signature calls wx.error, then wx.ready as jweixin 1.6.0 does", func(t *testing.T) {
		run("open", chromedp.Navigate(badURL))
		poll("config", `window.__ready && window.__error`)
		var msg string
		eval(`window.__error.errMsg`, &msg)
		must(t, msg == "config:invalid signature", "wx.error got %q", msg)
		// From now on wx.ready runs at once, even for a config still waiting.
		var at string
		eval(`(() => { let now = false; wx.config({appId: 'x', timestamp: 1, nonceStr: 'n', signature: 's', jsApiList: ['chooseInvoice']});
			wx.ready(() => { now = true; }); return String(now); })()`, &at)
		must(t, at == "true", "wx.ready waited after a completed config")
		// chooseInvoice after a failed config: permission denied.
		var ok bool
		eval(`(window.__ready2 = null, setTimeout(() => oaChoose({timestamp: '1', nonceStr: 'n', signType: 'SHA1', cardSign: 'x'}), 300), true)`, &ok)
		r := result()
		must(t, r["err_msg"] == "chooseInvoice:fail_permission denied", "result %v", r)
	})
	t.Run("OA: pick two invoices", func(t *testing.T) {
		run("open", chromedp.Navigate(oaURL))
		poll("wx.ready", `window.__ready === true || !!window.__error`)
		var ok bool
		eval(choose, &ok)
		poll("the picker", frameReady)
		inFrame(`const boxes = Array.from(d.querySelectorAll('input[data-card-id]:not(:disabled)'));
			boxes[0].click(); boxes[1].click(); d.getElementById('sandbox-confirm').click()`)
		r := result()
		must(t, r["err_msg"] == "choose_invoice:ok", "result %v", r)
		info, isString := r["choose_invoice_info"].(string)
		must(t, isString, "OA choose_invoice_info is not a string: %v", r["choose_invoice_info"])
		var items []map[string]string
		must(t, json.Unmarshal([]byte(info), &items) == nil && len(items) == 2, "items %s", info)
		must(t, items[0]["card_id"] == liWallet[0].CardID && items[0]["encrypt_code"] == liWallet[0].EncryptCode &&
			items[0]["app_id"] != "", "item %v, wallet %+v", items[0], liWallet[0])
		var gone bool
		eval(`!document.getElementById('sandbox-invoice-overlay')`, &gone)
		must(t, gone, "the overlay stayed")
	})
	t.Run("OA: the array switch", func(t *testing.T) {
		e.ctl(http.MethodPost, "/switches", map[string]any{"oa_result_array": true})
		defer e.ctl(http.MethodPost, "/switches", map[string]any{"oa_result_array": false})
		var ok bool
		eval(choose, &ok)
		poll("the picker", frameReady)
		inFrame(`d.querySelector('input[data-card-id]:not(:disabled)').click(); d.getElementById('sandbox-confirm').click()`)
		r := result()
		items, isArray := r["choose_invoice_info"].([]any)
		must(t, isArray && len(items) == 1, "result %v", r)
	})
	t.Run("OA: cancel", func(t *testing.T) {
		var ok bool
		eval(choose, &ok)
		poll("the picker", frameReady)
		inFrame(`d.getElementById('sandbox-cancel').click()`)
		r := result()
		must(t, r["err_msg"] == "choose_invoice:cancel", "result %v", r)
	})
	t.Run("OA: a bad cardSign fails", func(t *testing.T) {
		var ok bool
		eval(`oaChoose({timestamp: '1700000001', nonceStr: 'nonce2', signType: 'SHA1', cardSign: 'bad'})`, &ok)
		poll("the error page", `(() => { const f = document.getElementById('sandbox-invoice-frame'); const d = f && f.contentDocument;
			return !!(d && d.getElementById('sandbox-error')); })()`)
		inFrame(`d.getElementById('sandbox-cancel').click()`)
		r := result()
		must(t, r["err_msg"] == "choose_invoice:fail" && strings.Contains(fmt.Sprint(r["err_desc"]), "cardSign"), "result %v", r)
	})
	t.Run("WeCom: agentConfig and ww.chooseInvoice", func(t *testing.T) {
		wang := demo("emp-wang")
		mu.Lock()
		me = map[string]string{"channel": "work", "openid": wang.WorkOpenID}
		mu.Unlock()
		run("open", chromedp.Navigate(workURL))
		poll("agentConfig", `!!window.__agent || !!window.__error`)
		var agentRes string
		eval(`String(window.__agent)`, &agentRes)
		must(t, agentRes == "agentConfig:ok", "agentConfig: %s", agentRes)
		sign := sortedSig(workCard, config.SandboxWorkCorpID, "1700000003", "nonce4", "INVOICE")
		var ok bool
		eval(fmt.Sprintf(`oaChoose({timestamp: 1700000003, nonceStr: 'nonce4', signType: 'SHA1', cardSign: %q})`, sign), &ok)
		poll("the picker", frameReady)
		inFrame(`d.querySelector('input[data-card-id]:not(:disabled)').click(); d.getElementById('sandbox-confirm').click()`)
		res := result()
		items, isArray := res["choose_invoice_info"].([]any)
		must(t, res["errMsg"] == "choose_invoice:ok" && res["errCode"] == float64(0) && isArray && len(items) == 1, "result %v", res)
		must(t, items[0].(map[string]any)["card_id"] == e.wallet(wang.WorkOpenID)[0].CardID, "item %v", items[0])
	})
}

// findChrome finds the browser: CHROMIUM_PATH (as web's browser tests and
// .ci/run use) or CHROME_PATH, else one on PATH. Without one the test
// skips, except under CI=true where it must run.
func findChrome(t *testing.T) string {
	t.Helper()
	for _, env := range []string{"CHROMIUM_PATH", "CHROME_PATH"} {
		if p := os.Getenv(env); p != "" {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no Chromium: set CHROMIUM_PATH or install chromium")
	}
	t.Skip("no Chromium found (set CHROMIUM_PATH)")
	return ""
}

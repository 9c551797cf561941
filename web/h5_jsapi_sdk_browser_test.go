package web_test

// The JSAPI helper against the real JS-SDKs (issue 18): jweixin 1.6.0
// (npm jweixin-module) and @wecom/jssdk 2.4.4, fetched by .ci/fetch-jssdk
// and never committed, each on the sandbox's WeixinJSBridge stand-in
// (/sandbox/jsbridge.js, injected as the client injects its bridge), and
// the sandbox's own stand-in jweixin through the same tests.

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// User agents of the clients. Neither names a phone, so jweixin skips its
// telemetry beacon (an image from open.weixin.qq.com the pages' CSP
// refuses); ww reads the WeCom version (≥ 3.0.24: agentConfig alone).
const (
	uaWeChat = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 MicroMessenger/8.0.43.2480 NetType/WIFI Language/zh_CN"
	uaWeCom  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 MicroMessenger/7.0.1 wxwork/4.1.16 Language/zh"
)

// jssdkDir is where .ci/fetch-jssdk leaves the tarballs.
func jssdkDir() string {
	if d := os.Getenv("BAOXIAO_JSSDK_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "baoxiao-jssdk")
}

// realSDK returns file from pkg's tarball, after checking the tarball
// against the integrity pinned in .ci/jssdk.sums. Without the tarball the
// test skips, except under CI=true where it fails.
func realSDK(t *testing.T, pkg, file string) []byte {
	t.Helper()
	sums, err := os.ReadFile(filepath.Join("..", ".ci", "jssdk.sums"))
	if err != nil {
		t.Fatal(err)
	}
	var url, want string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == pkg {
			url, want = f[1], f[2]
		}
	}
	if url == "" {
		t.Fatalf("%s is not in .ci/jssdk.sums", pkg)
	}
	tgz, err := os.ReadFile(filepath.Join(jssdkDir(), path.Base(url)))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing (run .ci/fetch-jssdk): %v", pkg, err)
		}
		t.Skipf("%s not fetched (run .ci/fetch-jssdk): %v", pkg, err)
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Fatalf("%s: integrity %s, want %s", pkg, got, want)
	}
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s: no %s in the tarball: %v", pkg, file, err)
		}
		if h.Name == file {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}

// sdkCase is one JS-SDK the pages are configured with.
type sdkCase struct {
	name string
	body []byte // nil: the sandbox's stand-in (the default h5.jweixin_url)
}

func sdkCases(t *testing.T) []sdkCase {
	return []sdkCase{
		{name: "stand-in"},
		{name: "jweixin-1.6.0", body: realSDK(t, "jweixin-module@1.6.0", "package/lib/index.js")},
		// The build WeCom publishes for <script> (package.json "unpkg").
		{name: "wecom-jssdk-2.4.4", body: realSDK(t, "@wecom/jssdk@2.4.4", "package/dist/wecom.global.prod.js")},
	}
}

// serveSDK serves body as a script from an origin of its own, as
// res.wx.qq.com serves jweixin.
func serveSDK(t *testing.T, body []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/sdk.js"
}

// clientTab is a tab as a WeChat or WeCom client shows the page: its user
// agent, and the sandbox's WeixinJSBridge injected before any page script
// (late: after that many milliseconds), with sticky client answers.
func (b *browser) clientTab(name, ua, bridgeJS string, late int, stick map[string]any) *tab {
	tb := b.newTab(name)
	preset, _ := json.Marshal(map[string]any{"stick": stick})
	inject := "window.__sandboxBridge = " + string(preset) + ";\n"
	if bridgeJS != "" {
		inject += fmt.Sprintf("setTimeout(function () {\n%s\n}, %d);\n", bridgeJS, late)
		if late == 0 {
			inject = "window.__sandboxBridge = " + string(preset) + ";\n" + bridgeJS
		}
	}
	tb.run("client "+name, chromedp.ActionFunc(func(ctx context.Context) error {
		if ua != "" {
			if err := emulation.SetUserAgentOverride(ua).Do(ctx); err != nil {
				return err
			}
		}
		_, err := page.AddScriptToEvaluateOnNewDocument(inject).Do(ctx)
		return err
	}))
	return tb
}

// signIn signs user in (sandbox login) and opens the employee page.
func (tb *tab) signIn(user string) {
	tb.t.Helper()
	tb.open("/h5/config.json")
	var status int
	tb.run("sign in "+user, chromedp.Evaluate(`fetch('/auth/sandbox/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({user: `+jsString(user)+`})}).then(r => r.status)`, &status, awaitPromise))
	if status != http.StatusOK {
		tb.t.Fatalf("sandbox login %s: %d", user, status)
	}
	tb.open("/h5/")
	tb.until("the employee page", `document.querySelector('#who') && document.querySelector('#who').textContent !== ''`, nil)
}

// importText taps 导入发票 and waits for the import area to say something
// other than "importing", returning it.
func (tb *tab) importText() string {
	tb.t.Helper()
	tb.click("#import")
	var text string
	tb.until("the import's answer", `(() => { const r = document.querySelector('#import-result');
		const busy = document.querySelector('#import').disabled;
		return !busy && r && r.textContent.trim() !== '' ? r.textContent : ''; })()`, &text)
	return text
}

func (tb *tab) bridgeCalls() []string {
	tb.t.Helper()
	var calls []string
	tb.eval(`WeixinJSBridge.__sandbox.state.calls.slice()`, &calls)
	return calls
}

func wantText(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: %q lacks %q", what, got, w)
		}
	}
}

func TestBrowserJSAPIWithSDKs(t *testing.T) {
	t.Parallel()
	for _, sc := range sdkCases(t) {
		t.Run(sc.name, func(t *testing.T) {
			var opts []testkit.AppOption
			if sc.body != nil {
				opts = append(opts, testkit.WithEnv("BAOXIAO_H5_JWEIXIN_URL="+serveSDK(t, sc.body)))
			}
			app := testkit.App(t, testkit.SQLite(t), opts...)
			b := startBrowser(t, app)
			bridge := ""
			if sc.body != nil {
				res, err := http.Get(app.URL + "/sandbox/jsbridge.js")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				_ = res.Body.Close()
				bridge = string(body)
			}
			real := sc.body != nil

			t.Run("OA: config failure, retry, string and array results, fail, permission denied, cancel", func(t *testing.T) {
				tb := b.clientTab("oa-"+sc.name, uaWeChat, bridge, 0,
					map[string]any{"preVerifyJSAPI": map[string]any{"err_msg": "preVerifyJSAPI:fail_invalid signature"}})
				tb.signIn("emp-li")
				text := tb.importText()
				wantText(t, "config failure", text, "签名校验失败", "invalid signature")
				for _, c := range tb.bridgeCalls() {
					if c == "chooseInvoice" {
						t.Errorf("chooseInvoice was called before config succeeded: %v", tb.bridgeCalls())
					}
				}
				tb.eval(`WeixinJSBridge.__sandbox.clear('preVerifyJSAPI'), 0`, nil)
				tb.importFromWallet(2, "")
				wantText(t, "OA import (string)", tb.text("#import-summary"), "2")

				if res := app.Sandbox(t, http.MethodPost, "/_control/switches", map[string]any{"oa_result_array": true}); res.Status != http.StatusOK {
					t.Fatalf("switch: %d", res.Status)
				}
				tb.importFromWallet(1, "")
				wantText(t, "OA import (array)", tb.text("#import-summary"), "1")
				app.Sandbox(t, http.MethodPost, "/_control/switches", map[string]any{"oa_result_array": false})

				tb.eval(`WeixinJSBridge.__sandbox.script('chooseInvoice', {err_msg: 'choose_invoice:fail', err_code: 12345, err_desc: 'scripted failure'}), 0`, nil)
				wantText(t, "fail with code and description", tb.importText(), "微信返回错误", "fail", "12345", "scripted failure")

				tb.eval(`WeixinJSBridge.__sandbox.script('chooseInvoice', {err_msg: 'chooseInvoice:fail_permission denied'}), 0`, nil)
				text = tb.importText()
				wantText(t, "permission denied", text, "没有调用权限", "permission denied")
				if strings.Contains(text, "签名") {
					t.Errorf("permission denied called a signature failure: %q", text)
				}

				tb.click("#import")
				tb.until("the wallet picker", `(() => { const f = document.getElementById('sandbox-invoice-frame');
					const d = f && f.contentDocument; return !!(d && d.getElementById('sandbox-cancel') && d.readyState === 'complete'); })()`, nil)
				tb.eval(`document.getElementById('sandbox-invoice-frame').contentDocument.getElementById('sandbox-cancel').click(), 0`, nil)
				tb.until("cancelled", `document.querySelector('#import-result').textContent.includes('已取消')`, nil)
			})

			t.Run("WeCom: agent signature checked, config failure then retry", func(t *testing.T) {
				tb := b.clientTab("work-"+sc.name, uaWeCom, bridge, 0,
					map[string]any{"agentConfig": map[string]any{"errMsg": "agentConfig:invalid signature", "errCode": -1}})
				tb.signIn("emp-wang")
				wantText(t, "agentConfig failure", tb.importText(), "签名校验失败", "agentConfig:invalid signature")
				tb.eval(`WeixinJSBridge.__sandbox.clear('agentConfig'), 0`, nil)
				tb.importFromWallet(1, "")
				wantText(t, "WeCom import", tb.text("#import-summary"), "1")
				var agent bool
				tb.eval(`!!WeixinJSBridge.__sandbox.state.agent`, &agent)
				if !agent {
					t.Errorf("the sandbox never verified an agentConfig: calls %v", tb.bridgeCalls())
				}
			})

			if !real {
				return // the stand-in brings its bridge with it: never late, never missing
			}
			t.Run("the bridge arrives late", func(t *testing.T) {
				tb := b.clientTab("late-"+sc.name, uaWeChat, bridge, 1500, nil)
				tb.signIn("emp-li")
				tb.importFromWallet(1, "")
			})
			t.Run("a plain browser is told to open WeChat, not kept waiting", func(t *testing.T) {
				tb := b.clientTab("plain-"+sc.name, "", "", 0, nil)
				tb.signIn("emp-li")
				start := time.Now()
				wantText(t, "plain browser", tb.importText(), "请在微信或企业微信中打开本页")
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("the answer took %v", d)
				}
			})
		})
	}
}

// text is the text of the first element matching sel.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	var s string
	tb.eval(`(document.querySelector(`+jsString(sel)+`) || {}).textContent || ''`, &s)
	return s
}

// TestBrowserJSAPIThirdPartyPage serves docs/jsapi-example.html from
// another origin (listed in h5.origins), which imports the library as an
// ES module from baoxiao and picks and imports an invoice with it: CORS,
// the session cookie and the signature of a page that is not baoxiao's.
func TestBrowserJSAPIThirdPartyPage(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Join("..", "docs", "jsapi-example.html"))
	if err != nil {
		t.Fatal(err)
	}
	var appURL string
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/invoices" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(bytes.ReplaceAll(example, []byte("https://bx.example.com"), []byte(appURL)))
	}))
	t.Cleanup(portal.Close)
	app := testkit.App(t, testkit.SQLite(t), testkit.WithEnvFor(func(base string) []string {
		return []string{"BAOXIAO_H5_ORIGINS=" + base + "," + portal.URL}
	}))
	appURL = app.URL
	b := startBrowser(t, app)
	tb := b.newTab("portal")
	tb.signIn("emp-li") // the employee's baoxiao session (same site: the cookie goes along)

	tb.run("open the portal", chromedp.Navigate(portal.URL+"/invoices?from=menu"))
	tb.click("#pick")
	// The picker is a frame of baoxiao's origin inside the portal's page:
	// the test reaches into it through the DevTools protocol.
	var frames []*cdp.Node
	deadline := time.Now().Add(stepTimeout)
	for {
		tb.run("find the picker", chromedp.Nodes("#sandbox-invoice-frame", &frames, chromedp.ByQuery))
		doc := frames[0].ContentDocument
		if doc != nil && strings.Contains(doc.DocumentURL, "/_js/choose-invoice") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the picker did not load\n%s", tb.state())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var card string
	tb.run("pick", chromedp.AttributeValue(`input[data-card-id]:not(:disabled)`, "data-card-id", &card, nil, chromedp.ByQuery, chromedp.FromNode(frames[0])),
		chromedp.Click(`input[data-card-id]:not(:disabled)`, chromedp.ByQuery, chromedp.FromNode(frames[0])),
		chromedp.Click(`#sandbox-confirm`, chromedp.ByQuery, chromedp.FromNode(frames[0])))
	var text string
	tb.until("the imported invoice", `(() => { const m = document.querySelector('#message').textContent;
		return m ? 'error: ' + m : document.querySelector('#imported').textContent; })()`, &text)
	if strings.HasPrefix(text, "error: ") || !strings.Contains(text, "¥") {
		t.Fatalf("the portal shows %q", text)
	}
	mine := app.Login(t, "emp-li").Do(http.MethodGet, "/api/v1/invoices", nil)
	if !strings.Contains(string(mine.Body), card) {
		t.Errorf("card %s is not among emp-li's invoices: %s", card, mine.Body)
	}
}

package web_test

// Browser tests of the H5 pages: real headless Chromium (chromedp) against
// the whole product in sandbox mode, whose stand-in jweixin opens the
// sandbox wallet picker, so the pages run the live code path (DECISIONS 15).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"log"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// stepTimeout bounds every browser action, so a broken page fails fast.
const stepTimeout = 20 * time.Second

// launchTimeout bounds starting Chromium, slower than any step on a busy
// machine.
const launchTimeout = 60 * time.Second

// Phone-sized viewport of the screenshots (CSS pixels).
const (
	viewWidth  = 390
	viewHeight = 844
)

// chromiumPath finds the browser: CHROMIUM_PATH, else chromium on PATH.
// Without one the tests skip, except under CI=true where they must run.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no Chromium: set CHROMIUM_PATH or install chromium")
	}
	t.Skip("no Chromium found (set CHROMIUM_PATH or install chromium); skipping the browser tests")
	return ""
}

// browser is one headless Chromium for one test; each user gets a tab in
// a browser context of its own (separate cookies).
type browser struct {
	t     *testing.T
	app   *testkit.AppServer
	ctx   context.Context
	shots string
}

// startBrowser starts Chromium preferring Chinese, as the pages' users do.
func startBrowser(t *testing.T, app *testkit.AppServer) *browser {
	t.Helper()
	return startBrowserLang(t, app, "zh-CN")
}

// startBrowserLang starts Chromium with lang as the browser's language.
func startBrowserLang(t *testing.T, app *testkit.AppServer, lang string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(viewWidth, viewHeight),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // DECISIONS 26
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(chromedpErrorf))
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // waits for the browser to exit and its profile to go
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser and must not carry a deadline (it
	// would kill the browser later); a watchdog bounds it instead.
	if err := withWatchdog(ctx, cancelAlloc, launchTimeout, func() error { return chromedp.Run(ctx) }); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	shots := t.TempDir()
	if d := os.Getenv("BAOXIAO_SHOTS_DIR"); d != "" {
		shots = d // keep them to look at
	}
	return &browser{t: t, app: app, ctx: ctx, shots: shots}
}

// browserCall runs a browser-level CDP command within the step timeout.
func (b *browser) browserCall(fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	return fn(cdp.WithExecutor(ctx, chromedp.FromContext(b.ctx).Browser))
}

// chromedpErrorf drops cdproto's complaints about event values newer than
// it knows (Chromium moves faster than cdproto); other errors are logged.
func chromedpErrorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "could not unmarshal event") {
		return
	}
	log.Print("chromedp: " + msg)
}

// withWatchdog runs fn and cancels the browser or tab if it takes longer
// than limit.
func withWatchdog(ctx context.Context, cancel context.CancelFunc, limit time.Duration, fn func() error) error {
	timer := time.AfterFunc(limit, cancel)
	defer timer.Stop()
	err := fn()
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("%w (took longer than %v)", err, limit)
	}
	return err
}

// tab is one user's page, with the console errors it logged.
type tab struct {
	t      *testing.T
	b      *browser
	ctx    context.Context
	name   string
	mu     sync.Mutex
	errors []string
}

// cspWatch runs before any page script in every frame: each CSP
// violation is kept in window.__cspViolations and, unless a test provokes
// one on purpose (window.__cspExpected), logged as a console error, which
// fails the test.
const cspWatch = `(() => {
	window.__cspViolations = [];
	document.addEventListener('securitypolicyviolation', function (e) {
		const v = e.effectiveDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber + ' on ' + location.pathname;
		window.__cspViolations.push(v);
		if (!window.__cspExpected) console.error('CSP violation: ' + v);
	});
})()`

// newTab opens a tab in a fresh browser context (no cookies) and fails
// the test at its end if the page logged a console error, threw or broke
// its Content-Security-Policy.
func (b *browser) newTab(name string) *tab {
	t := b.t
	t.Helper()
	// New headless Chromium opens a tab in a new browser context only in a
	// new window, which chromedp's WithNewBrowserContext does not ask for.
	var bctx cdp.BrowserContextID
	var tid target.ID
	err := b.browserCall(func(ctx context.Context) error {
		var err error
		if bctx, err = target.CreateBrowserContext().Do(ctx); err != nil {
			return err
		}
		tid, err = target.CreateTarget("about:blank").WithBrowserContextID(bctx).WithNewWindow(true).Do(ctx)
		return err
	})
	if err != nil {
		t.Fatalf("new browser context for %s: %v", name, err)
	}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(tid))
	tb := &tab{t: t, b: b, ctx: ctx, name: name}
	chromedp.ListenTarget(ctx, func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type != runtime.APITypeError && e.Type != runtime.APITypeAssert {
				return
			}
			var parts []string
			for _, a := range e.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			msg = "console." + string(e.Type) + ": " + strings.Join(parts, " ")
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg = "exception: " + d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			msg += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		default:
			return
		}
		tb.mu.Lock()
		tb.errors = append(tb.errors, msg)
		tb.mu.Unlock()
	})
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, e := range tb.errors {
			t.Errorf("%s's page: %s", name, e)
		}
		cancel()
		_ = b.browserCall(func(ctx context.Context) error { return target.DisposeBrowserContext(bctx).Do(ctx) })
	})
	if err := withWatchdog(ctx, cancel, stepTimeout, func() error {
		return chromedp.Run(ctx, chromedp.EmulateViewport(viewWidth, viewHeight, chromedp.EmulateScale(1), chromedp.EmulateMobile),
			chromedp.ActionFunc(func(ctx context.Context) error {
				_, err := page.AddScriptToEvaluateOnNewDocument(cspWatch).Do(ctx)
				return err
			}))
	}); err != nil {
		t.Fatalf("open a tab for %s: %v", name, err)
	}
	return tb
}

// desktop makes the tab a desktop window (1280×800, no touch); phone
// returns it to the phone viewport screenshots expect.
func (tb *tab) desktop() {
	tb.t.Helper()
	tb.run("desktop viewport", chromedp.EmulateViewport(1280, 800, chromedp.EmulateScale(1)))
}

func (tb *tab) phone() {
	tb.t.Helper()
	tb.run("phone viewport", chromedp.EmulateViewport(viewWidth, viewHeight, chromedp.EmulateScale(1), chromedp.EmulateMobile))
}

// run runs actions within the step timeout; on failure it reports where
// the page was and what it showed.
func (tb *tab) run(what string, actions ...chromedp.Action) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	defer tb.slow(what, time.Now())
	if err := chromedp.Run(ctx, actions...); err != nil {
		tb.t.Fatalf("%s (%s): %v\n%s", what, tb.name, err, tb.state())
	}
}

// slow logs steps that took long: the first sign of a page going wrong.
func (tb *tab) slow(what string, start time.Time) {
	if d := time.Since(start); d > 3*time.Second {
		tb.t.Logf("slow step: %s (%s) took %v", what, tb.name, d.Round(time.Millisecond))
	}
}

// state describes the page for a failure message.
func (tb *tab) state() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 3*time.Second)
	defer cancel()
	var url, text string
	_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Evaluate(`document.body ? document.body.innerText.slice(0, 1500) : ''`, &text))
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return fmt.Sprintf("page %s\n--- text ---\n%s\n--- console errors ---\n%s", url, text, strings.Join(tb.errors, "\n"))
}

// open loads path; a path with "#…" is reloaded too, since navigating to
// another fragment of the page already shown would keep its old content.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.run("open "+path, chromedp.Navigate(tb.b.app.URL+path))
	if strings.Contains(path, "#") {
		tb.run("reload "+path, chromedp.Reload())
	}
}

// until waits until the JavaScript expression is truthy and stores its
// value in out (nil: ignore it). It polls on a timer (hidden tabs get no
// animation frames) and starts again when the page navigates meanwhile.
func (tb *tab) until(what, expr string, out any) {
	tb.t.Helper()
	var v any
	if out == nil {
		out = &v
	}
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	defer tb.slow("wait for "+what, time.Now())
	for {
		err := chromedp.Run(ctx, chromedp.Poll(expr, out, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout)))
		if err == nil {
			return
		}
		if ctx.Err() == nil && navigated(err) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		tb.t.Fatalf("wait for %s (%s): %v\n%s", what, tb.name, err, tb.state())
	}
}

// navigated tells the errors of an evaluation cut short by a navigation.
func navigated(err error) bool {
	msg := err.Error()
	for _, s := range []string{"navigated or closed", "Execution context was destroyed", "Cannot find context"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.run("click "+sel, chromedp.Click(sel, chromedp.ByQuery, chromedp.NodeVisible))
}

func (tb *tab) eval(expr string, out any) {
	tb.t.Helper()
	tb.run("evaluate "+expr, chromedp.Evaluate(expr, out))
}

// login signs user in through the login page that opening path leads to.
func (tb *tab) login(user, path string) {
	tb.t.Helper()
	tb.open(path)
	tb.until("the login page", `location.pathname === '/h5/login' && !!document.querySelector('button[data-user]')`, nil)
	var next string
	tb.eval(`new URLSearchParams(location.search).get('next')`, &next)
	if next != path {
		tb.t.Errorf("login page next = %q, want %q", next, path)
	}
	tb.screenshot("login")
	tb.click(`button[data-user="` + user + `"]`)
	tb.until("back on "+path, fmt.Sprintf(`location.pathname === %q && document.querySelector('#who') && document.querySelector('#who').textContent !== ''`, path), nil)
}

// screenshot saves the viewport under the test's temp dir and checks it
// is a 390×844 picture with something on it.
func (tb *tab) screenshot(name string) []byte {
	tb.t.Helper()
	// A toast fades after 3.5 s; screenshots need not wait for it.
	tb.eval(`(() => { const n = document.querySelector('#toast.show'); if (n) { n.style.transition = 'none'; n.className = ''; } return 0; })()`, nil)
	var buf []byte
	tb.run("screenshot "+name, chromedp.CaptureScreenshot(&buf))
	checkScreenshot(tb.t, name, buf, viewWidth, viewHeight)
	if err := os.WriteFile(filepath.Join(tb.b.shots, tb.name+"-"+name+".png"), buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	return buf
}

// docsScreenshot refreshes docs/<name>.png at twice the pixel density
// when BAOXIAO_UPDATE_SCREENSHOTS=1.
func (tb *tab) docsScreenshot(name string) {
	tb.t.Helper()
	if os.Getenv("BAOXIAO_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	tb.eval(`document.activeElement && document.activeElement.blur(), 0`, nil) // no focus ring
	var buf []byte
	tb.run("docs screenshot "+name,
		chromedp.EmulateViewport(viewWidth, viewHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Sleep(200*time.Millisecond),
		chromedp.CaptureScreenshot(&buf),
		chromedp.EmulateViewport(viewWidth, viewHeight, chromedp.EmulateScale(1), chromedp.EmulateMobile))
	checkScreenshot(tb.t, name, buf, 2*viewWidth, 2*viewHeight)
	dir := filepath.Join("..", "docs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

func checkScreenshot(t *testing.T, name string, buf []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		t.Errorf("screenshot %s is %dx%d, want %dx%d", name, b.Dx(), b.Dy(), w, h)
	}
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, a0 := first.RGBA()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			if r, g, bl, a := img.At(x, y).RGBA(); r != r0 || g != g0 || bl != b0 || a != a0 {
				return
			}
		}
	}
	t.Errorf("screenshot %s is blank", name)
}

// card is an invoice in the wallet, as the picker shows it.
type card struct {
	CardID      string `json:"card_id"`
	EncryptCode string `json:"encrypt_code"`
}

// pick waits for the sandbox wallet picker, ticks n selectable invoices
// (or the one with encrypt code want) and confirms.
func (tb *tab) pick(n int, want string) []card {
	tb.t.Helper()
	expr := fmt.Sprintf(`(() => {
		const f = document.getElementById('sandbox-invoice-frame');
		const d = f && f.contentDocument;
		if (!d || !d.location.pathname.endsWith('/_js/choose-invoice') || d.readyState !== 'complete') return null;
		const err = d.getElementById('sandbox-error');
		if (err) return {error: err.textContent};
		const boxes = Array.from(d.querySelectorAll('input[data-card-id]:not(:disabled)'));
		const want = %q;
		const picked = want ? boxes.filter(b => b.dataset.encryptCode === want) : boxes.slice(0, %d);
		if (picked.length === 0 || (!want && picked.length < %d)) return {error: 'the wallet has ' + boxes.length + ' selectable invoices'};
		picked.forEach(b => b.click());
		d.getElementById('sandbox-confirm').click();
		return {items: picked.map(b => ({card_id: b.dataset.cardId, encrypt_code: b.dataset.encryptCode}))};
	})()`, want, n, n)
	var res struct {
		Error string `json:"error"`
		Items []card `json:"items"`
	}
	tb.until("the wallet picker", expr, &res)
	if res.Error != "" {
		tb.t.Fatalf("wallet picker: %s", res.Error)
	}
	return res.Items
}

// importFromWallet taps 导入发票, picks in the sandbox picker and waits for
// the import summary.
func (tb *tab) importFromWallet(n int, want string) []card {
	tb.t.Helper()
	tb.click("#import")
	picked := tb.pick(n, want)
	tb.until("the import summary", `!!document.querySelector('#import-summary')`, nil)
	return picked
}

func (tb *tab) ids(sel string) []string {
	tb.t.Helper()
	var ids []string
	tb.eval(`Array.from(document.querySelectorAll(`+jsString(sel)+`)).map(n => n.dataset.invoiceId || n.dataset.reportId)`, &ids)
	return ids
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// wechatStatus asks the sandbox for an invoice's status in the wallet.
func wechatStatus(t *testing.T, app *testkit.AppServer, c card) string {
	t.Helper()
	res := app.Sandbox(t, http.MethodGet, "/_control/invoice?card_id="+testkit.Query(c.CardID)+"&encrypt_code="+testkit.Query(c.EncryptCode), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("sandbox invoice %s: %d %s", c.EncryptCode, res.Status, res.Body)
	}
	s, _ := res.JSON["reimburse_status"].(string)
	return s
}

// waitWeChat delivers the outbox and waits until every card has status
// want in the sandbox.
func waitWeChat(t *testing.T, app *testkit.AppServer, cards []card, want string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		app.RunOutbox(t)
		var off []string
		for _, c := range cards {
			if s := wechatStatus(t, app, c); s != want {
				off = append(off, c.EncryptCode+"="+s)
			}
		}
		if len(off) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox status after %v: %v, want %s", stepTimeout, off, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// awaitPromise makes Evaluate wait for the promise the expression returns.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBrowserJSAPIHelper runs the helper's pure rules in the browser:
// result normalisation (wechat-protocol.md §3.4), the signed URL (no
// "#…"), environment detection and the plain-browser error.
func TestBrowserJSAPIHelper(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t))
	b := startBrowser(t, app)
	tb := b.newTab("blank")
	// A page of the app's origin, emptied: Chromium refuses loopback
	// scripts to about:blank (local network access).
	tb.open("/h5/config.json")
	tb.eval(`document.body.textContent = '', document.body.childElementCount`, nil)

	// The console check is live: an error logged here is seen (and then
	// forgiven, being ours).
	tb.eval(`console.error('console probe'), 0`, nil)
	for i := 0; ; i++ {
		tb.mu.Lock()
		seen := len(tb.errors) == 1 && strings.Contains(tb.errors[0], "console probe")
		if seen {
			tb.errors = nil
		}
		tb.mu.Unlock()
		if seen {
			break
		}
		if i == 100 {
			t.Fatal("console.error was not seen by the listener")
		}
		time.Sleep(20 * time.Millisecond)
	}
	script := `(async () => {
	await new Promise((ok, bad) => {
		const s = document.createElement('script');
		s.src = BASE + '/h5/lib/baoxiao-jsapi.js';
		s.onload = ok;
		s.onerror = () => bad(new Error('cannot load the helper'));
		document.head.appendChild(s);
	});
	const A = window.BaoxiaoJSAPI, n = A.normalise, fails = [];
	const eq = (name, got, want) => {
		const g = JSON.stringify(got), w = JSON.stringify(want);
		if (g !== w) fails.push(name + ': got ' + g + ', want ' + w);
	};
	const item = {card_id: 'pX', encrypt_code: 'Ab+c/d==', app_id: 'wxI'};
	const ok = info => ({err_msg: 'choose_invoice:ok', choose_invoice_info: info});

	eq('OA string', n(ok(JSON.stringify([item]))), {status: 'ok', message: 'choose_invoice:ok', keyword: 'ok', err_code: null, err_desc: '', items: [item], dropped: []});
	eq('OA array', n(ok([item])).items, [item]);
	eq('WeCom', n({errMsg: 'chooseInvoice:ok', errCode: 0, choose_invoice_info: [item]}),
		{status: 'ok', message: 'chooseInvoice:ok', keyword: 'ok', err_code: 0, err_desc: '', items: [item], dropped: []});
	eq('Mini Program invoiceInfo', n({errMsg: 'chooseInvoice:ok', invoiceInfo: JSON.stringify([item])}).items, [item]);
	eq('camelCase keys', n(ok([{cardId: 'pX', encryptCode: 'Ab+c/d==', appId: 'wxI'}])).items, [item]);
	eq('no app_id', n(ok([{card_id: 'pX', encrypt_code: 'E'}])).items, [{card_id: 'pX', encrypt_code: 'E', app_id: ''}]);
	eq('double-encoded string', n(ok(JSON.stringify(JSON.stringify([item])))).items, [item]);
	eq('items as strings', n(ok([JSON.stringify(item)])).items, [item]);
	eq('one object', n(ok(item)).items, [item]);
	eq('duplicates once', n(ok([item, item])).items, [item]);
	eq('incomplete item dropped', n(ok([{card_id: 'pX'}, item])).dropped, [{card_id: 'pX'}]);
	eq('empty string', n(ok('')).items, []);
	eq('whole result as a string', n(JSON.stringify(ok([item]))).items, [item]);
	eq('OA cancel', n({err_msg: 'choose_invoice:cancel'}).status, 'cancel');
	eq('WeCom cancel', n({errMsg: 'chooseInvoice:cancel', errCode: 1}).status, 'cancel');
	eq('OA fail', n({err_msg: 'choose_invoice:fail'}).status, 'fail');
	eq('permission denied', n({errMsg: 'chooseInvoice:permission denied'}).status, 'fail');
	eq('malformed JSON', n(ok('[{')).status, 'fail');
	eq('ok with errCode', n({errMsg: 'chooseInvoice:ok', errCode: -1, choose_invoice_info: [item]}).status, 'fail');
	eq('nothing', n(null).status, 'fail');
	eq('no message, info present', n({choose_invoice_info: [item]}).status, 'ok');

	eq('URL without #', A.pageURL('https://h5.example.com/h5/?a=1&b=2#report/rpt_1'), 'https://h5.example.com/h5/?a=1&b=2');
	eq('URL kept', A.pageURL('https://h5.example.com/h5/approve?next=%2Fh5%2F'), 'https://h5.example.com/h5/approve?next=%2Fh5%2F');
	eq('bare #', A.pageURL('https://h5.example.com/h5/#'), 'https://h5.example.com/h5/');
	eq('first # wins', A.pageURL('https://a.example/b?c#d#e'), 'https://a.example/b?c');

	const wecom = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.40 wxwork/4.1.16 ColorScheme/Light';
	const wechat = 'Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231002 MicroMessenger/8.0.43.2480(0x28002B37) NetType/WIFI';
	eq('WeCom UA', A.detectEnv(wecom, false), 'wecom');
	eq('WeChat UA', A.detectEnv(wechat, false), 'wechat');
	eq('plain browser', A.detectEnv('Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0', false), 'browser');
	eq('sandbox', A.detectEnv(wechat, true), 'sandbox');

	const dup = A.describeFailure({card_id: 'pX', encrypt_code: 'E', error: {code: 'invoice.duplicate',
		message: 'this invoice has already been imported', details: {imported_by: '李娜', report_number: 'BX-2026-000001'}}});
	eq('duplicate names the importer', ['李娜', 'BX-2026-000001', '[invoice.duplicate]'].every(s => dup.includes(s)), true);

	try {
		await A.init({config: {sandbox: false, jweixin_url: '/nowhere.js'}});
		fails.push('init outside WeChat resolved');
	} catch (e) {
		eq('outside WeChat', [e.name, e.code, e.message.length > 0], ['BaoxiaoJSAPIError', 'not_in_wechat', true]);
	}
	return fails;
})()`
	var fails []string
	tb.run("helper assertions", chromedp.Evaluate(strings.Replace(script, "BASE", jsString(app.URL), 1), &fails, awaitPromise))
	for _, f := range fails {
		t.Error(f)
	}
}

package web_test

import (
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// TestBrowserRolesAndErrors (issue 19): the sandbox login lists people by
// name; each role lands on its own page; the top bar offers only the
// pages the roles allow, and another page says "没有权限"; a refused input
// reads as Chinese text, the server's English and the code tucked away,
// with no retry, on a phone and on a desktop.
func TestBrowserRolesAndErrors(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	b := startBrowser(t, app)

	tabs := map[string]*tab{}
	for _, tc := range []struct {
		user, home string
		nav        []string
	}{
		{"emp-li", "/h5/", []string{"mine"}},
		{"mgr-zhao", "/h5/approve", []string{"mine", "approve"}},
		{"fin-chen", "/h5/finance", []string{"mine", "approve", "finance"}},
		{"admin", "/h5/admin", []string{"mine", "approve", "finance", "admin"}},
	} {
		tb := b.newTab(tc.user)
		tabs[tc.user] = tb
		tb.open("/h5/login")
		var label string
		tb.until("the login page", `(() => { const b = document.querySelector('button[data-user="`+tc.user+`"] .title'); return b && b.textContent; })()`, &label)
		if tc.user == "emp-li" && label != "李娜 emp-li" {
			t.Errorf("the login page shows emp-li as %q, want the name first: 李娜 emp-li", label)
		}
		tb.click(`button[data-user="` + tc.user + `"]`)
		var nav []string
		tb.until(tc.user+"'s home "+tc.home, `location.pathname === `+jsString(tc.home)+` && document.querySelector('#who') && document.querySelector('#who').textContent !== '' &&
			Array.from(document.querySelectorAll('#top nav a')).map(a => a.dataset.page)`, &nav)
		if strings.Join(nav, " ") != strings.Join(tc.nav, " ") {
			t.Errorf("%s's top bar offers %q, want %q", tc.user, nav, tc.nav)
		}
	}

	// An employee opening the admin's and finance's pages.
	li := tabs["emp-li"]
	for _, path := range []string{"/h5/admin", "/h5/finance"} {
		li.open(path)
		var home string
		li.until("没有权限 on "+path, `(() => { const f = document.getElementById('forbidden'); return f && !f.hidden && f.textContent.includes('没有权限') && document.getElementById('forbidden-home').getAttribute('href'); })()`, &home)
		if home != "/h5/" {
			t.Errorf("the no-permission state on %s links to %q, want /h5/", path, home)
		}
		var shown int
		li.eval(`Array.from(document.querySelectorAll('main:not(#forbidden)')).filter(m => m.offsetParent !== null).length`, &shown)
		if shown != 0 {
			t.Errorf("%s still shows %d of its sections to an employee", path, shown)
		}
	}
	li.screenshot("forbidden")
	// The approvals page is everyone's (a step may name any employee): an
	// employee sees their own, empty, list there and no 没有权限.
	li.open("/h5/approve")
	li.until("the empty approvals list", `!!document.querySelector('#to-approve .state.empty') && !document.getElementById('forbidden')`, nil)

	// A 4xx: a bank account number of letters.
	li.open("/h5/")
	for _, size := range []string{"phone", "desktop"} {
		if size == "desktop" {
			li.desktop()
			li.open("/h5/")
		}
		li.until("the bank form", `!!document.getElementById('bank-form') && document.getElementById('bank-current').textContent !== ''`, nil)
		li.eval(`(() => { document.getElementById('bank-bank').value = '招商银行'; document.getElementById('bank-number').value = 'abc';
			document.getElementById('bank-name').value = '李娜'; document.getElementById('bank-form').requestSubmit(); return 0; })()`, nil)
		var got struct {
			Main, Visible, Detail string
			Retry                 bool
		}
		li.until("the refusal ("+size+")", `(() => { const e = document.querySelector('#bank-error .error'); return e && {
			main: e.querySelector('.error-text').textContent, visible: e.innerText, detail: e.querySelector('.error-detail').textContent,
			retry: !!e.querySelector('.retry') || e.innerText.includes('重试') }; })()`, &got)
		if got.Main != "输入有误，请检查后再提交" {
			t.Errorf("%s: the error reads %q, want the Chinese text", size, got.Main)
		}
		for _, raw := range []string{"request.invalid", "digits", "account_number"} {
			if strings.Contains(got.Visible, raw) {
				t.Errorf("%s: the error shows %q in plain sight: %q", size, raw, got.Visible)
			}
			if !strings.Contains(got.Detail, raw) {
				t.Errorf("%s: the error's details lack %q: %q", size, raw, got.Detail)
			}
		}
		if got.Retry {
			t.Errorf("%s: a refused input offers 重试: %q", size, got.Visible)
		}
	}
	// On the desktop the QR import is linked beside 导入发票, the
	// reports come before the invoice list, and the import actions before
	// both, so lists that load later never move them under a click.
	var home struct {
		Link         string
		ReportsFirst bool
		ImportFirst  bool
	}
	li.eval(`(() => { const a = document.getElementById('pc-import-link');
		return { link: a.offsetParent !== null ? a.getAttribute('href') : '',
			reportsFirst: document.getElementById('reports-section').getBoundingClientRect().top < document.getElementById('invoices-section').getBoundingClientRect().top,
			importFirst: document.getElementById('import').getBoundingClientRect().bottom <= document.getElementById('reports-section').getBoundingClientRect().top }; })()`, &home)
	if home.Link != "/h5/pc-import" || !home.ReportsFirst || !home.ImportFirst {
		t.Errorf("the desktop home page: QR import link %q (want /h5/pc-import), reports first %v, import actions first %v", home.Link, home.ReportsFirst, home.ImportFirst)
	}
	li.phone()

	// The pending sync reads the same after every action: the invoice
	// shows where WeChat is taking it until WeChat has it (the withdrawal
	// runs end to end in TestBrowserWeComWithdraw).
	var badges map[string]string
	li.eval(`(() => {
		const card = (ws, status, sync) => BX.invoiceCard({ id: 'i', wechat_status: ws, report_id: 'r', amount: '1.00', kind: 'other' },
			{ showReport: false, report: { status: status, sync: { state: sync } } }).querySelector('.badges').textContent;
		return { submit: card('INIT', 'submitted', 'pending'), approve: card('LOCK', 'approved', 'pending'),
			reject: card('LOCK', 'rejected', 'pending'), withdraw: card('LOCK', 'withdrawn', 'failed'),
			done: card('CLOSURE', 'approved', 'pending'), synced: card('LOCK', 'submitted', 'synced'),
			// In the home list: "报销中" says "in a report" already, one badge.
			home: BX.invoiceCard({ id: 'i', wechat_status: 'LOCK', report_id: 'r', amount: '1.00', kind: 'other' }).querySelector('.badges').textContent };
	})()`, &badges)
	for action, want := range map[string]string{"submit": "锁定中…", "approve": "核销中…", "reject": "解锁中…", "withdraw": "解锁中…", "done": "已报销", "synced": "报销中", "home": "报销中"} {
		if badges[action] != want {
			t.Errorf("after %s the invoice's badges read %q, want %q", action, badges[action], want)
		}
	}
}

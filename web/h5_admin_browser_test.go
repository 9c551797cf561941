package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The admin page edits an employee at its version, runs the WeCom sync and
// saves the buyer entities, in a real browser.
func TestBrowserAdminPage(t *testing.T) {
	app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	b := startBrowser(t, app)
	tb := b.newTab("admin")
	tb.login("admin", "/h5/admin")
	// Seven demo people: the chain's dir-sun and fin-zhou joined (DECISIONS 45).
	tb.until("the employee table", `document.querySelectorAll('#employees-grid tbody tr').length === 7`, nil)

	tb.click(`tr[data-id="emp-li"]`)
	tb.until("the edit form", `!document.querySelector('#employee-form').hidden`, nil)
	tb.eval(`document.querySelector('#employee-form [name=department]').value = '新部门'`, nil)
	tb.click(`#employee-save`)
	tb.until("the saved department", `[...document.querySelectorAll('tr[data-id="emp-li"] td')].some(td => td.textContent === '新部门')`, nil)

	tb.click(`#new-employee`)
	tb.until("the new-employee form", `!document.querySelector('#employee-form').hidden && !document.querySelector('#employee-form [name=id]').disabled`, nil)
	tb.eval(`(() => { const f = document.querySelector('#employee-form'); f.querySelector('[name=id]').value = 'emp-new'; f.querySelector('[name=name]').value = '新人'; return 0; })()`, nil)
	// The approver is picked from the directory by name (issue 19).
	tb.run("search the approver", chromedp.SendKeys("#manager-search", "赵", chromedp.ByQuery))
	var options []string
	tb.until("the matches", `(() => { const r = document.getElementById('manager-results'); return r.dataset.q === '赵' ? Array.from(r.querySelectorAll('.pick-option')).map(b => b.dataset.id) : null; })()`, &options)
	if strings.Join(options, " ") != "mgr-zhao" {
		t.Errorf("searching 赵 offers %q, want mgr-zhao", options)
	}
	tb.click(`#manager-results .pick-option[data-id="mgr-zhao"]`)
	var picked string
	tb.until("the pick", `document.getElementById('manager-picker').dataset.value === 'mgr-zhao' && document.getElementById('manager-picked').textContent`, &picked)
	if !strings.Contains(picked, "赵磊") {
		t.Errorf("the picked approver shows %q, want the name 赵磊", picked)
	}
	tb.click(`#employee-save`)
	tb.until("the new employee", `!!document.querySelector('tr[data-id="emp-new"]')`, nil)

	tb.eval(`window.scrollTo(0, 0)`, nil) // the sticky top bar must not cover the button
	tb.click(`#sync-work`)
	tb.until("the sync summary", `!!document.querySelector('#sync-summary')`, nil)

	tb.until("the buyer entities", `document.querySelectorAll('#buyers .buyer').length === 1`, nil)
	tb.eval(`document.querySelector('#buyers .buyer [name=title]').value = '示例科技（上海）有限公司'`, nil)
	tb.click(`#company-save`)
	tb.screenshot("admin")

	admin := app.Login(t, "admin")
	for i := 0; ; i++ {
		co := admin.Do(http.MethodGet, "/api/v1/admin/company", nil)
		buyers, _ := co.JSON["buyers"].([]any)
		if co.JSON["version"] == float64(2) && len(buyers) == 1 && buyers[0].(map[string]any)["title"] == "示例科技（上海）有限公司" {
			break
		}
		if i == 100 {
			t.Fatalf("company not saved: %s", co.Body)
		}
		tb.eval(`0`, nil) // let the page's PUT land
	}
	if e := admin.Do(http.MethodGet, "/api/v1/admin/employees/emp-li", nil); e.JSON["department"] != "新部门" {
		t.Fatalf("emp-li %s", e.Body)
	}
	if e := admin.Do(http.MethodGet, "/api/v1/admin/employees/emp-new", nil); e.JSON["manager_id"] != "mgr-zhao" {
		t.Fatalf("emp-new's approver: %s", e.Body)
	}

	// At desktop width each role box has its label beside it, on one line
	// with the others (issue 19: they stood on rows of their own, the label
	// below the box).
	tb.desktop()
	tb.eval(`window.scrollTo(0, 0)`, nil)
	tb.click(`#new-employee`)
	var rows []struct {
		Box   map[string]float64 `json:"box"`
		Label map[string]float64 `json:"label"`
	}
	tb.until("the role boxes", `(() => {
		const ls = Array.from(document.querySelectorAll('#employee-roles label.check'));
		if (ls.length !== 5 || document.getElementById('employee-form').hidden) return null;
		const r = n => { const b = n.getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; };
		return ls.map(l => {
			const range = document.createRange();
			range.selectNodeContents(l);
			range.setStartAfter(l.querySelector('input'));
			return {box: r(l.querySelector('input')), label: r(range)};
		});
	})()`, &rows)
	for i, r := range rows {
		midBox := (r.Box["top"] + r.Box["bottom"]) / 2
		if r.Label["left"] < r.Box["right"] || midBox < r.Label["top"] || midBox > r.Label["bottom"] {
			t.Errorf("role %d: the label %v is not beside its box %v", i, r.Label, r.Box)
		}
		if i > 0 && r.Box["top"] != rows[0].Box["top"] {
			t.Errorf("role %d's box is on another line (top %v, the first's %v)", i, r.Box["top"], rows[0].Box["top"])
		}
	}
	tb.phone()
}

package web_test

import (
	"net/http"
	"testing"

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
	tb.eval(`(() => { const f = document.querySelector('#employee-form'); f.querySelector('[name=id]').value = 'emp-new'; f.querySelector('[name=name]').value = '新人'; f.querySelector('[name=manager_id]').value = 'mgr-zhao'; return 0; })()`, nil)
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
}

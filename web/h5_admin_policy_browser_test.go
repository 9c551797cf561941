package web_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The admin page edits the approval policy as a form of steps that
// round-trips the JSON document: what the API answers is what the form
// shows and writes back, and a policy built in the form is saved as
// entered, at the version read.
func TestBrowserAdminPolicyForm(t *testing.T) {
	t.Parallel()
	app := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	admin := app.Login(t, "admin")
	b := startBrowser(t, app)
	tb := b.newTab("admin")
	tb.login("admin", "/h5/admin")
	tb.until("the policy form", `document.querySelectorAll('#policy-form .policy-step').length === 1 && !!document.getElementById('policy-form').dataset.version`, nil)
	v0 := checkPolicyRoundTrip(t, tb, admin)

	// Step 1 stays the manager; add director (level 2) above 500.00 and
	// an `all` step of two named employees in 财务部 that refuses when
	// empty; move the director's step up; turn the auto-approval on.
	set := func(step int, name, value string) {
		t.Helper()
		tb.eval(`(() => {
			const n = document.querySelector('#policy-form .policy-step[data-step="`+itoa(step)+`"] [name=`+name+`]');
			n.value = `+jsString(value)+`;
			n.dispatchEvent(new Event('input', { bubbles: true }));
			n.dispatchEvent(new Event('change', { bubbles: true }));
			return 0; })()`, nil)
	}
	tb.click("#policy-add")
	tb.until("a second step", `document.querySelectorAll('#policy-form .policy-step').length === 2`, nil)
	set(2, "name", "会签")
	set(2, "approvers", "users")
	tb.until("the users field", `!document.querySelector('.policy-step[data-step="2"] .policy-users').closest('.field').hidden && document.querySelector('.policy-step[data-step="2"] [name=role]').closest('label').hidden`, nil)
	// The two named employees are picked by name (issue 19: the field took
	// typed ids); the step saves their ids.
	pick := func(query, id string) {
		t.Helper()
		tb.run("search "+query, chromedp.SendKeys(`.policy-step[data-step="2"] .policy-users .picker-search`, query, chromedp.ByQuery))
		tb.until("the match "+id, `(() => { const r = document.querySelector('.policy-step[data-step="2"] .policy-users .picker-results'); return r.dataset.q === `+jsString(query)+` && !!r.querySelector('.pick-option[data-id="`+id+`"]'); })()`, nil)
		tb.click(`.policy-step[data-step="2"] .policy-users .pick-option[data-id="` + id + `"]`)
		tb.until("the chip "+id, `!!document.querySelector('.policy-step[data-step="2"] .policy-users .chip[data-id="`+id+`"]')`, nil)
	}
	pick("陈静", "fin-chen")
	pick("周", "fin-zhou")
	chips := func(step int) []string {
		t.Helper()
		var out []string
		tb.until("the chips", `(() => { const c = Array.from(document.querySelectorAll('.policy-step[data-step="`+itoa(step)+`"] .policy-users .chip')).map(c => c.textContent); return c.length === 2 && c.every(x => x.includes('（')) ? c : null; })()`, &out)
		return out
	}
	if got := chips(2); !reflect.DeepEqual(got, []string{"陈静（fin-chen）×", "周敏（fin-zhou）×"}) {
		t.Errorf("the chosen show %q, want their names", got)
	}
	set(2, "mode", "all")
	set(2, "departments", "财务部")
	set(2, "if_empty", "refuse")
	tb.click("#policy-add")
	set(3, "name", "总监审批")
	set(3, "approvers", "manager")
	set(3, "level", "2")
	set(3, "amount_above", "500.00")
	tb.click(`.policy-step[data-step="3"] .step-up`)
	tb.until("the director at step 2", `document.querySelector('.policy-step[data-step="2"] [name=name]').value === '总监审批'`, nil)
	tb.click("#policy-auto")
	tb.screenshot("admin-policy")
	tb.click("#policy-save")
	tb.until("the saved version", `document.getElementById('policy-form').dataset.version === '`+itoa(v0+1)+`'`, nil)

	got := admin.Do(http.MethodGet, "/api/v1/admin/approval-policy", nil)
	if got.Status != http.StatusOK || got.JSON["version"] != float64(v0+1) || got.JSON["auto_approve_repeated"] != true {
		t.Fatalf("saved policy: %d %s", got.Status, got.Body)
	}
	want := []map[string]any{
		{"name": "主管审批", "approvers": "manager", "level": 1.0, "mode": "any", "amount_above": nil, "if_empty": "skip"},
		{"name": "总监审批", "approvers": "manager", "level": 2.0, "mode": "any", "amount_above": "500.00", "if_empty": "skip"},
		{"name": "会签", "approvers": "users", "users": []any{"fin-chen", "fin-zhou"}, "mode": "all", "amount_above": nil, "departments": []any{"财务部"}, "if_empty": "refuse"},
	}
	steps, _ := got.JSON["steps"].([]any)
	if len(steps) != len(want) {
		t.Fatalf("saved steps: %s", got.Body)
	}
	for i, s := range steps {
		if !reflect.DeepEqual(s, map[string]any(want[i])) {
			t.Errorf("step %d = %v, want %v", i+1, s, want[i])
		}
	}

	// Reloaded, the form shows what was saved and writes it back unchanged.
	tb.open("/h5/admin")
	tb.until("the saved policy", `document.querySelectorAll('#policy-form .policy-step').length === 3`, nil)
	checkPolicyRoundTrip(t, tb, admin)
	// The saved ids are shown by name again (looked up, not typed).
	tb.until("the names looked up", `Array.from(document.querySelectorAll('.policy-step[data-step="3"] .policy-users .chip')).map(c => c.textContent).join(' ') === '陈静（fin-chen）× 周敏（fin-zhou）×'`, nil)

	// A step the server refuses says which field; an edit from the JSON
	// side reaches the form.
	set(2, "level", "11")
	tb.click("#policy-save")
	tb.until("the refusal", `document.getElementById('policy-error').textContent.includes('steps[1].level')`, nil)
	tb.click("#policy-json summary")
	tb.eval(`(() => { const d = JSON.parse(document.getElementById('policy-doc').value); d.steps.pop(); d.steps[1].level = 3; document.getElementById('policy-doc').value = JSON.stringify(d); return 0; })()`, nil)
	tb.click("#policy-apply")
	tb.until("two steps from the JSON", `document.querySelectorAll('#policy-form .policy-step').length === 2 && document.querySelector('.policy-step[data-step="2"] [name=level]').value === '3'`, nil)
	tb.click("#policy-save")
	tb.until("saved again", `document.getElementById('policy-error').childElementCount === 0 && document.getElementById('policy-form').dataset.version === '`+itoa(v0+2)+`'`, nil)
	if got := admin.Do(http.MethodGet, "/api/v1/admin/approval-policy", nil); got.JSON["version"] != float64(v0+2) || len(got.JSON["steps"].([]any)) != 2 {
		t.Fatalf("after the JSON edit: %s", got.Body)
	}
}

// checkPolicyRoundTrip: the JSON the form writes equals the policy the
// API answers (less its version and audit fields).
// It answers the policy's version.
func checkPolicyRoundTrip(t *testing.T, tb *tab, admin *testkit.Client) int {
	t.Helper()
	res := admin.Do(http.MethodGet, "/api/v1/admin/approval-policy", nil)
	want := map[string]any{"auto_approve_repeated": res.JSON["auto_approve_repeated"], "steps": res.JSON["steps"]}
	var doc string
	tb.eval(`document.getElementById('policy-doc').value`, &doc)
	var got map[string]any
	if err := json.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatalf("the page's JSON: %v\n%s", err, doc)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the form writes %v, the API answers %v", got, want)
	}
	v, _ := res.JSON["version"].(float64)
	return int(v)
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

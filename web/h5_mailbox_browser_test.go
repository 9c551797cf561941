package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The employee's page shows their own mailbox address (DECISIONS 48), the
// one /api/v1/me answers.
func TestBrowserShowsIntakeAddress(t *testing.T) {
	app := testkit.App(t, testkit.SQLite(t), testkit.WithEnv("BAOXIAO_INTAKE_IMAP_ADDRESS=fapiao@corp.example"))
	want, _ := app.Login(t, "emp-li").Do(http.MethodGet, "/api/v1/me", nil).JSON["intake_address"].(string)
	if !strings.HasPrefix(want, "fapiao+") {
		t.Fatalf("intake address %q", want)
	}
	b := startBrowser(t, app)
	li := b.newTab("emp-li")
	li.login("emp-li", "/h5/")
	li.until("the address shown", `!document.querySelector('#intake-mail').hidden`, nil)
	var got string
	li.eval(`document.querySelector('#intake-address').textContent`, &got)
	if got != want {
		t.Fatalf("page shows %q, want %q", got, want)
	}
}

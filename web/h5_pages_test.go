package web

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/sandbox"
)

// h5ErrorText matches one entry of common.js's T table for an error code:
// 'err_<code>': ['<Chinese>', '<English>'].
var h5ErrorText = regexp.MustCompile(`(?m)^\s*'?err_([a-z_.]+)'?:\s*\[\s*'((?:[^'\\]|\\.)*)',\s*'((?:[^'\\]|\\.)*)'\s*\]`)

// TestEveryErrorCodeHasPageText: every code the server can answer has a
// Chinese and an English text in the pages, so no page shows a raw code or
// an English server message as its main text (issue 19).
func TestEveryErrorCodeHasPageText(t *testing.T) {
	src, err := h5Files.ReadFile("h5/common.js")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string][2]string{}
	for _, m := range h5ErrorText.FindAllStringSubmatch(string(src), -1) {
		texts[m[1]] = [2]string{m[2], m[3]}
	}
	codes := map[string]bool{"network": true, "timeout": true} // the page's own
	for _, e := range append(domain.AllErrors(), webErrors()...) {
		codes[e.Code] = true
	}
	for code := range statusByCode {
		codes[code] = true
	}
	var sorted []string
	for c := range codes {
		sorted = append(sorted, c)
	}
	sort.Strings(sorted)
	for _, code := range sorted {
		pair, ok := texts[code]
		switch {
		case !ok:
			t.Errorf("common.js has no text for the error code %q: add 'err_%s': ['中文', 'English']", code, code)
		case !hasHan(pair[0]):
			t.Errorf("err_%s's Chinese text %q has no Chinese", code, pair[0])
		case pair[1] == "" || hasHan(pair[1]):
			t.Errorf("err_%s's English text is %q", code, pair[1])
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestLoginPageNamesTheDemoUsers: the sandbox login page lists the demo
// users by name (issue 19), the names of the sandbox's own directory.
func TestLoginPageNamesTheDemoUsers(t *testing.T) {
	src, err := h5Files.ReadFile("h5/login.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range sandbox.DemoUsers {
		entry := fmt.Sprintf("{ user: '%s', name: '%s'", u.ID, u.Name)
		if !strings.Contains(string(src), entry) {
			t.Errorf("login.js's DEMO lacks %s", entry)
		}
	}
}

func TestHomePage(t *testing.T) {
	for _, tc := range []struct {
		roles []domain.Role
		want  string
	}{
		{[]domain.Role{domain.RoleEmployee}, "/h5/"},
		{[]domain.Role{domain.RoleEmployee, domain.RoleApprover}, "/h5/approve"},
		{[]domain.Role{domain.RoleEmployee, domain.RoleFinance}, "/h5/finance"},
		{[]domain.Role{domain.RoleEmployee, domain.RoleCashier}, "/h5/finance"},
		{[]domain.Role{domain.RoleEmployee, domain.RoleAdmin}, "/h5/admin"},
		{[]domain.Role{domain.RoleEmployee, domain.RoleAdmin, domain.RoleFinance}, "/h5/finance"},
		{[]domain.Role{domain.RoleEmployee, domain.RoleAdmin, domain.RoleApprover, domain.RoleFinance}, "/h5/approve"},
	} {
		if got := homePage(tc.roles); got != tc.want {
			t.Errorf("homePage(%v) = %q, want %q", tc.roles, got, tc.want)
		}
	}
}

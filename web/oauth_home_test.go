package web_test

import (
	"testing"
)

// TestOAuthLandsOnTheRoleHome (issue 19): WeChat's sign-in without a page
// in mind ("/h5/", where "/" leads) ends on the user's own page; a page
// asked for is kept.
func TestOAuthLandsOnTheRoleHome(t *testing.T) {
	t.Parallel()
	live, sbURL := liveWithSandbox(t)
	for _, tc := range []struct{ user, next, want string }{
		{"emp-li", "/h5/", "/h5/"},
		{"mgr-zhao", "/h5/", "/h5/approve"},
		{"fin-chen", "", "/h5/finance"},
		{"admin", "/h5/", "/h5/admin"},
		{"fin-chen", "/h5/#report/x", "/h5/"},
		{"admin", "/h5/finance", "/h5/finance"},
	} {
		phone := &qrPhone{t: t, base: live.URL}
		if got := phone.signIn(sbURL, demoOpenID(t, tc.user), tc.next).Path; got != tc.want {
			t.Errorf("%s signing in with next %q landed on %s, want %s", tc.user, tc.next, got, tc.want)
		}
	}
}

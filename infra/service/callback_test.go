package service_test

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

// sha1Sorted is WeChat's callback signature, computed here on its own.
func sha1Sorted(parts ...string) string {
	sort.Strings(parts)
	h := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(h[:])
}

func TestOACallbackURLVerification(t *testing.T) {
	// The protocol's vector: token baoxiao, timestamp 1700000000, nonce 42.
	if got := sha1Sorted("baoxiao", "1700000000", "42"); got != "e1969cde761fd26b84063d0629a65bda25213cf6" {
		t.Fatalf("vector: %s", got)
	}
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=baoxiao"))
	c := a.Client(t)
	ok := c.Get(a.URL + "/wechat/oa/callback?signature=e1969cde761fd26b84063d0629a65bda25213cf6&timestamp=1700000000&nonce=42&echostr=hello")
	if ok.Status != http.StatusOK || string(ok.Body) != "hello" {
		t.Fatalf("verification: %d %q", ok.Status, ok.Body)
	}
	bad := c.Get(a.URL + "/wechat/oa/callback?signature=0000&timestamp=1700000000&nonce=42&echostr=hello")
	if bad.Status != http.StatusUnauthorized || strings.Contains(string(bad.Body), "hello") {
		t.Fatalf("bad signature: %d %q", bad.Status, bad.Body)
	}
	// A forged event is refused before anything is read.
	res := c.Get(a.URL + "/wechat/oa/callback?signature=x&timestamp=1&nonce=2")
	if res.Status != http.StatusUnauthorized {
		t.Fatalf("forged: %d", res.Status)
	}
}

// In live mode the sandbox and its demo login do not exist.
func TestLiveModeHasNoSandbox(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	live := testkit.LiveApp(t, testkit.SQLite(t), a.URL+"/sandbox")
	c := live.Client(t)
	if res := c.Do(http.MethodPost, "/auth/sandbox/login", map[string]any{"user": "emp-li"}); res.Status != http.StatusNotFound {
		t.Fatalf("sandbox login in live mode: %d", res.Status)
	}
	for _, p := range []string{"/sandbox/cgi-bin/token", "/sandbox/_control/faults", "/sandbox/jweixin.js"} {
		if res := c.Get(live.URL + p); res.Status != http.StatusNotFound {
			t.Errorf("%s in live mode: %d", p, res.Status)
		}
	}
}

package service_test

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// sha1Sorted is WeChat's callback signature, computed here on its own.
func sha1Sorted(parts ...string) string {
	sort.Strings(parts)
	h := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(h[:])
}

// fixedClock pins the service's clock.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c).UTC() }

func TestOACallbackURLVerification(t *testing.T) {
	// The protocol's vector: token baoxiao, timestamp 1700000000, nonce 42.
	if got := sha1Sorted("baoxiao", "1700000000", "42"); got != "e1969cde761fd26b84063d0629a65bda25213cf6" {
		t.Fatalf("vector: %s", got)
	}
	const vector = "/wechat/oa/callback?signature=e1969cde761fd26b84063d0629a65bda25213cf6&timestamp=1700000000&nonce=42&echostr=hello"
	// The vector's timestamp is current for a clock pinned a minute later.
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=baoxiao"),
		testkit.WithService(func(o *service.Options) { o.Clock = fixedClock(time.Unix(1700000060, 0)) }))
	c := a.Client(t)
	ok := c.Get(a.URL + vector)
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

	// On the system clock the same signed check is years old: refused.
	now := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=baoxiao"))
	old := now.Client(t).Get(now.URL + vector)
	if old.Status != http.StatusUnauthorized || old.ErrorCode() != "signature.replayed" || strings.Contains(string(old.Body), "hello") {
		t.Fatalf("a 2023 timestamp: %d %s", old.Status, old.Body)
	}
}

// cbEvent is an update_invoice_status push for one invoice of ours.
type cbEvent struct {
	owner, cardID, status string
	createTime            int64
}

func (e cbEvent) xml() string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[update_invoice_status]]></Event>"+
		"<Status><![CDATA[%s]]></Status><CardId><![CDATA[%s]]></CardId><Code><![CDATA[plain]]></Code></xml>",
		e.owner, e.createTime, e.status, e.cardID)
}

// postCallback posts an XML body to the OA callback URL with query q.
func postCallback(t *testing.T, a *testkit.AppServer, q url.Values, body string) (int, string) {
	t.Helper()
	res, err := http.Post(a.URL+"/wechat/oa/callback?"+q.Encode(), "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		return res.StatusCode, string(b)
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return res.StatusCode, e.Error.Code
}

// Issue 15 item 4: with an EncodingAESKey, a plaintext push is refused
// even when its signature is right (that signature covers neither the body
// nor a fresh time); an encrypted push must be recent; a fresh encrypted
// push is applied once, however often it arrives; and the sandbox's own
// pushes meet these rules.
func TestOACallbackWithAESKey(t *testing.T) {
	key := base64.RawStdEncoding.EncodeToString([]byte("callback-test-key-0123456789abcd"))
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithEnv("BAOXIAO_WECHAT_OA_ENCODING_AES_KEY="+key))
		li := a.Login(t, "emp-li")
		inv := importN(t, a, li, 1)[0]
		ev := cbEvent{owner: me(t, li)["openid"].(string), cardID: inv["card_id"].(string), status: "INVOICE_REIMBURSE_INIT", createTime: time.Now().Unix()}
		tok := config.SandboxOACallbackToken
		rereads := func() int {
			items, _ := a.Sandbox(t, http.MethodGet, "/_control/calls?path=getinvoiceinfo", nil).JSON["items"].([]any)
			return len(items)
		}
		encrypted := func(at time.Time, e cbEvent) (url.Values, string) {
			enc, err := util.EncryptMsg([]byte("0123456789abcdef"), []byte(e.xml()), a.Cfg.WeChat.OA.AppID, key)
			if err != nil {
				t.Fatal(err)
			}
			ts := strconv.FormatInt(at.Unix(), 10)
			q := url.Values{"timestamp": {ts}, "nonce": {"7"}, "encrypt_type": {"aes"},
				"signature": {sha1Sorted(tok, ts, "7")}, "msg_signature": {sha1Sorted(tok, ts, "7", string(enc))}}
			return q, "<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><Encrypt><![CDATA[" + string(enc) + "]]></Encrypt></xml>"
		}
		a.Sandbox(t, http.MethodDelete, "/_control/calls", nil)

		t.Run("a plaintext push with a right signature is refused", func(t *testing.T) {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			q := url.Values{"timestamp": {ts}, "nonce": {"7"}, "signature": {sha1Sorted(tok, ts, "7")}}
			if status, code := postCallback(t, a, q, ev.xml()); status != http.StatusUnauthorized || code != "signature.invalid" {
				t.Fatalf("plaintext with a key: %d %s", status, code)
			}
			if n := rereads(); n != 0 {
				t.Fatalf("the refused push re-read %d invoices", n)
			}
		})
		t.Run("an encrypted push 10 minutes old is refused", func(t *testing.T) {
			q, body := encrypted(time.Now().Add(-10*time.Minute), ev)
			if status, code := postCallback(t, a, q, body); status != http.StatusUnauthorized || code != "signature.replayed" {
				t.Fatalf("stale: %d %s", status, code)
			}
			if n := rereads(); n != 0 {
				t.Fatalf("the refused push re-read %d invoices", n)
			}
		})
		t.Run("a fresh encrypted push is applied once", func(t *testing.T) {
			for i := range 3 {
				q, body := encrypted(time.Now(), ev)
				if status, got := postCallback(t, a, q, body); status != http.StatusOK || got != "success" {
					t.Fatalf("push %d: %d %s", i, status, got)
				}
			}
			if n := rereads(); n != 1 {
				t.Fatalf("%d re-reads for one event delivered 3 times, want 1", n)
			}
		})
		t.Run("the sandbox's encrypted pushes are accepted", func(t *testing.T) {
			redFlush(t, a, inv)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				got := li.Do(http.MethodGet, "/api/v1/invoices/"+inv["id"].(string), nil).JSON
				if got["wechat_status"] == "CANCEL" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the CANCEL push was not applied; pushes: %s", a.Sandbox(t, http.MethodGet, "/_control/events", nil).Body)
				}
			}
		})
	})
}

// In plaintext mode too a signed push must be recent.
func TestOAPlaintextCallbackWindow(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	tok := config.SandboxOACallbackToken
	body := cbEvent{owner: "o-nobody", cardID: "pNone", status: "INVOICE_REIMBURSE_INIT", createTime: 1}.xml()
	for _, tt := range []struct {
		name   string
		at     time.Time
		status int
		code   string
	}{
		{"now", time.Now(), http.StatusOK, "success"},
		{"6 minutes ago", time.Now().Add(-6 * time.Minute), http.StatusUnauthorized, "signature.replayed"},
		{"6 minutes ahead", time.Now().Add(6 * time.Minute), http.StatusUnauthorized, "signature.replayed"},
	} {
		ts := strconv.FormatInt(tt.at.Unix(), 10)
		q := url.Values{"timestamp": {ts}, "nonce": {"9"}, "signature": {sha1Sorted(tok, ts, "9")}}
		if status, code := postCallback(t, a, q, body); status != tt.status || code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, code, tt.status, tt.code)
		}
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

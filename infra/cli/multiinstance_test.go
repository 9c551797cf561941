package cli_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// freePort finds a loopback port nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "baoxiao")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/baoxiao/baoxiao")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// process runs the binary until the test ends, logging to the test.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func start(t *testing.T, bin string, env []string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "level=ERROR") {
				t.Logf("%s: %s", args[0], sc.Text())
			}
		}
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", base)
}

// Three `baoxiao serve` processes in live mode share one MariaDB and one
// Redis and talk to a standalone WeChat sandbox. They start together (the
// migrations must not trip over each other), share sessions, one token,
// and the outbox; the whole workflow runs across all three.
func TestThreeInstances(t *testing.T) {
	redisURL := os.Getenv("REDIS_TEST_URL")
	if redisURL == "" || os.Getenv("MYSQL_TEST_DSN") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true needs MYSQL_TEST_DSN and REDIS_TEST_URL for the multi-instance test")
		}
		t.Skip("needs MYSQL_TEST_DSN and REDIS_TEST_URL")
	}
	bin := buildBinary(t)
	dsn := testkit.MySQLDSN(t)
	// A Redis database of our own, emptied: a token cached by an earlier
	// run would hide the shared refresh this test is about.
	redisDB := freshRedisDB(t, redisURL)

	sbAddr := freePort(t)
	sbURL := "http://" + sbAddr
	addrs := []string{freePort(t), freePort(t), freePort(t)}
	urls := make([]string, len(addrs))
	origins := make([]string, len(addrs))
	for i, a := range addrs {
		urls[i] = "http://" + a
		origins[i] = urls[i]
	}
	start(t, bin, []string{"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_LOG_LEVEL=warn"},
		"sandbox", "--listen", sbAddr, "--public-base", sbURL, "--callback-base", urls[0])
	waitSandbox(t, sbURL)

	secret := "multi-instance-session-secret-0123456789"
	env := func(i int) []string {
		return []string{
			"BAOXIAO_MODE=live", "BAOXIAO_LISTEN=" + addrs[i], "BAOXIAO_PUBLIC_URL=" + urls[i],
			"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_LOG_LEVEL=warn",
			"BAOXIAO_DATABASE_DRIVER=mysql", "BAOXIAO_DATABASE_DSN=" + dsn,
			"BAOXIAO_CACHE_REDIS_URL=" + redisDB,
			"BAOXIAO_WECHAT_API_BASE=" + sbURL, "BAOXIAO_WECHAT_WORK_API_BASE=" + sbURL, "BAOXIAO_WECHAT_OPEN_BASE=" + sbURL,
			"BAOXIAO_WECHAT_OA_APP_ID=" + config.SandboxOAAppID, "BAOXIAO_WECHAT_OA_APP_SECRET=" + config.SandboxOAAppSecret,
			"BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=" + config.SandboxOACallbackToken,
			"BAOXIAO_WECHAT_WORK_CORP_ID=" + config.SandboxWorkCorpID, "BAOXIAO_WECHAT_WORK_AGENT_ID=" + config.SandboxWorkAgentID,
			"BAOXIAO_WECHAT_WORK_SECRET=" + config.SandboxWorkSecret,
			"BAOXIAO_WECHAT_WORK_CALLBACK_TOKEN=" + config.SandboxWorkCallbackToken,
			"BAOXIAO_WECHAT_WORK_ENCODING_AES_KEY=" + config.SandboxWorkEncodingAESKey,
			"BAOXIAO_AUTH_SESSION_SECRET=" + secret, "BAOXIAO_AUTH_DATA_KEY=multi-instance-data-key-0123456789abcdef",
			"BAOXIAO_H5_ORIGINS=" + strings.Join(origins, ","),
		}
	}
	var wg sync.WaitGroup
	for i := range addrs {
		wg.Go(func() { start(t, bin, env(i), "serve") })
	}
	wg.Wait()
	for _, u := range urls {
		waitReady(t, u)
	}
	seedEmployees(t, dsn)

	li := oauthLogin(t, urls[0], sbURL, "oa", demoOpenID(t, "emp-li"))
	mgr := oauthLogin(t, urls[1], sbURL, "oa", demoOpenID(t, "mgr-zhao"))
	li.base, mgr.base = urls[0], urls[1]

	// Import through instance 0, report through 1, submit through 2.
	wallet := getJSON(t, http.DefaultClient, sbURL+"/_control/wallets/"+demoOpenID(t, "emp-li"))
	var items []map[string]any
	for _, it := range wallet["items"].([]any) {
		m := it.(map[string]any)
		if m["reimburse_status"] == "INVOICE_REIMBURSE_INIT" && len(items) < 3 {
			items = append(items, map[string]any{"card_id": m["card_id"], "encrypt_code": m["encrypt_code"]})
		}
	}
	imp := li.do(t, http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": items})
	var ids []string
	for _, v := range imp["imported"].([]any) {
		ids = append(ids, v.(map[string]any)["id"].(string))
	}
	if len(ids) != 3 {
		t.Fatalf("imported %v", imp)
	}
	li.base = urls[1]
	r := li.do(t, http.MethodPost, "/api/v1/reports", map[string]any{"title": "多实例", "invoice_ids": ids})
	li.base = urls[2]
	li.do(t, http.MethodPost, "/api/v1/reports/"+r["id"].(string)+"/submit", nil)
	mgr.base = urls[0]
	mgr.do(t, http.MethodPost, "/api/v1/reports/"+r["id"].(string)+"/approve", nil)

	// Some instance's worker delivers it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := li.do(t, http.MethodGet, "/api/v1/reports/"+r["id"].(string), nil)
		if got["sync"].(map[string]any)["state"] == "synced" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never synced: %v", got["sync"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, it := range items {
		st := getJSON(t, http.DefaultClient, sbURL+"/_control/invoice?card_id="+url.QueryEscape(it["card_id"].(string))+"&encrypt_code="+url.QueryEscape(it["encrypt_code"].(string)))
		if st["reimburse_status"] != "INVOICE_REIMBURSE_CLOSURE" {
			t.Fatalf("WeChat says %v", st["reimburse_status"])
		}
	}
	// One token for the OA app across all three instances: the cache and
	// its refresh lock are shared through Redis.
	calls := getJSON(t, http.DefaultClient, sbURL+"/_control/calls?path=stable_token")
	if n := len(calls["items"].([]any)); n != 1 {
		t.Fatalf("%d token fetches across three instances, want 1", n)
	}
}

func waitSandbox(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/_control/faults"); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the sandbox never started")
}

func demoOpenID(t *testing.T, id string) string {
	for _, u := range sandbox.DemoUsers {
		if u.ID == id {
			return u.OAOpenID
		}
	}
	t.Fatalf("no demo user %s", id)
	return ""
}

// seedEmployees registers the demo people as employees of the live
// deployment, as an administrator would.
func seedEmployees(t *testing.T, dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, "mysql", dsn, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := newDirectory(store.New(db))
	for _, u := range sandbox.DemoUsers {
		d := domain.EmployeeData{ID: domain.EmployeeID(u.ID), Name: u.Name, ManagerID: domain.EmployeeID(u.ManagerID),
			Identities: []domain.Identity{{Channel: domain.ChannelOA, AppID: config.SandboxOAAppID, OpenID: u.OAOpenID}}}
		for _, r := range u.Roles {
			d.Roles = append(d.Roles, domain.Role(r))
		}
		if _, err := dir.Ensure(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
}

type client struct {
	base string
	http *http.Client
}

func (c *client) do(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		rd = strings.NewReader(mustJSON(body))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	decodeJSON(res.Body, &out)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, out)
	}
	return out
}

func getJSON(t *testing.T, c *http.Client, u string) map[string]any {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	decodeJSON(res.Body, &out)
	return out
}

// oauthLogin signs in through the sandbox's OAuth page, picking openid.
func oauthLogin(t *testing.T, base, sbURL, channel, openid string) *client {
	t.Helper()
	jar := newJar()
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), sbURL+"/connect/oauth2/authorize") {
			q := req.URL.Query()
			q.Set("sandbox_pick", openid)
			req.URL.RawQuery = q.Encode()
		}
		if len(via) > 10 {
			return fmt.Errorf("too many redirects")
		}
		return nil
	}}
	res, err := c.Get(base + "/auth/" + channel + "/start?next=/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	me := map[string]any{}
	decodeJSON(res.Body, &me)
	if res.StatusCode != http.StatusOK || me["openid"] != openid {
		t.Fatalf("oauth sign-in at %s: %d %v", base, res.StatusCode, me)
	}
	return &client{base: base, http: c}
}

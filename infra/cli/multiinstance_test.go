package cli_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

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
	ctx := context.Background()
	bin, err := cluster.Build(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A Redis database of our own, emptied: a token cached by an earlier
	// run would hide the shared refresh this test is about.
	c, err := cluster.Start(ctx, cluster.Options{
		Bin: bin, Dir: t.TempDir(), Instances: 3,
		MySQLDSN: testkit.MySQLDSN(t), RedisURL: freshRedisDB(t, redisURL),
		ErrLog: func(line string) { t.Log(line) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)

	li, err := cluster.Login(ctx, c.URLs[0], c.SandboxURL, "oa", cluster.DemoOpenID("emp-li"))
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := cluster.Login(ctx, c.URLs[1], c.SandboxURL, "oa", cluster.DemoOpenID("mgr-zhao"))
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Import through instance 0, report through 1, submit through 2.
	var wallet struct {
		Items []struct {
			CardID          string `json:"card_id"`
			EncryptCode     string `json:"encrypt_code"`
			ReimburseStatus string `json:"reimburse_status"`
		} `json:"items"`
	}
	must(cluster.GetJSON(ctx, c.SandboxURL+"/_control/wallets/"+cluster.DemoOpenID("emp-li"), &wallet))
	var items []map[string]string
	for _, it := range wallet.Items {
		if it.ReimburseStatus == "INVOICE_REIMBURSE_INIT" && len(items) < 3 {
			items = append(items, map[string]string{"card_id": it.CardID, "encrypt_code": it.EncryptCode})
		}
	}
	var imp struct {
		Imported []struct {
			ID string `json:"id"`
		} `json:"imported"`
	}
	must(li.Do(ctx, http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": items}, &imp))
	var ids []string
	for _, v := range imp.Imported {
		ids = append(ids, v.ID)
	}
	if len(ids) != 3 {
		t.Fatalf("imported %v", imp)
	}
	var r struct {
		ID   string `json:"id"`
		Sync struct {
			State string `json:"state"`
		} `json:"sync"`
	}
	must(li.At(c.URLs[1]).Do(ctx, http.MethodPost, "/api/v1/reports", map[string]any{"title": "多实例", "invoice_ids": ids}, &r))
	must(li.At(c.URLs[2]).Do(ctx, http.MethodPost, "/api/v1/reports/"+r.ID+"/submit", nil, nil))
	must(mgr.At(c.URLs[0]).Do(ctx, http.MethodPost, "/api/v1/reports/"+r.ID+"/approve", nil, nil))

	// Some instance's worker delivers it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		must(li.Do(ctx, http.MethodGet, "/api/v1/reports/"+r.ID, nil, &r))
		if r.Sync.State == "synced" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never synced: %v", r.Sync)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, it := range items {
		var st struct {
			ReimburseStatus string `json:"reimburse_status"`
		}
		must(cluster.GetJSON(ctx, c.SandboxURL+"/_control/invoice?card_id="+url.QueryEscape(it["card_id"])+"&encrypt_code="+url.QueryEscape(it["encrypt_code"]), &st))
		if st.ReimburseStatus != "INVOICE_REIMBURSE_CLOSURE" {
			t.Fatalf("WeChat says %v", st.ReimburseStatus)
		}
	}
	// One token for the OA app across all three instances: the cache and
	// its refresh lock are shared through Redis.
	var calls struct {
		Items []any `json:"items"`
	}
	must(cluster.GetJSON(ctx, c.SandboxURL+"/_control/calls?path=stable_token", &calls))
	if n := len(calls.Items); n != 1 {
		t.Fatalf("%d token fetches across three instances, want 1", n)
	}
}

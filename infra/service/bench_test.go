package service_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/testkit"
	"github.com/baoxiao/baoxiao/web"
)

// BenchmarkJSAPIConfig compares GET /api/v1/jsapi/config (session check,
// origin check, cached ticket, SHA-1) with a bare Fiber JSON handler behind
// the same middleware-free listener, in one run. The goal is a ratio
// (bare ns/op ÷ jsapi ns/op) of at least 0.7.
func BenchmarkJSAPIConfig(b *testing.B) {
	a := testkit.App(b, testkit.SQLite(b), testkit.WithoutWorker())
	c := a.Login(b, "emp-li")
	page := url.QueryEscape(a.URL + "/h5/")
	if res := c.Do(http.MethodGet, "/api/v1/jsapi/config?url="+page, nil); res.Status != http.StatusOK {
		b.Fatalf("warm-up: %d %s", res.Status, res.Body)
	}
	cookie := c.Cookie(a.URL, "baoxiao_session")

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/bare", func(c *fiber.Ctx) error {
		return c.JSON(map[string]any{"channel": "oa", "app_id": "wx", "timestamp": 1, "nonce_str": "n", "signature": "s", "js_api_list": []string{"chooseInvoice"}})
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { _ = web.Serve(ctx, bare, ln, time.Second) }()
	b.Cleanup(cancel)

	run := func(b *testing.B, target string) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest(http.MethodGet, target, nil)
				req.AddCookie(cookie)
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
		})
	}
	b.Run("bare", func(b *testing.B) { run(b, "http://"+ln.Addr().String()+"/bare") })
	b.Run("jsapi_config", func(b *testing.B) { run(b, a.URL+"/api/v1/jsapi/config?url="+page) })
}

// BenchmarkApproveToClosure approves b.N submitted reports at 50 per
// second with the outbox worker running, and reports how long each
// approval took to reach WeChat (CLOSURE outbox row created → marked done
// after WeChat said ok). Seeding the reports is outside the timer.
func BenchmarkApproveToClosure(b *testing.B) {
	a := testkit.App(b, testkit.SQLite(b))
	li, mgr := a.Login(b, "emp-li"), a.Login(b, "mgr-zhao")
	openid := me(b, li)["openid"].(string)
	ids := make([]string, b.N)
	for i := range ids {
		res := a.Sandbox(b, http.MethodPost, "/_control/invoices", map[string]any{
			"owner_openid": openid, "channel": "oa", "type": "增值税电子普通发票", "payee": "压测商户",
			"fee": 100, "fee_without_tax": 100, "tax": 0, "billing_time": 1760000000,
			"billing_no": fmt.Sprintf("7%07d", i), "billing_code": "044037770001",
		})
		imp := li.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": []map[string]any{
			{"card_id": res.JSON["card_id"], "encrypt_code": res.JSON["encrypt_code"]}}})
		inv := imp.JSON["imported"].([]any)[0].(map[string]any)
		r := createReport(b, li, []map[string]any{inv})
		act(b, li, r, "submit", nil, http.StatusOK)
		ids[i] = r["id"].(string)
	}
	// Submit's own writes (LOCK) drain before the clock starts.
	for a.Pending(b) > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	b.ResetTimer()
	tick := time.NewTicker(20 * time.Millisecond) // 50 reports/s
	for _, id := range ids {
		<-tick.C
		if res := mgr.Do(http.MethodPost, "/api/v1/reports/"+id+"/approve", nil); res.Status != http.StatusOK {
			b.Fatalf("approve: %d %s", res.Status, res.Body)
		}
	}
	tick.Stop()
	for a.Pending(b) > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	var rows []struct {
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	if err := a.DB.DB.NewSelect().Table("outbox").Column("created_at", "updated_at").
		Where("state = 'done'").Where("target_status = ?", string(domain.StatusClosure)).
		Scan(context.Background(), &rows); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, len(rows))
	for i, r := range rows {
		lat[i] = r.UpdatedAt.Sub(r.CreatedAt)
	}
	slices.Sort(lat)
	if len(lat) != b.N {
		b.Fatalf("%d CLOSURE rows done, want %d", len(lat), b.N)
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95_ms")
}

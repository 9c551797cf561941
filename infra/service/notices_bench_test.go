package service_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/app/notify"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// BenchmarkNoticeSubmitToFirstDelivered submits reports at 20 per second
// with the notice worker running and reports how long from the submit
// request to the approver's notice being delivered (the sandbox answered
// the WeCom send), p50 and p95.
func BenchmarkNoticeSubmitToFirstDelivered(b *testing.B) {
	a := testkit.App(b, testkit.SQLite(b))
	li := a.Login(b, "emp-li")
	openid := me(b, li)["openid"].(string)
	const reports = 60
	var rs []map[string]any
	for i := range reports {
		res := a.Sandbox(b, http.MethodPost, "/_control/invoices", map[string]any{
			"owner_openid": openid, "channel": "oa", "type": "增值税电子普通发票", "payee": "压测商户",
			"fee": 100, "fee_without_tax": 100, "tax": 0, "billing_time": 1760000000,
			"billing_no": fmt.Sprintf("8%07d", i), "billing_code": "044037770002",
		})
		imp := li.Do(http.MethodPost, "/api/v1/invoices/import", map[string]any{"items": []map[string]any{
			{"card_id": res.JSON["card_id"], "encrypt_code": res.JSON["encrypt_code"]}}})
		inv := imp.JSON["imported"].([]any)[0].(map[string]any)
		rs = append(rs, createReport(b, li, []map[string]any{inv}))
	}
	b.ResetTimer()
	started := map[string]time.Time{}
	tick := time.NewTicker(50 * time.Millisecond)
	for _, r := range rs {
		<-tick.C
		started[r["id"].(string)] = time.Now()
		act(b, li, r, "submit", nil, http.StatusOK)
	}
	tick.Stop()
	for pendingNotices(b, a) > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	var rows []struct {
		ReportID    string
		DeliveredAt time.Time
	}
	if err := a.DB.DB.NewSelect().Table("notices").Column("report_id", "delivered_at").
		Where("event = ?", notify.EventStepPending).Where("state = 'done'").Scan(context.Background(), &rows); err != nil {
		b.Fatal(err)
	}
	if len(rows) != reports {
		b.Fatalf("%d notices delivered, want %d", len(rows), reports)
	}
	lat := make([]time.Duration, len(rows))
	for i, r := range rows {
		lat[i] = r.DeliveredAt.Sub(started[r.ReportID])
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95_ms")
}

// BenchmarkNoticeFanout1000 queues 1,000 action-needed notices at once
// (1,000 pending approvals across the demo approvers, WeCom members and
// OA followers) and measures how long the worker takes to deliver them
// all.
func BenchmarkNoticeFanout1000(b *testing.B) {
	a := testkit.App(b, testkit.SQLite(b))
	notices := store.NewNotices(a.DB.DB)
	approvers := []domain.EmployeeID{"mgr-zhao", "dir-sun", "fin-chen", "fin-zhou", "admin"}
	const n = 1000
	var total time.Duration
	for round := range b.N {
		drafts := make([]app.NoticeDraft, n)
		now := time.Now()
		for i := range drafts {
			drafts[i] = app.NoticeDraft{
				Key: fmt.Sprintf("bench/%d/%d", round, i), Event: notify.EventStepPending, ReportID: domain.ReportID(fmt.Sprintf("rpt_bench_%d_%d", round, i)),
				Recipient: approvers[i%len(approvers)], Step: 1, Title: "待您审批：压测", Body: "报销单 压测，金额 ¥1.00，第1步待您审批。", Inbox: true, At: now,
			}
		}
		start := time.Now()
		if err := notices.QueueNotices(context.Background(), drafts); err != nil {
			b.Fatal(err)
		}
		a.Svc.NoticeWorker.Wake()
		for pendingNotices(b, a) > 0 {
			time.Sleep(5 * time.Millisecond)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/1000")
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "notices/s")
}

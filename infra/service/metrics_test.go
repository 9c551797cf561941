package service_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/testkit"
)

func TestMetrics(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t), testkit.WithoutWorker())
	li, mgr := a.Login(t, "emp-li"), a.Login(t, "mgr-zhao")
	invs := importN(t, a, li, 1)
	report := createReport(t, li, invs)
	act(t, li, report, "submit", nil, http.StatusOK)
	act(t, mgr, report, "approve", nil, http.StatusOK)

	res := a.Client(t).Get(a.URL + "/metrics")
	body := string(res.Body)
	if res.Status != http.StatusOK {
		t.Fatalf("metrics: %d", res.Status)
	}
	for _, want := range []string{
		`baoxiao_http_requests_total{method="POST",route="/api/v1/reports/:id/submit",status="200"}`,
		`baoxiao_http_request_duration_seconds_bucket{method="POST",route="/api/v1/invoices/import"`,
		`baoxiao_wechat_calls_total{api="updatestatusbatch",channel="oa",errcode="0"}`,
		`baoxiao_wechat_call_duration_seconds_count{api="getinvoiceinfo",channel="oa"}`,
		`baoxiao_wechat_token_refreshes_total{channel="oa"}`,
		"baoxiao_outbox_pending 1",
		"baoxiao_outbox_failed 0",
		"baoxiao_outbox_oldest_pending_seconds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.Contains(line, "access_token=") || strings.Contains(line, a.Cfg.WeChat.OA.AppSecret.Reveal()) {
			t.Errorf("metrics leak a token or secret: %s", line)
		}
	}
}

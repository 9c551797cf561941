package wechat

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// WeChat call metrics: by channel and API name, never by URL (it carries
// the token).
var (
	wechatCalls = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "baoxiao_wechat_calls_total", Help: "WeChat API calls by channel, API and errcode (-2: no answer; HTTP errors as http_<status>).",
	}, []string{"channel", "api", "errcode"})
	wechatDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "baoxiao_wechat_call_duration_seconds", Help: "WeChat API call latency.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"channel", "api"})
	tokenRefreshes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "baoxiao_wechat_token_refreshes_total", Help: "Access tokens fetched from WeChat, by channel.",
	}, []string{"channel"})
)

func (c *Client) observeCall(api string, status, errcode int, failed bool, took time.Duration) {
	code := strconv.Itoa(errcode)
	switch {
	case status == 0 && failed:
		code = "-2"
	case status >= 300:
		code = "http_" + strconv.Itoa(status)
	}
	wechatCalls.WithLabelValues(string(c.channel), api, code).Inc()
	wechatDuration.WithLabelValues(string(c.channel), api).Observe(took.Seconds())
}

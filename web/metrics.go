package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/baoxiao/baoxiao/app"
)

// HTTP metrics, by route pattern (never the raw path: ids would explode
// the label set).
var (
	httpRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "baoxiao_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"method", "route", "status"})
	httpDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "baoxiao_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
)

// openAPIUnlogged counts open-API calls left out of open_api_calls
// because the app they claim does not exist: by profile and a fixed
// reason, never the claimed id (anyone can send any).
var openAPIUnlogged = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "baoxiao_open_api_unlogged_calls_total", Help: "Open-API calls refused and not logged because they named no existing app.",
}, []string{"profile", "reason"})

// recordOpenCall logs an open-API call, or counts it when it is not
// logged (app.OpenAPI.RecordCall decides).
func recordOpenCall(c *fiber.Ctx, api *app.OpenAPI, call app.OpenAPICall, verified bool) {
	if reason := api.RecordCall(c.UserContext(), call, verified); reason != "" {
		openAPIUnlogged.WithLabelValues(call.Profile, reason).Inc()
	}
}

func observeRequest(method, route string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	httpDuration.WithLabelValues(method, route).Observe(took.Seconds())
}

// metricsHandler serves the Prometheus text format from g (nil: the
// process's default registry).
func metricsHandler(g prometheus.Gatherer) fiber.Handler {
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
}

package outbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats is the state of the queue for monitoring.
type Stats struct {
	Pending         int
	Failed          int
	OldestPending   time.Time // zero when nothing is pending
	PendingAttempts int       // attempts already made on pending rows
}

// StatsSource reads Stats from the queue.
type StatsSource interface {
	Stats(ctx context.Context) (Stats, error)
}

// Collector exports the outbox's depth, age and attempts to Prometheus,
// read from the database at scrape time: every instance reports the same
// shared queue.
type Collector struct {
	src                            StatsSource
	pending, failed, age, attempts *prometheus.Desc
}

// NewCollector returns a Prometheus collector over src.
func NewCollector(src StatsSource) *Collector {
	return &Collector{
		src:      src,
		pending:  prometheus.NewDesc("baoxiao_outbox_pending", "Status changes waiting to reach WeChat.", nil, nil),
		failed:   prometheus.NewDesc("baoxiao_outbox_failed", "Status changes that failed for good (retry them in /api/v1/admin/outbox).", nil, nil),
		age:      prometheus.NewDesc("baoxiao_outbox_oldest_pending_seconds", "Age of the oldest pending change.", nil, nil),
		attempts: prometheus.NewDesc("baoxiao_outbox_pending_attempts", "Delivery attempts already made on pending changes.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.failed
	ch <- c.age
	ch <- c.attempts
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	st, err := c.src.Stats(ctx)
	if err != nil {
		slog.Warn("read outbox stats", "err", err)
		return
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = time.Since(st.OldestPending).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(st.Pending))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, float64(st.Failed))
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
	ch <- prometheus.MustNewConstMetric(c.attempts, prometheus.GaugeValue, float64(st.PendingAttempts))
}

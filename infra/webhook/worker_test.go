package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/webhook"
)

// fakeQueue hands out one claim of two deliveries and, from the second
// renewal on, reports the second lost (another instance took it).
type fakeQueue struct {
	url string

	mu       sync.Mutex
	claimed  bool
	renewals int
	renewed  chan struct{}
	finished map[int64]app.WebhookAttempt
}

func (q *fakeQueue) Claim(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]app.WebhookDelivery, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.claimed {
		return nil, nil
	}
	q.claimed = true
	return []app.WebhookDelivery{
		{ID: 1, EndpointID: "whk_1", EventID: "evt_1", EventType: app.EventReportApproved, Payload: []byte(`{}`), State: app.WebhookPending, CreatedAt: now, Lease: "w/1"},
		{ID: 2, EndpointID: "whk_1", EventID: "evt_2", EventType: app.EventReportApproved, Payload: []byte(`{}`), State: app.WebhookPending, CreatedAt: now, Lease: "w/1"},
	}, nil
}

func (q *fakeQueue) Renew(ctx context.Context, lease string, ids []int64, now time.Time, d time.Duration) ([]int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.renewals++
	if q.renewals == 2 {
		close(q.renewed)
	}
	if q.renewals >= 2 {
		return []int64{2}, nil
	}
	return nil, nil
}

func (q *fakeQueue) Finish(ctx context.Context, id int64, lease string, a app.WebhookAttempt, now time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.finished[id] = a
	return nil
}

func (q *fakeQueue) Endpoint(ctx context.Context, id string) (app.WebhookEndpoint, error) {
	return app.WebhookEndpoint{ID: id, URL: q.url, Active: true}, nil
}

type plainSecrets struct{}

func (plainSecrets) OpenSecret(app.WebhookEndpoint) (string, error) { return "secret", nil }

// A slow round renews its claim; a delivery the renewal reports lost is
// not sent, nor finished, by this worker.
func TestWorkerSkipsLostDeliveries(t *testing.T) {
	q := &fakeQueue{renewed: make(chan struct{}), finished: map[int64]app.WebhookAttempt{}}
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("X-Baoxiao-Delivery"))
		mu.Unlock()
		<-q.renewed // the first delivery outlasts two renewals
	}))
	defer srv.Close()
	q.url = srv.URL
	loopback, err := app.NewWebhookTargets([]string{"127.0.0.1"}) // the test server's
	if err != nil {
		t.Fatal(err)
	}
	w := webhook.New(q, plainSecrets{}, webhook.Options{Lease: 60 * time.Millisecond, Parallel: 1, Timeout: 10 * time.Second, Targets: loopback})
	n, err := w.RunOnce(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("round: %d %v", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != "1" {
		t.Fatalf("sent deliveries %v, want only 1", got)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.finished[2]; ok || q.finished[1].State != app.WebhookDone {
		t.Fatalf("finished %v", q.finished)
	}
}

package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/app"
)

// Deliveries check the address they dial, after DNS (issue 15 item 8): a
// name that resolves to loopback now (localhost here; a rebinding name in
// an attack) is refused unless the allow-list names the host or a range
// holding the address.
func TestDeliveriesDialOnlyAllowedAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, tc := range []struct {
		allow []string
		url   string
		ok    bool
	}{
		{nil, srv.URL, false},
		{nil, "http://localhost" + port, false},
		{[]string{"10.0.0.0/8"}, "http://localhost" + port, false},
		{[]string{"127.0.0.1"}, srv.URL, true},
		{[]string{"127.0.0.0/8"}, "http://localhost" + port, true},
		{[]string{"LOCALHOST"}, "http://localhost" + port, true},
	} {
		targets, err := app.NewWebhookTargets(tc.allow)
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{Transport: GuardedTransport(targets)}
		res, err := c.Get(tc.url)
		if err == nil {
			res.Body.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("allow %v, GET %s: err %v, want ok=%v", tc.allow, tc.url, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "refused") {
			t.Errorf("allow %v, GET %s: %v, want a refusal", tc.allow, tc.url, err)
		}
	}
	// New builds such a client when given none.
	if w := New(nil, nil, Options{}); w.opts.Client.Transport == nil {
		t.Fatal("the default client dials anything")
	}
}

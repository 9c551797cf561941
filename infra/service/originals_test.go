package service_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// waitInvoice polls the invoice until cond holds.
func waitInvoice(t *testing.T, c *testkit.Client, id string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := c.Do(http.MethodGet, "/api/v1/invoices/"+id, nil)
		if res.Status == http.StatusOK && cond(res.JSON) {
			return res.JSON
		}
		if time.Now().After(deadline) {
			t.Fatalf("invoice %s never reached the state: %d %s", id, res.Status, res.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWalletPDFDownloadedAndServed(t *testing.T) {
	for _, driver := range []string{"dir", "db"} {
		t.Run(driver, func(t *testing.T) { testWalletPDFServed(t, driver) })
	}
}

func testWalletPDFServed(t *testing.T, driver string) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		a := testkit.App(t, db, testkit.WithEnv("BAOXIAO_STORAGE_DRIVER="+driver))
		if a.Cfg.Storage.Driver != driver {
			t.Fatalf("storage.driver = %q", a.Cfg.Storage.Driver)
		}
		li := a.Login(t, "emp-li")
		inv := importN(t, a, li, 1)[0]
		id := inv["id"].(string)
		got := waitInvoice(t, li, id, func(v map[string]any) bool {
			// The original is recorded just before the download is
			// marked done: wait for both.
			os, _ := v["originals"].([]any)
			pdf, _ := v["pdf"].(map[string]any)
			return len(os) == 1 && pdf["state"] == "done"
		})
		orig := got["original"].(map[string]any)
		if orig["source"] != "wallet_pdf" || orig["media_type"] != "application/pdf" {
			t.Fatalf("original = %v", orig)
		}
		if pdf, _ := got["pdf"].(map[string]any); pdf["state"] != "done" {
			t.Fatalf("pdf status = %v", got["pdf"])
		}
		for _, path := range []string{"/pdf", "/original", "/originals/" + orig["sha256"].(string)} {
			res := li.Do(http.MethodGet, "/api/v1/invoices/"+id+path, nil)
			sum := sha256.Sum256(res.Body)
			if res.Status != http.StatusOK || hex.EncodeToString(sum[:]) != orig["sha256"] || !strings.HasPrefix(string(res.Body), "%PDF-") {
				t.Fatalf("GET %s: %d, hash %x, want %v", path, res.Status, sum, orig["sha256"])
			}
			h := res.Header
			if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Cache-Control") != "no-store" || !strings.Contains(h.Get("Content-Disposition"), `filename=`) {
				t.Fatalf("GET %s headers: %v", path, h)
			}
		}
		// Another employee, and unknown hashes, get not_found.
		wang := a.Login(t, "emp-wang")
		for _, path := range []string{"/pdf", "/original", "/originals/" + orig["sha256"].(string)} {
			if res := wang.Do(http.MethodGet, "/api/v1/invoices/"+id+path, nil); res.Status != http.StatusNotFound || res.ErrorCode() != "not_found" {
				t.Fatalf("emp-wang GET %s: %d %s", path, res.Status, res.Body)
			}
		}
		// The approver of its report and finance see it too, and the
		// report's view lists the originals.
		rep := createReport(t, li, []map[string]any{inv})
		act(t, li, rep, "submit", nil, http.StatusOK)
		mgr := a.Login(t, "mgr-zhao")
		rv := mgr.Do(http.MethodGet, "/api/v1/reports/"+rep["id"].(string), nil)
		if invs := listOf(t, rv, "invoices"); rv.Status != http.StatusOK || len(invs) != 1 || len(invs[0]["originals"].([]any)) != 1 {
			t.Fatalf("approver's report view: %d %s", rv.Status, rv.Body)
		}
		for _, c := range []*testkit.Client{mgr, a.Login(t, "fin-chen")} {
			if res := c.Do(http.MethodGet, "/api/v1/invoices/"+id+"/pdf", nil); res.Status != http.StatusOK || len(res.Body) != int(orig["size"].(float64)) {
				t.Fatalf("approver/finance GET pdf: %d", res.Status)
			}
		}
		for _, bad := range []string{strings.Repeat("0", 64), "..%2f..%2fetc", strings.ToUpper(orig["sha256"].(string))} {
			if res := li.Do(http.MethodGet, "/api/v1/invoices/"+id+"/originals/"+bad, nil); res.Status != http.StatusNotFound {
				t.Fatalf("GET originals/%s: %d", bad, res.Status)
			}
		}
	})
}

type failingTransport struct{ calls atomic.Int32 }

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Body: io.NopCloser(strings.NewReader("busy")), Header: http.Header{}, Request: r}, nil
}

func TestWalletPDFFailureRetriedThenRecorded(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		ft := &failingTransport{}
		a := testkit.App(t, db, testkit.WithService(func(o *service.Options) {
			o.PDFHTTP = &http.Client{Transport: ft}
			o.PDF = app.PDFFetcherOptions{Poll: 10 * time.Millisecond, MaxAttempts: 3, Backoff: func(int) time.Duration { return time.Millisecond }}
		}))
		li := a.Login(t, "emp-li")
		id := importN(t, a, li, 1)[0]["id"].(string)
		got := waitInvoice(t, li, id, func(v map[string]any) bool {
			pdf, _ := v["pdf"].(map[string]any)
			return pdf["state"] == "failed"
		})
		pdf := got["pdf"].(map[string]any)
		if pdf["attempts"] != float64(3) || !strings.Contains(pdf["last_error"].(string), "503") || ft.calls.Load() != 3 {
			t.Fatalf("pdf = %v after %d calls", pdf, ft.calls.Load())
		}
		if res := li.Do(http.MethodGet, "/api/v1/invoices/"+id+"/pdf", nil); res.Status != http.StatusNotFound {
			t.Fatalf("GET pdf of a failed download: %d", res.Status)
		}
	})
}

// A process that dies mid-download leaves its row leased; once the lease
// runs out, the next process (here: a worker that was not running when
// the invoice was imported) downloads it.
func TestWalletPDFPendingPickedUpAfterCrash(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db testkit.DB) {
		clock := testkit.NewClock()
		a := testkit.App(t, db, testkit.WithoutWorker(), testkit.WithService(func(o *service.Options) { o.Clock = clock }))
		li := a.Login(t, "emp-li")
		id := importN(t, a, li, 1)[0]["id"].(string)
		if pdf, _ := li.Do(http.MethodGet, "/api/v1/invoices/"+id, nil).JSON["pdf"].(map[string]any); pdf["state"] != "pending" {
			t.Fatalf("pdf before any worker ran = %v, want pending", pdf)
		}
		// The dead process's claim.
		now := clock.Now()
		if job, err := store.NewOriginals(db.DB).ClaimPDF(context.Background(), "dead-instance", now, now.Add(time.Minute)); err != nil || job == nil {
			t.Fatalf("claim: %v, %v", job, err)
		}
		if did, err := a.Svc.PDFFetcher.RunOnce(context.Background()); err != nil || did {
			t.Fatalf("RunOnce under a live lease = %v, %v; want nothing to do", did, err)
		}
		clock.Advance(2 * time.Minute)
		if did, err := a.Svc.PDFFetcher.RunOnce(context.Background()); err != nil || !did {
			t.Fatalf("RunOnce after the lease = %v, %v", did, err)
		}
		got := li.Do(http.MethodGet, "/api/v1/invoices/"+id, nil).JSON
		if os, _ := got["originals"].([]any); len(os) != 1 || got["pdf"].(map[string]any)["state"] != "done" {
			t.Fatalf("after the restart: originals %v, pdf %v", got["originals"], got["pdf"])
		}
	})
}

// An issuer's pdf_url that points into our own network is never fetched,
// and is not retried: the download fails at once, naming why.
func TestWalletPDFFromPrivateAddressRefused(t *testing.T) {
	a := testkit.App(t, testkit.SQLite(t))
	li := a.Login(t, "emp-li")
	w := wallet(t, a, me(t, li)["openid"].(string))[0]
	patchAnswer(t, a, w, map[string]any{"user_info": map[string]any{"pdf_url": "http://169.254.169.254/latest/meta-data/invoice.pdf"}})
	res := importCards(li, card(w))
	inv := listOf(t, res, "imported")
	if len(inv) != 1 {
		t.Fatalf("import: %s", res.Body)
	}
	got := waitInvoice(t, li, inv[0]["id"].(string), func(v map[string]any) bool {
		pdf, _ := v["pdf"].(map[string]any)
		return pdf["state"] == "failed"
	})
	pdf := got["pdf"].(map[string]any)
	if pdf["attempts"].(float64) != 1 || !strings.Contains(pdf["last_error"].(string), "non-public") {
		t.Fatalf("pdf %v", pdf)
	}
}

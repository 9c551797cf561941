package cli_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/cli"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// sync-work in sandbox mode calls the running server's sandbox: with no
// server there it says which URL it could not reach and how to start one
// (issue 19: it said "WeChat is unavailable"); a server that answers but
// fails is named too, without the hint.
func TestSyncWorkNamesTheUnreachableURL(t *testing.T) {
	db := testkit.SQLite(t)
	syncWork := func(publicURL string) error {
		cfg, err := config.Load("", []string{
			"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
			"BAOXIAO_PUBLIC_URL=" + publicURL,
		})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		return cli.Run(context.Background(), "employees", []string{"sync-work"}, cli.Env{
			Cfg: cfg, Log: slog.New(slog.DiscardHandler), Stdout: &out, Stderr: &out,
		})
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	err = syncWork(closed)
	if err == nil {
		t.Fatal("sync-work succeeded with no server")
	}
	for _, want := range []string{"could not reach WeChat at " + closed + "/sandbox (wechat.work_api_base)", "connection refused", "serve"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	err = syncWork(failing.URL)
	if err == nil || !strings.Contains(err.Error(), "WeChat at "+failing.URL+"/sandbox") || strings.Contains(err.Error(), "could not reach") {
		t.Fatalf("a failing server: %v", err)
	}
}

// reconcile reads WeChat directly; in sandbox mode with no server running
// it names the URL too.
func TestReconcileNamesTheUnreachableURL(t *testing.T) {
	db := testkit.SQLite(t)
	s := store.New(db.DB)
	testkit.AddInvoice(t, s, testkit.AddEmployee(t, s, "emp-a", ""), 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	cfg, err := config.Load("", []string{
		"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
		"BAOXIAO_PUBLIC_URL=" + closed,
	})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d time.Duration) string { return testkit.Now.Add(d).Format(time.DateOnly) }
	var out bytes.Buffer
	err = cli.Run(context.Background(), "reconcile", []string{"--from", day(-10 * 24 * time.Hour), "--to", day(24 * time.Hour)},
		cli.Env{Cfg: cfg, Log: slog.New(slog.DiscardHandler), Stdout: &out, Stderr: &out})
	if err == nil || !strings.Contains(err.Error(), "could not reach WeChat at "+closed+"/sandbox") || !strings.Contains(err.Error(), "serve") {
		t.Fatalf("reconcile: %v\n%s", err, out.String())
	}
}

package testkit

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/infra/sandbox"
)

// SandboxServer is a seeded WeChat sandbox serving on a real listener.
type SandboxServer struct {
	URL string // base URL, no trailing slash, e.g. "http://127.0.0.1:40123"
	SB  *sandbox.Sandbox
}

// Sandbox starts the WeChat sandbox on a fresh SQLite database of its own,
// seeds the demo users and wallets and serves it on 127.0.0.1:0. Options
// default to the config.Sandbox* demo credentials with PublicBase = URL;
// opts adjust them. The test's cleanup shuts it down.
func Sandbox(t testing.TB, opts ...func(*sandbox.Options)) *SandboxServer {
	t.Helper()
	return SandboxOn(t, SQLiteUnmigrated(t).DB, opts...)
}

// SandboxOn is Sandbox on a given database, e.g. testkit.MySQL(t).DB, or
// the database of an earlier sandbox to test what survives a restart.
func SandboxOn(t testing.TB, db *bun.DB, opts ...func(*sandbox.Options)) *SandboxServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sandbox listener: %v", err)
	}
	url := "http://" + ln.Addr().String()
	o := sandbox.Options{PublicBase: url}
	for _, fn := range opts {
		fn(&o)
	}
	ctx := context.Background()
	sb, err := sandbox.New(ctx, db, o)
	if err != nil {
		_ = ln.Close()
		t.Fatalf("sandbox: %v", err)
	}
	if err := sb.Seed(ctx); err != nil {
		_ = sb.Close()
		_ = ln.Close()
		t.Fatalf("sandbox seed: %v", err)
	}
	app := sb.App()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = app.Listener(ln)
	}()
	// Cleanups run last-in first-out: this one runs before the database's.
	t.Cleanup(func() {
		_ = sb.Close()
		_ = app.ShutdownWithTimeout(5 * time.Second)
		<-done
	})
	return &SandboxServer{URL: url, SB: sb}
}

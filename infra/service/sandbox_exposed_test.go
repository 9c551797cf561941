package service_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/service"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// lockedBuffer is a log sink the service's goroutines may write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Issue 15 item 13: sandbox mode on a public address says so loudly at
// start (its login and /sandbox/_control need no credentials); the default
// config, a loopback listener and a localhost public_url stay quiet.
func TestSandboxOnAPublicAddressWarns(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		warn bool
	}{
		{"the default config", nil, false},
		{"all interfaces and a public URL", []string{"BAOXIAO_LISTEN=0.0.0.0:8080", "BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"}, true},
		{"the default listener and a public URL", []string{"BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"}, true},
		{"loopback listener behind a proxy", []string{"BAOXIAO_LISTEN=127.0.0.1:8080", "BAOXIAO_PUBLIC_URL=https://baoxiao.example.com"}, false},
		{"all interfaces, localhost URL", []string{"BAOXIAO_LISTEN=0.0.0.0:8080", "BAOXIAO_PUBLIC_URL=http://127.0.0.1:8080"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load("", append([]string{"BAOXIAO_DATA_DIR=" + t.TempDir()}, tt.env...))
			if err != nil {
				t.Fatal(err)
			}
			var logs lockedBuffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			svc, err := service.New(context.Background(), cfg, testkit.SQLite(t).DB, service.Options{Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			_ = svc.Close()
			got := logs.String()
			warned := strings.Contains(got, `"level":"WARN"`) && strings.Contains(got, "SANDBOX MODE ON A PUBLIC ADDRESS")
			if warned != tt.warn {
				t.Fatalf("warned %v, want %v; logs:\n%s", warned, tt.warn, got)
			}
			if tt.warn && (!strings.Contains(got, "/sandbox/_control") || !strings.Contains(got, `"public_url":"https://baoxiao.example.com"`)) {
				t.Fatalf("the warning does not say what is open and where:\n%s", got)
			}
		})
	}
}

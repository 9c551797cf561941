package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/cli"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// doctor checks the s3 bucket, naming the endpoint and never the secret.
func TestDoctorChecksS3(t *testing.T) {
	db := testkit.SQLite(t)
	fake := testkit.S3(t)
	run := func(bucket string) (string, error) {
		env := append([]string{
			"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
		}, fake.Env()...)
		cfg, err := config.Load("", append(env, "BAOXIAO_STORAGE_S3_BUCKET="+bucket))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		err = cli.Run(context.Background(), "doctor", nil, cli.Env{Cfg: cfg, Log: slog.New(slog.DiscardHandler), Stdout: &out, Stderr: &out})
		return out.String(), err
	}
	out, err := run(fake.Config.Bucket)
	if err != nil || !strings.Contains(out, "✓ storage") || !strings.Contains(out, fake.Config.Endpoint) {
		t.Fatalf("doctor: %v\n%s", err, out)
	}
	out, err = run("no-such-bucket")
	if err == nil || !strings.Contains(out, "✗ storage") || !strings.Contains(out, "does not exist") {
		t.Fatalf("doctor with a missing bucket: %v\n%s", err, out)
	}
	if strings.Contains(out, fake.Config.SecretKey.Reveal()) {
		t.Fatalf("doctor printed the secret key:\n%s", out)
	}
}

// doctor shows WeChat's complaint with the secret redacted as a whole
// value: a three-letter secret no longer turns "open" into "o[redacted]"
// and so tells which letters it has (issue 19).
func TestDoctorRedactsWholeSecrets(t *testing.T) {
	db := testkit.SQLite(t)
	const secret = "pen"
	wechat := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"errcode":40125,"errmsg":"invalid appsecret pen, please open the docs"}`)
	}))
	defer wechat.Close()
	cfg, err := config.Load("", []string{
		"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
		"BAOXIAO_MODE=live", "BAOXIAO_PUBLIC_URL=http://127.0.0.1:8080",
		"BAOXIAO_WECHAT_API_BASE=" + wechat.URL, "BAOXIAO_WECHAT_WORK_API_BASE=" + wechat.URL, "BAOXIAO_WECHAT_OPEN_BASE=" + wechat.URL,
		"BAOXIAO_WECHAT_OA_APP_ID=wx0000000000000001", "BAOXIAO_WECHAT_OA_APP_SECRET=" + secret,
		"BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=callback-token",
		"BAOXIAO_AUTH_SESSION_SECRET=doctor-test-session-secret-0123456789",
		"BAOXIAO_AUTH_DATA_KEY=doctor-test-data-key-0123456789abcdef",
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = cli.Run(context.Background(), "doctor", nil, cli.Env{Cfg: cfg, Log: slog.New(slog.DiscardHandler), Stdout: &out, Stderr: &out})
	if err == nil || !strings.Contains(out.String(), "✗ wechat oa") {
		t.Fatalf("doctor: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "invalid appsecret [redacted], please open the docs") {
		t.Fatalf("doctor did not redact the whole secret, and only it:\n%s", out.String())
	}
}

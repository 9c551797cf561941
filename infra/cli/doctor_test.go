package cli_test

import (
	"bytes"
	"context"
	"log/slog"
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

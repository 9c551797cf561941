package cli_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/cli"
	"github.com/baoxiao/baoxiao/infra/testkit"
)

// The CSV export's convention (issue 19): a file starts with a UTF-8 BOM,
// for Excel; stdout has none, so that `--out - | iconv -f utf-8 -t gbk`
// works (iconv refuses U+FEFF in GBK).
func TestExportBOMOnlyInFiles(t *testing.T) {
	db := testkit.SQLite(t)
	cfg, err := config.Load("", []string{
		"BAOXIAO_DATA_DIR=" + t.TempDir(), "BAOXIAO_DATABASE_DRIVER=" + db.Driver, "BAOXIAO_DATABASE_DSN=" + db.DSN,
	})
	if err != nil {
		t.Fatal(err)
	}
	export := func(out string) string {
		var stdout, stderr bytes.Buffer
		err := cli.Run(context.Background(), "export", []string{"--from", "2026-10-01", "--to", "2026-10-31", "--out", out},
			cli.Env{Cfg: cfg, Log: slog.New(slog.DiscardHandler), Stdout: &stdout, Stderr: &stderr})
		if err != nil {
			t.Fatalf("export --out %s: %v\n%s", out, err, stderr.String())
		}
		return stdout.String()
	}

	piped := export("-")
	if strings.HasPrefix(piped, "\uFEFF") || !strings.HasPrefix(piped, "报销单号,") {
		t.Fatalf("stdout starts %q", piped[:min(len(piped), 20)])
	}
	if _, err := simplifiedchinese.GBK.NewEncoder().String(piped); err != nil {
		t.Fatalf("stdout does not convert to GBK: %v", err)
	}

	file := filepath.Join(t.TempDir(), "oct.csv")
	export(file)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "\uFEFF"+piped {
		t.Fatalf("the file is not the stdout CSV with a BOM:\n%q\n%q", b, piped)
	}
}

package cli_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/cli"
	"github.com/baoxiao/baoxiao/infra/store"
)

// `baoxiao apps create|list|revoke`: the secret is printed once and kept
// sealed with auth.data_key, never in clear.
func TestAppsCommand(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Load("", []string{"BAOXIAO_DATA_DIR=" + dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := cli.Run(ctx, "apps", args, cli.Env{Cfg: cfg, Stdout: &out, Stderr: &out})
		return out.String(), err
	}
	out, err := run("create", "--name", "用友 NC")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`app_id: (app_[0-9a-f]+)\nsecret: (bxs_\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("create printed %q", out)
	}
	id, secret := m[1], m[2]
	if _, err := run("create", "--name=金蝶"); err != nil {
		t.Fatal(err)
	}
	list, err := run("list")
	if err != nil || !strings.Contains(list, id) || !strings.Contains(list, "用友 NC") || !strings.Contains(list, "金蝶") || strings.Contains(list, secret) {
		t.Fatalf("list: %v\n%s", err, list)
	}
	if _, err := run("revoke", id); err != nil {
		t.Fatal(err)
	}
	if list, _ := run("list"); !strings.Contains(list, "revoked") {
		t.Fatalf("after revoke:\n%s", list)
	}
	if _, err := run("revoke", "app_nope"); err == nil {
		t.Fatal("revoked an unknown app")
	}
	if _, err := run("create"); err == nil {
		t.Fatal("created an app without a name")
	}
	if _, err := run("frobnicate"); err == nil {
		t.Fatal("unknown subcommand accepted")
	}

	// At rest: sealed, not the secret.
	db, _, err := cli.OpenDB(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec, err := store.NewApps(db).App(ctx, id)
	if err != nil || strings.Contains(rec.SealedSecret, secret) || !strings.HasPrefix(rec.SealedSecret, "v1:") {
		t.Fatalf("stored %q %v", rec.SealedSecret, err)
	}
	box, _ := store.NewSecretBox(cfg.Auth.DataKey.Reveal())
	if got, err := box.Open(rec.SealedSecret, "open_apps:"+id); err != nil || got != secret {
		t.Fatalf("open: %v", err)
	}
}

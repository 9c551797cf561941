package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/baoxiao/baoxiao/infra/cli"
)

// Usage texts name the program as it was started, so that their examples
// can be typed back as they are (issue 19).
func TestProgName(t *testing.T) {
	for arg0, want := range map[string]string{
		"./bin/baoxiao":                     "./bin/baoxiao",
		"baoxiao":                           "baoxiao",
		"/usr/local/bin/baoxiao":            "/usr/local/bin/baoxiao",
		"/tmp/go-build123/b001/exe/baoxiao": "go run .",
		"":                                  "baoxiao",
	} {
		if got := progName(arg0); got != want {
			t.Errorf("progName(%q) = %q, want %q", arg0, got, want)
		}
	}
	defer func(p string) { cli.Prog = p }(cli.Prog)
	cli.Prog = "./bin/baoxiao"
	var out bytes.Buffer
	if err := run([]string{"help"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "usage: ./bin/baoxiao [--config file] <command>") {
		t.Fatalf("help: %v\n%s", err, out.String())
	}
}

// Help exits 0 with the usage on stdout for the program and every command,
// before any configuration is read (BAOXIAO_CONFIG names no file here).
func TestHelpExitsZero(t *testing.T) {
	t.Setenv("BAOXIAO_CONFIG", t.TempDir()+"/missing.yaml")
	lines := [][]string{{"-h"}, {"--help"}, {"help"}, {"version", "-h"}, {"help", "version"}}
	for _, name := range cli.Names() {
		lines = append(lines, []string{name, "-h"}, []string{name, "--help"}, []string{"help", name}, []string{"--config", "x.yaml", name, "-h"})
	}
	for _, args := range lines {
		var stdout, stderr bytes.Buffer
		if err := run(args, &stdout, &stderr); err != nil || stderr.Len() > 0 || !strings.HasPrefix(stdout.String(), "usage:") {
			t.Errorf("%v: %v\nstdout: %s\nstderr: %s", args, err, stdout.String(), stderr.String())
		}
	}
	for _, args := range [][]string{{"frobnicate", "-h"}, {"help", "frobnicate"}, {"-x"}} {
		var stdout, stderr bytes.Buffer
		if err := run(args, &stdout, &stderr); err == nil || !strings.Contains(stderr.String(), "usage: ") {
			t.Errorf("%v: %v\nstderr: %s", args, err, stderr.String())
		}
	}
}

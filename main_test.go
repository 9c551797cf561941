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

package cli

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
)

// Every command answers -h and --help (also after a subcommand) with its
// usage on stdout and no error, without a configuration (Env.Cfg is nil:
// a command that ran would panic), and its help lists its flags
// (issue 19: `export -h` exited 1 with "flag: help requested").
func TestEveryCommandHelps(t *testing.T) {
	defer func(p string) { Prog = p }(Prog)
	Prog = "./bin/baoxiao"
	for name, c := range commands {
		for _, args := range [][]string{{"-h"}, {"--help"}, {"-help"}, {"sub", "--help"}} {
			var stdout, stderr bytes.Buffer
			err := Run(context.Background(), name, args, Env{Stdout: &stdout, Stderr: &stderr})
			out := stdout.String()
			if err != nil || stderr.Len() > 0 || !strings.HasPrefix(out, "usage:") || !strings.Contains(out, "./bin/baoxiao "+name) {
				t.Errorf("%s %v: %v\nstdout: %s\nstderr: %s", name, args, err, out, stderr.String())
				continue
			}
			if c.flags == nil {
				continue
			}
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			c.flags(fs)
			fs.VisitAll(func(f *flag.Flag) {
				if !strings.Contains(out, "  -"+f.Name+" ") && !strings.Contains(out, "  -"+f.Name+"\n") {
					t.Errorf("%s -h does not list -%s:\n%s", name, f.Name, out)
				}
			})
		}
	}
}

// "--" ends the flags: what follows is an argument, even "-h".
func TestWantsHelp(t *testing.T) {
	for args, want := range map[string]bool{
		"-h": true, "--help": true, "import x.csv -help": true, "": false, "list": false, "-- -h": false, "-hh": false,
	} {
		if got := WantsHelp(strings.Fields(args)); got != want {
			t.Errorf("WantsHelp(%q) = %t", args, got)
		}
	}
}

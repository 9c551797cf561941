// Command baoxiao is the reimbursement backend for WeChat e-invoices.
//
//	baoxiao [--config file] <command>
//
// `baoxiao help` lists the commands; infra/cli implements them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/infra/cli"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = ""

func main() {
	cli.Prog = progName(os.Args[0])
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "baoxiao:", err)
		os.Exit(1)
	}
}

// progName is how the user started the program, for usage texts and hints
// to be typed back as they are: "./bin/baoxiao", or "baoxiao" from the
// PATH. `go run` starts a binary in a temporary build directory.
func progName(arg0 string) string {
	if arg0 == "" {
		return "baoxiao"
	}
	if strings.Contains(arg0, string(filepath.Separator)+"go-build") {
		return "go run ."
	}
	return arg0
}

func usage() string {
	return "usage: " + cli.Prog + " [--config file] <command>\n\ncommands:\n" + cli.Usage() +
		"  version                  print the version\n" +
		"  help [command]           this list, or a command's usage and flags (also: <command> -h)\n"
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("baoxiao", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // -h is answered below, on stdout; an error gets the usage on stderr
	configPath := fs.String("config", "", "YAML config file (also $BAOXIAO_CONFIG)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage())
		return nil
	} else if err != nil {
		fmt.Fprint(stderr, usage())
		return err
	}
	cmd, rest := "serve", fs.Args()
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	// Help needs no configuration: it works before there is any, and exits 0.
	switch {
	case cmd == "help" && len(rest) > 0 && rest[0] != "help" && rest[0] != "version":
		cmd, rest = rest[0], []string{"-h"}
	case cmd == "help" || cmd == "version" && cli.WantsHelp(rest):
		fmt.Fprint(stdout, usage())
		return nil
	case cmd == "version":
		fmt.Fprintln(stdout, buildVersion())
		return nil
	}
	if !cli.Known(cmd) {
		fmt.Fprint(stderr, usage())
		return fmt.Errorf("unknown command %q", cmd)
	}
	if cli.WantsHelp(rest) {
		return cli.Help(cmd, stdout)
	}
	cfg, err := config.Load(*configPath, os.Environ())
	if err != nil {
		return err
	}
	logger := cli.NewLogger(cfg.Log, stderr)
	slog.SetDefault(logger)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, cmd, rest, cli.Env{Cfg: cfg, Log: logger, Stdout: stdout, Stderr: stderr, Version: buildVersion()})
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

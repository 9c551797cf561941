package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/baoxiao/baoxiao/config"
)

// Prog is the program's name in usage texts and hints, as it was started
// ("./bin/baoxiao", or "baoxiao" from the PATH), so that what is printed can
// be typed as it is. main sets it.
var Prog = "baoxiao"

// withProg puts Prog into a usage text or hint, which names the program
// "baoxiao " and nothing else so.
func withProg(s string) string { return strings.ReplaceAll(s, "baoxiao ", Prog+" ") }

// Env is what every command gets.
type Env struct {
	Cfg     *config.Config
	Log     *slog.Logger
	Stdout  io.Writer
	Stderr  io.Writer
	Version string
}

// command is one subcommand: its one-line help and what it does.
type command struct {
	usage string
	run   func(ctx context.Context, env Env, args []string) error
}

// commands is every subcommand that needs the configuration.
var commands = map[string]command{
	"serve": {"serve                    run the service (default)", func(ctx context.Context, env Env, _ []string) error { return Serve(ctx, env.Cfg, env.Log, env.Version) }},
	"migrate": {"migrate [up|down|status] apply, roll back (last group) or list migrations", func(ctx context.Context, env Env, args []string) error {
		return Migrate(ctx, env.Cfg, args, env.Stdout)
	}},
	"config":    {"config                   print the effective configuration, secrets redacted", printConfig},
	"export":    {"export --from D --to D   approved invoices by approval date (--format csv|xlsx, --out FILE)", runExport},
	"archive":   {"archive --from D --to D  originals of the reports approved then, a ZIP with index.csv and index.xlsx (--out FILE)", runArchive},
	"apps":      {"apps create|list|revoke  the open API's ERP clients (app id and secret)", runApps},
	"reconcile": {"reconcile --from D --to D compare invoices with WeChat (--repair queues the fixes)", runReconcile},
	"doctor":    {"doctor                   check config, database, Redis and WeChat, and say what is wrong", Doctor},
	"sandbox":   {"sandbox [--listen :8090] run the WeChat sandbox on its own (DECISIONS 25; see sandbox -h)", Sandbox},
	"employees": {"employees <sub>          the directory: import FILE.csv [--dry-run] [--partial] | export [--bom] | list | sync-work", runEmployees},
}

// Known reports whether name is a subcommand.
func Known(name string) bool { _, ok := commands[name]; return ok }

// Run runs the named subcommand.
func Run(ctx context.Context, name string, args []string, env Env) error {
	c, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q", name)
	}
	return c.run(ctx, env, args)
}

// Usage lists the subcommands, sorted.
func Usage() string {
	var lines []string
	for _, c := range commands {
		lines = append(lines, "  "+c.usage+"\n")
	}
	sort.Strings(lines)
	out := ""
	for _, l := range lines {
		out += l
	}
	return out
}

func printConfig(_ context.Context, env Env, _ []string) error {
	out, err := env.Cfg.Redacted()
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(out)
	return err
}

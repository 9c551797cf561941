package cli

import (
	"context"
	"flag"
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

// command is one subcommand: its line in the command list, its help (a
// synopsis naming the program "baoxiao ") and, for the commands that take
// flags, a function that declares them, so that help lists them without a
// configuration.
type command struct {
	usage string
	help  string
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, env Env, args []string) error
}

// commands is every subcommand that needs the configuration.
var commands = map[string]command{
	"serve": {usage: "serve                    run the service (default)",
		help: "usage: baoxiao serve\n\nApplies pending migrations, then serves HTTP and runs the workers until SIGINT or SIGTERM.",
		run:  func(ctx context.Context, env Env, _ []string) error { return Serve(ctx, env.Cfg, env.Log, env.Version) }},
	"migrate": {usage: "migrate [up|down|status] apply, roll back (last group) or list migrations",
		help: "usage: baoxiao migrate [up|down|status]\n\nup (the default) applies pending migrations, down rolls back the last group, status lists them.",
		run: func(ctx context.Context, env Env, args []string) error {
			return Migrate(ctx, env.Cfg, args, env.Stdout)
		}},
	"config": {usage: "config                   print the effective configuration, secrets redacted",
		help: "usage: baoxiao config\n\nPrints the effective configuration (file, environment and defaults) as YAML; secrets show as [redacted].",
		run:  printConfig},
	"export": {usage: "export --from D --to D   approved invoices by approval date (--format csv|xlsx, --out FILE)",
		help: exportUsage, flags: func(fs *flag.FlagSet) { new(exportOptions).declare(fs) }, run: runExport},
	"archive": {usage: "archive --from D --to D  originals of the reports approved then, a ZIP with index.csv and index.xlsx (--out FILE)",
		help: archiveUsage, flags: func(fs *flag.FlagSet) { new(archiveOptions).declare(fs) }, run: runArchive},
	"apps": {usage: "apps create|list|revoke  the open API's ERP clients (app id and secret)",
		help: appsUsage, run: runApps},
	"reconcile": {usage: "reconcile --from D --to D compare invoices with WeChat (--repair queues the fixes)",
		help: reconcileUsage, flags: func(fs *flag.FlagSet) { new(reconcileOptions).declare(fs) }, run: runReconcile},
	"doctor": {usage: "doctor                   check config, database, Redis and WeChat, and say what is wrong",
		help: "usage: baoxiao doctor\n\nChecks the configuration, database and migrations, storage, Redis, WeChat and the mailbox\nas serve would use them, and says what is wrong. Exits 1 when any check fails.",
		run:  Doctor},
	"sandbox": {usage: "sandbox [--listen :8090] run the WeChat sandbox on its own (DECISIONS 25; see sandbox -h)",
		help: sandboxUsage, flags: func(fs *flag.FlagSet) { new(sandboxOptions).declare(fs, "<data_dir>") }, run: Sandbox},
	"employees": {usage: "employees <sub>          the directory: import FILE.csv [--dry-run] [--partial] | export [--bom] | list | sync-work",
		help: employeesUsage, run: runEmployees},
}

// Known reports whether name is a subcommand.
func Known(name string) bool { _, ok := commands[name]; return ok }

// WantsHelp reports whether a command line asks for help: -h, -help or
// --help anywhere before a "--". Help needs no configuration and exits 0.
func WantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// Help writes the named command's usage and flags to w.
func Help(name string, w io.Writer) error {
	c, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q", name)
	}
	if _, err := fmt.Fprintln(w, withProg(c.help)); err != nil {
		return err
	}
	if c.flags == nil {
		return nil
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.flags(fs)
	fmt.Fprintln(w, "\nflags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	return nil
}

// Run runs the named subcommand; a command line asking for help gets the
// command's help on stdout instead.
func Run(ctx context.Context, name string, args []string, env Env) error {
	c, ok := commands[name]
	if !ok {
		return fmt.Errorf("unknown command %q", name)
	}
	if WantsHelp(args) {
		return Help(name, env.Stdout)
	}
	return c.run(ctx, env, args)
}

// Names lists the subcommands, sorted.
func Names() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Usage lists the subcommands with their one-line help, sorted.
func Usage() string {
	var b strings.Builder
	for _, n := range Names() {
		b.WriteString("  " + commands[n].usage + "\n")
	}
	return b.String()
}

func printConfig(_ context.Context, env Env, _ []string) error {
	out, err := env.Cfg.Redacted()
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(out)
	return err
}

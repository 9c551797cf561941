package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/store"
	"github.com/baoxiao/baoxiao/infra/wechat"
)

const employeesUsage = `usage:
  baoxiao employees import FILE.csv [--dry-run] [--partial]   create and update employees (FILE "-" is stdin)
  baoxiao employees export [--bom]                           every employee as CSV on stdout
  baoxiao employees list                                     every employee, as a table
  baoxiao employees sync-work                                bring in the WeCom departments and members`

// runEmployees is `baoxiao employees …`: the directory from the command
// line, on the configured database (migrated first, as serve does).
func runEmployees(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return errors.New(withProg(employeesUsage))
	}
	sub, flags, files, err := employeeArgs(args)
	if err != nil {
		return err
	}
	db, m, err := OpenDB(ctx, env.Cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	switch sub {
	case "import":
		if len(files) != 1 {
			return errors.New(withProg(employeesUsage))
		}
		return ImportEmployees(ctx, env.Cfg, db, files[0], app.ImportOptions{DryRun: flags["dry-run"], Partial: flags["partial"]}, env.Stdout)
	case "export":
		return ExportEmployees(ctx, env.Cfg, db, flags["bom"], env.Stdout)
	case "list":
		return ListEmployees(ctx, env.Cfg, db, env.Stdout)
	case "sync-work":
		return SyncWork(ctx, env.Cfg, db, env.Stdout)
	}
	return errors.New(withProg(employeesUsage))
}

// employeeArgs splits the subcommand, its --flags (anywhere on the line)
// and its other arguments.
func employeeArgs(args []string) (sub string, flags map[string]bool, rest []string, err error) {
	known := map[string][]string{"import": {"dry-run", "partial"}, "export": {"bom"}, "list": nil, "sync-work": nil}
	sub = args[0]
	allowed, ok := known[sub]
	if !ok {
		return "", nil, nil, fmt.Errorf("employees: unknown subcommand %q\n%s", sub, withProg(employeesUsage))
	}
	flags = map[string]bool{}
	for _, a := range args[1:] {
		name, isFlag := strings.CutPrefix(a, "--")
		if !isFlag {
			name, isFlag = strings.CutPrefix(a, "-")
		}
		if !isFlag || name == "" {
			rest = append(rest, a)
			continue
		}
		found := false
		for _, f := range allowed {
			found = found || f == name
		}
		if !found {
			return "", nil, nil, fmt.Errorf("employees %s: unknown flag %q\n%s", sub, a, withProg(employeesUsage))
		}
		flags[name] = true
	}
	if sub != "import" && len(rest) > 0 {
		return "", nil, nil, fmt.Errorf("employees %s takes no arguments\n%s", sub, withProg(employeesUsage))
	}
	return sub, flags, rest, nil
}

// directory builds the directory on db for the configured apps.
func directory(cfg *config.Config, db *bun.DB) *app.Directory {
	st := store.New(db)
	apps := app.Apps{}
	if cfg.OAEnabled() {
		apps.OA = cfg.WeChat.OA.AppID
	}
	if cfg.WorkEnabled() {
		apps.Work = cfg.WeChat.Work.CorpID
	}
	dir := app.NewDirectory(st.Employees, app.SystemClock{})
	dir.UseApps(apps)
	return dir
}

// ImportEmployees reads an employee CSV (path "-" is stdin) and reports
// each row. It fails when any row fails, saying whether the good rows
// were saved (--partial) or nothing was.
func ImportEmployees(ctx context.Context, cfg *config.Config, db *bun.DB, path string, opts app.ImportOptions, out io.Writer) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxEmployeeFile+1))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(raw) > maxEmployeeFile {
		return fmt.Errorf("%s: larger than %d MB", path, maxEmployeeFile>>20)
	}
	text, gb, err := employeeFileText(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if gb {
		fmt.Fprintf(out, "%s is not UTF-8: read as GB18030 (GBK), the encoding of Excel's \"CSV\" on Chinese Windows\n", path)
	}
	recs, err := app.ReadEmployeesCSV(bytes.NewReader(text))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	rep, err := directory(cfg, db).Import(ctx, recs, opts)
	if err != nil {
		return err
	}
	verb := map[app.ImportOutcome]string{app.ImportCreated: "created", app.ImportUpdated: "updated", app.ImportUnchanged: "unchanged"}
	if !rep.Committed {
		verb = map[app.ImportOutcome]string{app.ImportCreated: "would be created", app.ImportUpdated: "would be updated", app.ImportUnchanged: "unchanged"}
	}
	for _, l := range rep.Lines {
		if l.Outcome == app.ImportFailed {
			fmt.Fprintf(out, "line %d: %s: %s\n", l.Line, orDash(string(l.ID)), message(l.Err))
			continue
		}
		fmt.Fprintf(out, "line %d: %s %s\n", l.Line, l.ID, verb[l.Outcome])
	}
	failed := rep.Count(app.ImportFailed)
	fmt.Fprintf(out, "%d rows: %d %s, %d %s, %d unchanged, %d failed\n", len(rep.Lines),
		rep.Count(app.ImportCreated), verb[app.ImportCreated], rep.Count(app.ImportUpdated), verb[app.ImportUpdated],
		rep.Count(app.ImportUnchanged), failed)
	switch {
	case opts.DryRun && failed > 0:
		return fmt.Errorf("dry run: %d rows would fail; nothing was changed", failed)
	case opts.DryRun:
		fmt.Fprintln(out, "dry run: nothing was changed")
	case failed > 0 && rep.Committed:
		return fmt.Errorf("%d rows failed; the other rows were saved (--partial)", failed)
	case failed > 0:
		return fmt.Errorf("%d rows failed; nothing was changed (fix them, or use --partial to save the good rows)", failed)
	}
	return nil
}

// maxEmployeeFile bounds an employee file: app.MaxCSVRows rows of a few
// hundred bytes.
const maxEmployeeFile = 64 << 20

// employeeFileText answers the file as UTF-8. Excel on Chinese Windows
// saves "CSV" as GB18030 (GBK), so a file that is not UTF-8 is read as
// GB18030 (gb reports it) when it decodes cleanly. A file that is UTF-8
// but for a few bytes is damaged, not GB18030: decoding it would import
// mojibake, so it is refused with the line of the first bad byte.
func employeeFileText(raw []byte) (text []byte, gb bool, err error) {
	if utf8.Valid(raw) {
		return raw, false, nil
	}
	multi, invalid, bad := 0, 0, -1
	for i := 0; i < len(raw); {
		r, n := utf8.DecodeRune(raw[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			invalid++
			if bad < 0 {
				bad = i
			}
		case n > 1:
			multi++
		}
		i += n
	}
	lineAt := func(b []byte, i int) int { return 1 + bytes.Count(b[:i], []byte("\n")) }
	const hint = `save it as "CSV UTF-8" (Excel: Save As → CSV UTF-8) or GB18030`
	if multi > invalid {
		return nil, false, fmt.Errorf("line %d: not UTF-8, though the rest of the file is (damaged?): %s", lineAt(raw, bad), hint)
	}
	text, err = simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, false, fmt.Errorf("the file is neither UTF-8 nor GB18030: %s", hint)
	}
	if i := bytes.IndexRune(text, utf8.RuneError); i >= 0 {
		return nil, false, fmt.Errorf("line %d: the file is neither UTF-8 nor GB18030: %s", lineAt(text, i), hint)
	}
	return text, true, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// message is the text of a row's error without its code.
func message(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}

// ExportEmployees writes every employee as CSV; bom starts it with a
// UTF-8 byte-order mark, for spreadsheet programs.
func ExportEmployees(ctx context.Context, cfg *config.Config, db *bun.DB, bom bool, out io.Writer) error {
	if bom {
		if _, err := io.WriteString(out, "\uFEFF"); err != nil {
			return err
		}
	}
	return directory(cfg, db).Export(ctx, out)
}

// ListEmployees prints every employee as a table.
func ListEmployees(ctx context.Context, cfg *config.Config, db *bun.DB, out io.Writer) error {
	st := store.New(db)
	tw := newTable(out, "ID", "NAME", "DEPARTMENT", "ROLES", "APPROVER", "ACTIVE", "IDENTITIES")
	var after domain.EmployeeID
	for {
		page, err := st.Employees.List(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, e := range page {
			roles := make([]string, 0, 4)
			for _, r := range e.Roles() {
				roles = append(roles, string(r))
			}
			var ids []string
			for _, id := range e.Identities() {
				login := id.OpenID
				if id.Channel == domain.ChannelWork {
					login = id.UserID
				}
				ids = append(ids, string(id.Channel)+":"+login)
			}
			tw.row(string(e.ID()), e.Name(), orDash(e.Department()), strings.Join(roles, ","),
				orDash(string(e.ManagerID())), strconv.FormatBool(e.Active()), orDash(strings.Join(ids, " ")))
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID()
	}
	return tw.flush()
}

// SyncWork brings in the WeCom address list. In sandbox mode the WeCom
// API is the running server's embedded sandbox, so `baoxiao serve` must
// be up.
func SyncWork(ctx context.Context, cfg *config.Config, db *bun.DB, out io.Writer) error {
	if !cfg.WorkEnabled() {
		return errors.New("sync-work: the WeCom channel is not configured (wechat.work.*)")
	}
	cache := wechat.NewMemoryCache()
	if url := cfg.Cache.RedisURL.Reveal(); url != "" {
		var err error
		if cache, err = wechat.NewRedisCache(ctx, url); err != nil {
			return fmt.Errorf("cache.redis_url: %w", err)
		}
		defer cache.Close()
	}
	_, work := wechat.FromConfig(cfg, cache, nil)
	dir := directory(cfg, db)
	dir.UseWorkDirectory(work)
	res, err := dir.SyncWork(ctx)
	if errors.Is(err, domain.ErrWeChatUnavailable) {
		base := map[string]string{"wechat.work_api_base": cfg.WeChat.WorkAPIBase}
		if uerr := unreachable(ctx, cfg, base); uerr != nil {
			return fmt.Errorf("sync-work: %w", uerr)
		}
		return fmt.Errorf("sync-work: WeChat at %s: %s", cfg.WeChat.WorkAPIBase, message(err))
	}
	if err != nil {
		return fmt.Errorf("sync-work: %s", message(err))
	}
	list := func(ids []domain.EmployeeID) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = string(id)
		}
		return orDash(strings.Join(s, " "))
	}
	fmt.Fprintf(out, "created: %s\nupdated: %s\ndeactivated: %s\nunchanged: %d\n", list(res.Created), list(res.Updated), list(res.Deactivated), res.Unchanged)
	for _, s := range res.Skipped {
		fmt.Fprintf(out, "skipped %s: %s\n", s.UserID, s.Reason)
	}
	if len(res.Missing) > 0 {
		fmt.Fprintf(out, "no longer in WeCom (left as they are): %s\n", list(res.Missing))
	}
	return nil
}

package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/baoxiao/baoxiao/domain"
)

// ImportOptions tune Directory.Import.
type ImportOptions struct {
	// DryRun checks every row against the database, then rolls back.
	DryRun bool
	// Partial commits the good rows even when others fail; without it one
	// bad row leaves the directory as it was.
	Partial bool
}

// ImportOutcome is what happened to one row.
type ImportOutcome string

// The outcomes.
const (
	ImportCreated   ImportOutcome = "created"
	ImportUpdated   ImportOutcome = "updated"
	ImportUnchanged ImportOutcome = "unchanged"
	ImportFailed    ImportOutcome = "failed"
)

// ImportLine is the outcome of one row.
type ImportLine struct {
	Line    int
	ID      domain.EmployeeID
	Outcome ImportOutcome
	Err     error // with ImportFailed: why, safe to show
}

// ImportReport is the outcome of an import.
type ImportReport struct {
	Lines     []ImportLine // in file order
	Committed bool         // false after a dry run or an all-or-nothing failure
}

// Count is how many rows had outcome o.
func (r ImportReport) Count(o ImportOutcome) int {
	n := 0
	for _, l := range r.Lines {
		if l.Outcome == o {
			n++
		}
	}
	return n
}

var errRollback = errors.New("roll back the import")

// Import creates and updates employees from file rows, in one
// transaction: all or nothing unless opts.Partial, nothing with
// opts.DryRun. Employees not in the file are left alone. An approver must
// be an employee already or have a good row in the same file.
func (d *Directory) Import(ctx context.Context, recs []EmployeeRecord, opts ImportOptions) (ImportReport, error) {
	rep := ImportReport{Lines: make([]ImportLine, len(recs))}
	valid := map[domain.EmployeeID]int{}
	logins := map[string]int{}
	for i, r := range recs {
		rep.Lines[i] = ImportLine{Line: r.Line, ID: r.ID}
		if err := d.precheck(r, i, recs, valid, logins); err != nil {
			rep.Lines[i].Outcome, rep.Lines[i].Err = ImportFailed, err
			continue
		}
		valid[r.ID] = i
	}

	err := d.employees.InEmployeeTx(ctx, func(ctx context.Context, employees EmployeeStore) error {
		failed := map[domain.EmployeeID]bool{}
		for _, i := range managersFirst(recs, valid) {
			outcome, err := d.importOne(ctx, employees, recs[i], recs, valid, failed)
			if err != nil {
				var de *domain.Error
				if !errors.As(err, &de) {
					return fmt.Errorf("line %d: %w", recs[i].Line, err)
				}
				rep.Lines[i].Outcome, rep.Lines[i].Err = ImportFailed, err
				failed[recs[i].ID] = true
				continue
			}
			rep.Lines[i].Outcome = outcome
		}
		if opts.DryRun || !opts.Partial && rep.Count(ImportFailed) > 0 {
			return errRollback
		}
		return nil
	})
	switch {
	case errors.Is(err, errRollback):
		return rep, nil
	case err != nil:
		return rep, err
	}
	rep.Committed = true
	return rep, nil
}

// precheck refuses what can be told without the database: unreadable rows,
// an id or a WeChat account twice in the file, an identity for a channel
// that is not configured.
func (d *Directory) precheck(r EmployeeRecord, i int, recs []EmployeeRecord, valid map[domain.EmployeeID]int, logins map[string]int) error {
	if r.Err != nil {
		return r.Err
	}
	if j, dup := valid[r.ID]; dup {
		return domain.Invalid("id", fmt.Sprintf("also on line %d", recs[j].Line))
	}
	type login struct{ field, app, key string }
	var mine []login
	if r.OAOpenID != nil && *r.OAOpenID != "" {
		if d.apps.OA == "" {
			return domain.Invalid("oa_openid", "the Official Account channel is not configured")
		}
		mine = append(mine, login{"oa_openid", "oa", *r.OAOpenID})
	}
	if r.WorkUserID != nil && *r.WorkUserID != "" {
		if d.apps.Work == "" {
			return domain.Invalid("work_userid", "the WeCom channel is not configured")
		}
		mine = append(mine, login{"work_userid", "work", *r.WorkUserID})
	}
	for _, l := range mine {
		if j, dup := logins[l.app+"\x00"+l.key]; dup {
			return domain.Invalid(l.field, fmt.Sprintf("also on line %d", recs[j].Line))
		}
	}
	for _, l := range mine {
		logins[l.app+"\x00"+l.key] = i
	}
	return nil
}

// managersFirst orders the good rows so that a row comes after the row of
// its approver, where the file has one; cycles keep file order.
func managersFirst(recs []EmployeeRecord, valid map[domain.EmployeeID]int) []int {
	state := make([]int8, len(recs)) // 0 new, 1 visiting, 2 done
	var order []int
	var visit func(i int)
	visit = func(i int) {
		if state[i] != 0 {
			return
		}
		state[i] = 1
		if m := recs[i].Change.ManagerID; m != nil {
			if j, ok := valid[*m]; ok && j != i {
				visit(j)
			}
		}
		state[i] = 2
		order = append(order, i)
	}
	for i := range recs {
		if _, ok := valid[recs[i].ID]; ok && valid[recs[i].ID] == i {
			visit(i)
		}
	}
	return order
}

func (d *Directory) importOne(ctx context.Context, employees EmployeeStore, r EmployeeRecord, recs []EmployeeRecord, valid map[domain.EmployeeID]int, failed map[domain.EmployeeID]bool) (ImportOutcome, error) {
	if m := r.Change.ManagerID; m != nil && *m != "" {
		if j, inFile := valid[*m]; inFile {
			if failed[*m] {
				return "", domain.Invalid("manager_id", fmt.Sprintf("the row of %s (line %d) failed", *m, recs[j].Line))
			}
		} else if _, err := employees.Get(ctx, *m); errors.Is(err, domain.ErrNotFound) {
			return "", domain.Invalid("manager_id", fmt.Sprintf("there is no employee %q", *m))
		} else if err != nil {
			return "", err
		}
	}
	cur, err := employees.Get(ctx, r.ID)
	if errors.Is(err, domain.ErrNotFound) {
		ch := r.Change
		if ids, ok := d.recordIdentities(nil, r); ok {
			ch.Identities = &ids
		}
		e, err := d.build(r.ID, ch)
		if err != nil {
			return "", err
		}
		if err := employees.Add(ctx, e); err != nil {
			return "", err
		}
		return ImportCreated, nil
	}
	if err != nil {
		return "", err
	}
	change := func(cur *domain.Employee) (*domain.Employee, error) {
		ch := r.Change
		if ids, ok := d.recordIdentities(cur, r); ok {
			ch.Identities = &ids
		}
		return d.apply(cur, ch)
	}
	next, err := change(cur)
	if err != nil {
		return "", err
	}
	if sameEmployee(cur, next) {
		return ImportUnchanged, nil
	}
	if _, err := employees.Update(ctx, r.ID, func(cur *domain.Employee) error {
		next, err := change(cur)
		if err != nil {
			return err
		}
		*cur = *next
		return nil
	}); err != nil {
		return "", err
	}
	return ImportUpdated, nil
}

// recordIdentities is the employee's identities with the file's columns
// applied to the configured apps; ok is false when the file has none of
// the identity columns. An empty oa_openid or work_userid removes that
// identity; an empty work_openid keeps the one learned at sign-in.
func (d *Directory) recordIdentities(cur *domain.Employee, r EmployeeRecord) ([]domain.Identity, bool) {
	if r.OAOpenID == nil && r.WorkUserID == nil {
		return nil, false
	}
	var ids []domain.Identity
	if cur != nil {
		ids = cur.Identities()
	}
	replace := func(ch domain.Channel, app string, with *domain.Identity) {
		out := ids[:0:0]
		for _, id := range ids {
			if id.Channel != ch || id.AppID != app {
				out = append(out, id)
			}
		}
		if with != nil {
			out = append(out, *with)
		}
		ids = out
	}
	if r.OAOpenID != nil && d.apps.OA != "" {
		var with *domain.Identity
		if *r.OAOpenID != "" {
			with = &domain.Identity{Channel: domain.ChannelOA, AppID: d.apps.OA, OpenID: *r.OAOpenID}
		}
		replace(domain.ChannelOA, d.apps.OA, with)
	}
	if r.WorkUserID != nil && d.apps.Work != "" {
		var with *domain.Identity
		if *r.WorkUserID != "" {
			with = &domain.Identity{Channel: domain.ChannelWork, AppID: d.apps.Work, UserID: *r.WorkUserID}
			if r.WorkOpenID != nil {
				with.OpenID = *r.WorkOpenID
			}
		}
		replace(domain.ChannelWork, d.apps.Work, with)
	}
	return ids, true
}

package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/baoxiao/baoxiao/domain"
)

// EmployeeStore is the employee repository the directory writes to.
type EmployeeStore interface {
	EmployeeDirectory
	Add(ctx context.Context, e *domain.Employee) error
	// List answers employees ordered by id, after the given id, at most limit.
	List(ctx context.Context, after domain.EmployeeID, limit int) ([]*domain.Employee, error)
	// InEmployeeTx runs fn with the store bound to one transaction: what
	// fn does commits together or not at all. Inside, each Add and Update
	// is a savepoint of its own, so a refused row can be skipped.
	InEmployeeTx(ctx context.Context, fn func(ctx context.Context, employees EmployeeStore) error) error
	// SearchActive answers at most limit active employees whose name, id
	// or department contains q (any when q is ""), the one whose id is q
	// first, then by id. q's characters all match themselves: % and _ are
	// not wildcards.
	SearchActive(ctx context.Context, q string, limit int) ([]Person, error)
}

// Apps are the configured WeChat apps identities belong to: the Official
// Account's appid and the WeCom corp id ("" when that channel is off).
type Apps struct {
	OA   string
	Work string
}

// Directory keeps the list of employees: who may sign in, their roles,
// approver and WeChat identities. Sandbox demo users come in through it
// too, so the demo exercises the same path as a real company.
type Directory struct {
	employees EmployeeStore
	clock     Clock
	apps      Apps
	work      WorkDirectory
}

// NewDirectory returns the employee directory.
func NewDirectory(employees EmployeeStore, clock Clock) *Directory {
	return &Directory{employees: employees, clock: clock}
}

// UseApps names the configured WeChat apps, whose identities the CSV
// columns oa_openid, work_userid and work_openid stand for.
func (d *Directory) UseApps(apps Apps) { d.apps = apps }

// UseWorkDirectory enables the WeCom address-list sync and WeCom names at
// self sign-up; w reads the corp's departments and members.
func (d *Directory) UseWorkDirectory(w WorkDirectory) { d.work = w }

// EmployeeChange changes some of an employee's fields; nil ones stay as
// they are (or take their default on a new employee: no department, the
// employee role only, no approver, active, no identities).
type EmployeeChange struct {
	Name       *string
	Department *string
	Roles      *[]domain.Role // the employee role is always added
	ManagerID  *domain.EmployeeID
	Active     *bool
	Identities *[]domain.Identity // replaces all identities
	Email      *string            // "" clears it (DECISIONS 48)
}

// Ensure adds the employee, or brings an existing one's name, department,
// roles, manager and identities in line with data. It keeps the active flag.
func (d *Directory) Ensure(ctx context.Context, data domain.EmployeeData) (*domain.Employee, error) {
	e, err := domain.NewEmployee(data, d.clock.Now())
	if err != nil {
		return nil, err
	}
	_, err = d.employees.Get(ctx, data.ID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		if err := d.employees.Add(ctx, e); err != nil {
			return nil, fmt.Errorf("add employee %s: %w", data.ID, err)
		}
		return e, nil
	case err != nil:
		return nil, err
	}
	return d.employees.Update(ctx, data.ID, func(cur *domain.Employee) error {
		want := e.Data()
		want.Active, want.Version, want.CreatedAt = cur.Active(), cur.Version(), cur.CreatedAt()
		// The mailbox address stays the one the employee was shown.
		want.IntakeToken = cur.IntakeToken()
		if want.IntakeToken == "" {
			want.IntakeToken = e.IntakeToken()
		}
		if data.Email == "" {
			want.Email = cur.Email()
		}
		want.UpdatedAt = d.clock.Now()
		*cur = *domain.RestoreEmployee(want)
		return nil
	})
}

// requireAdmin loads the signed-in employee and refuses anyone but an
// active administrator.
func requireAdmin(ctx context.Context, employees EmployeeDirectory, by domain.EmployeeID) (*domain.Employee, error) {
	return RequireAdmin(ctx, employees, by)
}

// EmployeeGetter loads one employee.
type EmployeeGetter interface {
	Get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error)
}

// RequireAdmin is requireAdmin for the use cases in app's subpackages.
func RequireAdmin(ctx context.Context, employees EmployeeGetter, by domain.EmployeeID) (*domain.Employee, error) {
	e, err := employees.Get(ctx, by)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return nil, domain.ErrAuthRequired
	}
	if err != nil {
		return nil, err
	}
	if !e.HasRole(domain.RoleAdmin) {
		return nil, domain.ErrForbidden.WithMessage("administrators only")
	}
	return e, nil
}

// List shows employees to an administrator, ordered by id.
func (d *Directory) List(ctx context.Context, by domain.EmployeeID, after domain.EmployeeID, limit int) ([]*domain.Employee, error) {
	if _, err := requireAdmin(ctx, d.employees, by); err != nil {
		return nil, err
	}
	return d.employees.List(ctx, after, limit)
}

// Get shows one employee to an administrator.
func (d *Directory) Get(ctx context.Context, by, id domain.EmployeeID) (*domain.Employee, error) {
	if _, err := requireAdmin(ctx, d.employees, by); err != nil {
		return nil, err
	}
	return d.employees.Get(ctx, id)
}

// Create adds an employee with a human-chosen id (DECISIONS 2); an
// administrator only.
func (d *Directory) Create(ctx context.Context, by, id domain.EmployeeID, ch EmployeeChange) (*domain.Employee, error) {
	if _, err := requireAdmin(ctx, d.employees, by); err != nil {
		return nil, err
	}
	e, err := d.build(id, ch)
	if err != nil {
		return nil, err
	}
	if err := d.checkManager(ctx, d.employees, e, nil); err != nil {
		return nil, err
	}
	if err := d.employees.Add(ctx, e); err != nil {
		return nil, err
	}
	return e, nil
}

// Update changes an employee if the administrator saw its current version.
// Deactivating keeps all history and blocks sign-in; open reports stay with
// their approver (admins reassign them). Administrators cannot lock
// themselves out.
func (d *Directory) Update(ctx context.Context, by, id domain.EmployeeID, version int64, ch EmployeeChange) (*domain.Employee, error) {
	if _, err := requireAdmin(ctx, d.employees, by); err != nil {
		return nil, err
	}
	if id == by {
		if ch.Active != nil && !*ch.Active {
			return nil, domain.Invalid("active", "you cannot deactivate yourself")
		}
		if ch.Roles != nil && !slices.Contains(*ch.Roles, domain.RoleAdmin) {
			return nil, domain.Invalid("roles", "you cannot remove your own admin role")
		}
	}
	var out *domain.Employee
	err := d.employees.InEmployeeTx(ctx, func(ctx context.Context, employees EmployeeStore) error {
		var err error
		out, err = employees.Update(ctx, id, func(cur *domain.Employee) error {
			if cur.Version() != version {
				return domain.ErrVersionConflict.With(map[string]any{"version": cur.Version()})
			}
			next, err := d.apply(cur, ch)
			if err != nil {
				return err
			}
			if err := d.checkManager(ctx, employees, next, nil); err != nil {
				return err
			}
			*cur = *next
			return nil
		})
		return err
	})
	return out, err
}

// build makes a new employee from a change.
func (d *Directory) build(id domain.EmployeeID, ch EmployeeChange) (*domain.Employee, error) {
	if _, err := domain.ParseEmployeeID(string(id)); err != nil {
		return nil, err
	}
	if ch.Name == nil {
		return nil, domain.Invalid("name", "required")
	}
	base := domain.RestoreEmployee(domain.EmployeeData{ID: id, Active: true})
	e, err := d.apply(base, ch)
	if err != nil {
		return nil, err
	}
	data := e.Data()
	data.CreatedAt, data.UpdatedAt = d.clock.Now(), d.clock.Now()
	return domain.RestoreEmployee(data), nil
}

// apply returns cur with ch applied and checked; cur is not changed. A
// WeCom identity given without its openid keeps the one learned at sign-in
// while the userid stays the same.
func (d *Directory) apply(cur *domain.Employee, ch EmployeeChange) (*domain.Employee, error) {
	data := cur.Data()
	if ch.Name != nil {
		data.Name = *ch.Name
	}
	if ch.Department != nil {
		data.Department = strings.TrimSpace(*ch.Department)
	}
	if ch.Roles != nil {
		data.Roles = slices.Clone(*ch.Roles)
	}
	if ch.ManagerID != nil {
		data.ManagerID = *ch.ManagerID
	}
	if ch.Email != nil {
		data.Email = *ch.Email
	}
	if ch.Identities != nil {
		ids := slices.Clone(*ch.Identities)
		for i, id := range ids {
			if old, ok := cur.Identity(id.Channel, id.AppID); ok && id.Channel == domain.ChannelWork && id.OpenID == "" && strings.EqualFold(old.UserID, id.UserID) {
				ids[i].OpenID = old.OpenID
			}
		}
		data.Identities = ids
	}
	if err := checkEmployeeData(data); err != nil {
		return nil, err
	}
	// NewEmployee holds the domain's rules (id, name, own approver,
	// identities); the rest of the state is carried over.
	checked, err := domain.NewEmployee(data, d.clock.Now())
	if err != nil {
		return nil, err
	}
	next := checked.Data()
	next.Active, next.Version, next.CreatedAt, next.UpdatedAt = cur.Active(), cur.Version(), cur.CreatedAt(), d.clock.Now()
	if ch.Active != nil {
		next.Active = *ch.Active
	}
	return domain.RestoreEmployee(next), nil
}

// checkEmployeeData adds what the columns and sign-in need to the domain's
// checks: known roles, bounded lengths, one identity per app.
func checkEmployeeData(d domain.EmployeeData) error {
	for _, r := range d.Roles {
		if _, err := domain.ParseRole(string(r)); err != nil {
			return domain.Invalid("roles", `each role must be "employee", "approver", "finance", "cashier" or "admin"`)
		}
	}
	if utf8.RuneCountInString(strings.TrimSpace(d.Name)) > 100 {
		return domain.Invalid("name", "at most 100 characters")
	}
	if utf8.RuneCountInString(d.Department) > 100 {
		return domain.Invalid("department", "at most 100 characters")
	}
	if d.ManagerID != "" {
		if _, err := domain.ParseEmployeeID(string(d.ManagerID)); err != nil {
			return domain.Invalid("manager_id", "is not an employee id")
		}
	}
	seen := map[[2]string]bool{}
	for _, id := range d.Identities {
		k := [2]string{string(id.Channel), id.AppID}
		if seen[k] {
			return domain.Invalid("identities", "one identity per channel and app")
		}
		seen[k] = true
		if len(id.AppID) > 64 || len(id.OpenID) > 128 || len(id.UserID) > 128 {
			return domain.Invalid("identities", "app_id is at most 64 bytes, openid and userid at most 128")
		}
		if id.Channel == domain.ChannelOA && id.UserID != "" {
			return domain.Invalid("identities.userid", "only for the work channel")
		}
	}
	return nil
}

// checkManager refuses an approver who is not an employee. pending names
// employees about to be added in the same batch.
func (d *Directory) checkManager(ctx context.Context, employees EmployeeDirectory, e *domain.Employee, pending map[domain.EmployeeID]bool) error {
	m := e.ManagerID()
	if m == "" || pending[m] {
		return nil
	}
	if _, err := employees.Get(ctx, m); errors.Is(err, domain.ErrNotFound) {
		return domain.Invalid("manager_id", fmt.Sprintf("there is no employee %q", m))
	} else if err != nil {
		return err
	}
	return nil
}

// sameEmployee reports whether a and b hold the same data, times and
// version aside.
func sameEmployee(a, b *domain.Employee) bool {
	x, y := a.Data(), b.Data()
	return x.ID == y.ID && x.Name == y.Name && x.Department == y.Department && x.ManagerID == y.ManagerID && x.Email == y.Email &&
		x.Active == y.Active && slices.Equal(x.Roles, y.Roles) && sameIdentities(x.Identities, y.Identities)
}

func sameIdentities(a, b []domain.Identity) bool {
	key := func(i domain.Identity) string { return string(i.Channel) + "\x00" + i.AppID }
	sortIDs := func(s []domain.Identity) []domain.Identity {
		s = slices.Clone(s)
		slices.SortFunc(s, func(p, q domain.Identity) int { return strings.Compare(key(p), key(q)) })
		return s
	}
	return slices.Equal(sortIDs(a), sortIDs(b))
}

// MaxLookup bounds a directory lookup: a picker shows a short list and the
// caller narrows it by typing more.
const MaxLookup = 50

// maxLookupQuery bounds q in runes; no name, id or department is longer.
const maxLookupQuery = 64

// Lookup finds active employees by part of their name, id or department,
// for the pages' employee pickers (the approver's transfer, the policy's
// named employees). Any signed-in active employee may ask: a pending
// approver can be anyone a policy names, not only holders of a role, and
// the answer is what a company address book shows everyone — id, name,
// department — never identities, roles or bank data. An exact id comes
// first, then ids in order.
func (d *Directory) Lookup(ctx context.Context, by domain.EmployeeID, q string, limit int) ([]Person, error) {
	e, err := d.employees.Get(ctx, by)
	if errors.Is(err, domain.ErrNotFound) || err == nil && !e.Active() {
		return nil, domain.ErrAuthRequired
	}
	if err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > maxLookupQuery {
		return nil, domain.Invalid("q", fmt.Sprintf("must be text of at most %d characters", maxLookupQuery))
	}
	if limit < 1 || limit > MaxLookup {
		return nil, domain.Invalid("limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxLookup))
	}
	return d.employees.SearchActive(ctx, q, limit)
}

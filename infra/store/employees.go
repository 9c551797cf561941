package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/domain"
)

var errNoRows = sql.ErrNoRows

// Employees stores employees and their WeChat identities.
type Employees struct{ db bun.IDB }

type employeeRow struct {
	bun.BaseModel `bun:"table:employees"`

	ID         string `bun:",pk"`
	Name       string
	Department string
	Roles      string
	ManagerID  *string
	Active     bool
	Email      string
	// IntakeToken is NULL until the employee has one: NULLs do not
	// collide in the unique index, and migrated rows get theirs at start.
	IntakeToken *string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type identityRow struct {
	bun.BaseModel `bun:"table:employee_identities"`

	EmployeeID string `bun:",pk"`
	Channel    string `bun:",pk"`
	AppID      string `bun:",pk"`
	Login      string
	UserID     string
	OpenID     string `bun:"open_id"`
}

func employeeFromDomain(e *domain.Employee) (employeeRow, []identityRow) {
	d := e.Data()
	roles := make([]string, len(d.Roles))
	for i, r := range d.Roles {
		roles[i] = string(r)
	}
	row := employeeRow{
		ID: string(d.ID), Name: d.Name, Department: d.Department, Roles: strings.Join(roles, ","),
		Active: d.Active, Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
	if d.ManagerID != "" {
		m := string(d.ManagerID)
		row.ManagerID = &m
	}
	row.Email = d.Email
	if d.IntakeToken != "" {
		t := d.IntakeToken
		row.IntakeToken = &t
	}
	ids := make([]identityRow, len(d.Identities))
	for i, id := range d.Identities {
		login := id.OpenID
		if id.Channel == domain.ChannelWork {
			login = workLogin(id.UserID)
		}
		ids[i] = identityRow{EmployeeID: row.ID, Channel: string(id.Channel), AppID: id.AppID, Login: login, UserID: id.UserID, OpenID: id.OpenID}
	}
	return row, ids
}

func (r employeeRow) toDomain(ids []identityRow) *domain.Employee {
	d := domain.EmployeeData{
		ID: domain.EmployeeID(r.ID), Name: r.Name, Department: r.Department, Active: r.Active,
		Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.ManagerID != nil {
		d.ManagerID = domain.EmployeeID(*r.ManagerID)
	}
	d.Email = r.Email
	if r.IntakeToken != nil {
		d.IntakeToken = *r.IntakeToken
	}
	for _, s := range strings.Split(r.Roles, ",") {
		if s != "" {
			d.Roles = append(d.Roles, domain.Role(s))
		}
	}
	for _, id := range ids {
		d.Identities = append(d.Identities, domain.Identity{Channel: domain.Channel(id.Channel), AppID: id.AppID, UserID: id.UserID, OpenID: id.OpenID})
	}
	return domain.RestoreEmployee(d)
}

// Add stores a new employee; an existing id or identity is a duplicate.
func (s *Employees) Add(ctx context.Context, e *domain.Employee) error {
	row, ids := employeeFromDomain(e)
	return runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			if _, dup := uniqueViolation(err); dup {
				return fmt.Errorf("add employee %s: %w", row.ID, domain.Invalid("id", "an employee with this id already exists"))
			}
			return fmt.Errorf("add employee %s: %w", row.ID, err)
		}
		return insertIdentities(ctx, tx, ids)
	})
}

func insertIdentities(ctx context.Context, tx bun.IDB, ids []identityRow) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.NewInsert().Model(&ids).Exec(ctx); err != nil {
		if _, dup := uniqueViolation(err); dup {
			return fmt.Errorf("save identities: %w", domain.Invalid("identities", "this WeChat account already belongs to another employee"))
		}
		return fmt.Errorf("save identities: %w", err)
	}
	return nil
}

// Get loads one employee.
func (s *Employees) Get(ctx context.Context, id domain.EmployeeID) (*domain.Employee, error) {
	return s.load(ctx, s.db, id, false)
}

func (s *Employees) load(ctx context.Context, db bun.IDB, id domain.EmployeeID, lock bool) (*domain.Employee, error) {
	var row employeeRow
	q := db.NewSelect().Model(&row).Where("id = ?", string(id))
	if lock {
		q = forUpdate(db, q)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "employee "+string(id))
	}
	var ids []identityRow
	if err := db.NewSelect().Model(&ids).Where("employee_id = ?", row.ID).OrderExpr("channel, app_id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("load identities of %s: %w", id, err)
	}
	return row.toDomain(ids), nil
}

// workLogin is the login key of a WeCom userid: WeCom compares userids
// without regard to case ("不区分大小写"), so an administrator's "wangfang"
// is WeCom's "WangFang".
func workLogin(userID string) string { return strings.ToLower(userID) }

// ByLogin finds the employee signing in with an OA openid or a WeCom userid
// under one app (OA appid or corp id).
func (s *Employees) ByLogin(ctx context.Context, ch domain.Channel, appID, login string) (*domain.Employee, error) {
	if ch == domain.ChannelWork {
		login = workLogin(login)
	}
	var id string
	err := s.db.NewSelect().Table("employee_identities").Column("employee_id").
		Where("channel = ? AND app_id = ? AND login = ?", string(ch), appID, login).Scan(ctx, &id)
	if err != nil {
		return nil, notFound(err, "employee by login")
	}
	return s.Get(ctx, domain.EmployeeID(id))
}

// List returns employees ordered by id, after the given id, at most limit.
func (s *Employees) List(ctx context.Context, after domain.EmployeeID, limit int) ([]*domain.Employee, error) {
	var rows []employeeRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("id").Limit(int64(limit))
	if after != "" {
		q = q.Where("id > ?", string(after))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list employees: %w", err)
	}
	return s.loadRows(ctx, rows)
}

// Update loads an employee, lets fn change it and saves it if its version
// is still the one loaded. A change of roles or a deactivation ends all
// of the employee's sessions in the same transaction (issue 15), whichever
// path made it: the directory, a CSV import or a WeCom sync.
func (s *Employees) Update(ctx context.Context, id domain.EmployeeID, fn func(*domain.Employee) error) (*domain.Employee, error) {
	var out *domain.Employee
	err := runInTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		e, err := s.load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before, _ := employeeFromDomain(e)
		if err := fn(e); err != nil {
			return err
		}
		row, ids := employeeFromDomain(e)
		if row.Roles != before.Roles || before.Active && !row.Active {
			if _, err := deleteSessionsOf(ctx, tx, id); err != nil {
				return err
			}
		}
		loaded := row.Version
		row.Version++
		res, err := tx.NewUpdate().Model(&row).WherePK().Where("version = ?", loaded).Exec(ctx)
		if err != nil {
			return fmt.Errorf("update employee %s: %w", id, err)
		}
		if err := versionCheck(res, "employee "+string(id)); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*identityRow)(nil)).Where("employee_id = ?", row.ID).Exec(ctx); err != nil {
			return fmt.Errorf("replace identities of %s: %w", id, err)
		}
		if err := insertIdentities(ctx, tx, ids); err != nil {
			return err
		}
		out = row.toDomain(ids)
		return nil
	})
	return out, err
}

// WithRole lists the active employees holding role, by id. Roles are
// stored comma-joined, so the four shapes of a list member are matched.
func (s *Employees) WithRole(ctx context.Context, role domain.Role) ([]*domain.Employee, error) {
	r := string(role)
	var rows []employeeRow
	err := s.db.NewSelect().Model(&rows).Where("active = ?", true).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("roles = ?", r).WhereOr("roles LIKE ?", r+",%").
				WhereOr("roles LIKE ?", "%,"+r).WhereOr("roles LIKE ?", "%,"+r+",%")
		}).OrderExpr("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("employees with role %s: %w", role, err)
	}
	return s.loadRows(ctx, rows)
}

// InDepartment lists the active employees of a department, by id.
func (s *Employees) InDepartment(ctx context.Context, department string) ([]*domain.Employee, error) {
	if department == "" {
		return nil, nil
	}
	var rows []employeeRow
	if err := s.db.NewSelect().Model(&rows).Where("active = ?", true).Where("department = ?", department).
		OrderExpr("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("employees of department %s: %w", department, err)
	}
	return s.loadRows(ctx, rows)
}

func (s *Employees) loadRows(ctx context.Context, rows []employeeRow) ([]*domain.Employee, error) {
	out := make([]*domain.Employee, 0, len(rows))
	for _, r := range rows {
		e, err := s.load(ctx, s.db, domain.EmployeeID(r.ID), false)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is what an employee may do. Everyone who signs in is an employee.
type Role string

// The roles.
const (
	RoleEmployee Role = "employee"
	RoleApprover Role = "approver"
	RoleFinance  Role = "finance"
	RoleAdmin    Role = "admin"
	// RoleCashier records payments (出纳, issue 17, DECISIONS 36).
	RoleCashier Role = "cashier"
)

// ParseRole accepts one of the role names.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleEmployee, RoleApprover, RoleFinance, RoleAdmin, RoleCashier:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q", s)
}

// Identity ties an employee to a WeChat account. For the OA channel AppID is
// the Official Account's appid and OpenID the user's openid under it; for
// WeCom AppID is the corp id, UserID the member's userid and OpenID, once
// known, the result of convert_to_openid.
type Identity struct {
	Channel Channel
	AppID   string
	UserID  string
	OpenID  string
}

// Employee (员工) is a person who may sign in, import invoices and, with the
// right roles, approve reports or work in finance.
type Employee struct {
	id         EmployeeID
	name       string
	department string
	roles      []Role
	managerID  EmployeeID
	active     bool
	identities []Identity
	email      string
	intake     string
	version    int64
	createdAt  time.Time
	updatedAt  time.Time
}

// EmployeeData is the full state, for repositories and for NewEmployee.
type EmployeeData struct {
	ID         EmployeeID
	Name       string
	Department string
	Roles      []Role
	ManagerID  EmployeeID
	Active     bool
	Identities []Identity
	// Email is the employee's own address, lower-case, or "". The mailbox
	// matches mail by it only when From is trusted (DECISIONS 48).
	Email string
	// IntakeToken is the random tag of the employee's mailbox address
	// local+token@domain (DECISIONS 48); NewEmployee draws one when empty.
	IntakeToken string
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NewEmployee validates d and returns an active employee. The employee role
// is implied and always present.
func NewEmployee(d EmployeeData, now time.Time) (*Employee, error) {
	if _, err := ParseEmployeeID(string(d.ID)); err != nil {
		return nil, err
	}
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		return nil, Invalid("name", "required")
	}
	if d.ManagerID == d.ID {
		return nil, Invalid("manager_id", "an employee cannot be their own approver")
	}
	for _, id := range d.Identities {
		if err := validateIdentity(id); err != nil {
			return nil, err
		}
	}
	email, err := ParseEmail(d.Email)
	if err != nil {
		return nil, err
	}
	d.Email = email
	if d.IntakeToken == "" {
		d.IntakeToken = NewIntakeToken()
	} else if !ValidIntakeToken(d.IntakeToken) {
		return nil, Invalid("intake_token", "must be 12 to 32 characters a-z and 2-7")
	}
	e := RestoreEmployee(d)
	e.active = true
	e.createdAt, e.updatedAt = now, now
	return e, nil
}

// RestoreEmployee rebuilds an employee from storage without validation.
func RestoreEmployee(d EmployeeData) *Employee {
	roles := slices.Clone(d.Roles)
	if !slices.Contains(roles, RoleEmployee) {
		roles = append([]Role{RoleEmployee}, roles...)
	}
	slices.Sort(roles)
	roles = slices.Compact(roles)
	return &Employee{
		id: d.ID, name: d.Name, department: d.Department, roles: roles,
		managerID: d.ManagerID, active: d.Active, identities: slices.Clone(d.Identities),
		email: d.Email, intake: d.IntakeToken,
		version: d.Version, createdAt: d.CreatedAt, updatedAt: d.UpdatedAt,
	}
}

func validateIdentity(id Identity) error {
	if _, err := ParseChannel(string(id.Channel)); err != nil {
		return Invalid("identities.channel", err.Error())
	}
	if id.AppID == "" {
		return Invalid("identities.app_id", "required")
	}
	if id.Channel == ChannelOA && id.OpenID == "" {
		return Invalid("identities.openid", "required for the oa channel")
	}
	if id.Channel == ChannelWork && id.UserID == "" {
		return Invalid("identities.userid", "required for the work channel")
	}
	return nil
}

// ID is the employee's id.
func (e *Employee) ID() EmployeeID { return e.id }

// Name is the display name.
func (e *Employee) Name() string { return e.name }

// Department is the department name, if known.
func (e *Employee) Department() string { return e.department }

// Roles lists the roles, sorted; it always includes RoleEmployee.
func (e *Employee) Roles() []Role { return slices.Clone(e.roles) }

// HasRole reports whether the employee holds r.
func (e *Employee) HasRole(r Role) bool { return slices.Contains(e.roles, r) }

// ManagerID is the employee's approver, or "" when none is set.
func (e *Employee) ManagerID() EmployeeID { return e.managerID }

// Active reports whether the employee may sign in.
func (e *Employee) Active() bool { return e.active }

// Identities lists the WeChat accounts tied to the employee.
func (e *Employee) Identities() []Identity { return slices.Clone(e.identities) }

// Email is the employee's own address, lower-case, or "".
func (e *Employee) Email() string { return e.email }

// IntakeToken is the tag of the employee's mailbox address, or "" for an
// employee stored before tokens existed and not yet given one.
func (e *Employee) IntakeToken() string { return e.intake }

// Version is the optimistic-lock counter.
func (e *Employee) Version() int64 { return e.version }

// CreatedAt is when the employee was added.
func (e *Employee) CreatedAt() time.Time { return e.createdAt }

// UpdatedAt is when the employee last changed.
func (e *Employee) UpdatedAt() time.Time { return e.updatedAt }

// Identity finds the employee's account on a channel under one app (OA
// appid or WeCom corp id).
func (e *Employee) Identity(ch Channel, appID string) (Identity, bool) {
	for _, id := range e.identities {
		if id.Channel == ch && id.AppID == appID {
			return id, true
		}
	}
	return Identity{}, false
}

// SetIdentity adds or replaces the account for (channel, app).
func (e *Employee) SetIdentity(id Identity, now time.Time) error {
	if err := validateIdentity(id); err != nil {
		return err
	}
	for i, old := range e.identities {
		if old.Channel == id.Channel && old.AppID == id.AppID {
			e.identities[i] = id
			e.updatedAt = now
			return nil
		}
	}
	e.identities = append(e.identities, id)
	e.updatedAt = now
	return nil
}

// Deactivate blocks sign-in and keeps all history.
func (e *Employee) Deactivate(now time.Time) { e.active, e.updatedAt = false, now }

// Activate allows sign-in again.
func (e *Employee) Activate(now time.Time) { e.active, e.updatedAt = true, now }

// Data returns the full state, for repositories.
func (e *Employee) Data() EmployeeData {
	return EmployeeData{
		ID: e.id, Name: e.name, Department: e.department, Roles: e.Roles(),
		ManagerID: e.managerID, Active: e.active, Identities: e.Identities(),
		Email: e.email, IntakeToken: e.intake,
		Version: e.version, CreatedAt: e.createdAt, UpdatedAt: e.updatedAt,
	}
}

package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/baoxiao/baoxiao/domain"
)

// WorkDepartment is a WeCom department (部门).
type WorkDepartment struct {
	ID       int64
	ParentID int64
	Name     string
	Leaders  []string // userids of its leaders (部门负责人), when WeCom tells
}

// WorkMember is a WeCom member (成员) of the corp.
type WorkMember struct {
	UserID         string
	Name           string
	Departments    []int64
	MainDepartment int64
	LeaderIn       []int64  // the departments the member leads
	DirectLeaders  []string // userids of the member's direct leaders (直属上级)
	// Status is WeCom's: 1 active, 2 disabled, 4 not yet activated, 5 left.
	Status int
}

// WeCom member statuses that end an employee's sign-in.
const (
	workMemberDisabled = 2
	workMemberLeft     = 5
)

// WorkDirectory reads the WeCom address list (通讯录) of the configured corp.
type WorkDirectory interface {
	AppID() string // the corp id
	Departments(ctx context.Context) ([]WorkDepartment, error)
	// DepartmentMembers lists the members directly in one department.
	DepartmentMembers(ctx context.Context, departmentID int64) ([]WorkMember, error)
	Member(ctx context.Context, userID string) (WorkMember, error)
}

// SyncSkip is a WeCom member the sync left alone, and why.
type SyncSkip struct {
	UserID string
	Reason string
}

// SyncResult says what a WeCom sync did.
type SyncResult struct {
	Created     []domain.EmployeeID
	Updated     []domain.EmployeeID
	Deactivated []domain.EmployeeID // disabled in WeCom, or left the corp
	Unchanged   int
	Skipped     []SyncSkip
	// Missing are employees with an identity in the corp whom WeCom no
	// longer lists; the sync leaves them as they are.
	Missing []domain.EmployeeID
}

// EmployeeIDFromLogin derives an employee id from a WeCom userid or an OA
// openid: lower-cased, every character other than a-z, 0-9, '.', '_' and
// '-' replaced by '-', prefixed with "u" when it would not start with a
// letter or digit, cut to 64 characters.
func EmployeeIDFromLogin(login string) domain.EmployeeID {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(login)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	if strings.Trim(s, "._-") == "" {
		sum := sha256.Sum256([]byte(login))
		s = "u" + hex.EncodeToString(sum[:6])
	}
	if c := s[0]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
		s = "u" + s
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return domain.EmployeeID(s)
}

// SyncWorkAs runs the WeCom sync for an administrator.
func (d *Directory) SyncWorkAs(ctx context.Context, by domain.EmployeeID) (SyncResult, error) {
	if _, err := requireAdmin(ctx, d.employees, by); err != nil {
		return SyncResult{}, err
	}
	return d.SyncWork(ctx)
}

// workCorp is the WeCom address list, read once.
type workCorp struct {
	depts   map[int64]WorkDepartment
	members []WorkMember
	leads   map[int64][]string // department → leaders' userids
}

func (d *Directory) readWorkCorp(ctx context.Context) (*workCorp, error) {
	if d.work == nil {
		return nil, ErrChannelOff.With(map[string]any{"channel": string(domain.ChannelWork)})
	}
	var depts []WorkDepartment
	if err := withRetry(ctx, func() (err error) {
		depts, err = d.work.Departments(ctx)
		return err
	}); err != nil {
		return nil, asDomainError(err)
	}
	c := &workCorp{depts: map[int64]WorkDepartment{}, leads: map[int64][]string{}}
	seen := map[string]bool{}
	for _, dep := range depts {
		c.depts[dep.ID] = dep
		c.leads[dep.ID] = append(c.leads[dep.ID], dep.Leaders...)
		var ms []WorkMember
		if err := withRetry(ctx, func() (err error) {
			ms, err = d.work.DepartmentMembers(ctx, dep.ID)
			return err
		}); err != nil {
			return nil, asDomainError(err)
		}
		for _, m := range ms {
			if m.UserID == "" || seen[m.UserID] {
				continue
			}
			seen[m.UserID] = true
			c.members = append(c.members, m)
		}
	}
	for _, m := range c.members {
		for _, dep := range m.LeaderIn {
			if !slices.Contains(c.leads[dep], m.UserID) {
				c.leads[dep] = append(c.leads[dep], m.UserID)
			}
		}
	}
	return c, nil
}

// department is the member's main department (or first).
func (c *workCorp) department(m WorkMember) (WorkDepartment, bool) {
	id := m.MainDepartment
	if id == 0 && len(m.Departments) > 0 {
		id = m.Departments[0]
	}
	dep, ok := c.depts[id]
	return dep, ok
}

// leader is the userid of the member's default approver: their direct
// leader, else the leader of their department, else of the departments
// above it; "" when there is none.
func (c *workCorp) leader(m WorkMember) string {
	for _, l := range m.DirectLeaders {
		if l != "" && l != m.UserID {
			return l
		}
	}
	dep, ok := c.department(m)
	for hops := 0; ok && hops < 64; hops++ {
		for _, l := range c.leads[dep.ID] {
			if l != m.UserID {
				return l
			}
		}
		if dep.ParentID == 0 || dep.ParentID == dep.ID {
			break
		}
		dep, ok = c.depts[dep.ParentID]
	}
	return ""
}

// SyncWork reads the WeCom departments and members and brings the
// employees in line: new members become plain employees (their ids derived
// with EmployeeIDFromLogin); names and departments follow WeCom; members
// disabled in WeCom or gone are deactivated; an employee without an
// approver gets their WeCom leader, who gains the approver role. Roles,
// and approvers already set, are left alone. Each member is saved on its
// own: one refusal does not stop the others.
func (d *Directory) SyncWork(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	corp, err := d.readWorkCorp(ctx)
	if err != nil {
		return res, err
	}
	corpID := d.work.AppID()
	byUser := map[string]domain.EmployeeID{}
	changed := map[domain.EmployeeID]bool{}

	// Pass 1: everyone's name, department and identity.
	for _, m := range corp.members {
		id, created, updated, err := d.syncMember(ctx, corp, corpID, m)
		switch {
		case err != nil:
			var de *domain.Error
			if !errors.As(err, &de) {
				return res, err
			}
			res.Skipped = append(res.Skipped, SyncSkip{UserID: m.UserID, Reason: de.Message})
			continue
		case id == "":
			continue
		case created:
			res.Created = append(res.Created, id)
		case updated:
			changed[id] = true
		}
		byUser[m.UserID] = id
		if (m.Status == workMemberDisabled || m.Status == workMemberLeft) && !created {
			if e, err := d.employees.Get(ctx, id); err == nil && e.Active() {
				if _, err := d.employees.Update(ctx, id, func(e *domain.Employee) error {
					e.Deactivate(d.clock.Now())
					return nil
				}); err != nil {
					return res, err
				}
				res.Deactivated = append(res.Deactivated, id)
			}
		}
	}

	// Pass 2: default approvers, now that every leader has an employee.
	approvers := map[domain.EmployeeID]bool{}
	for _, m := range corp.members {
		id, leader := byUser[m.UserID], byUser[corp.leader(m)]
		if id == "" || leader == "" || leader == id {
			continue
		}
		if le, err := d.employees.Get(ctx, leader); err != nil || !le.Active() {
			continue // a deactivated leader approves nobody
		}
		set := false
		if _, err := d.employees.Update(ctx, id, func(e *domain.Employee) error {
			if e.ManagerID() != "" {
				return errUnchanged
			}
			data := e.Data()
			data.ManagerID, data.UpdatedAt = leader, d.clock.Now()
			*e = *domain.RestoreEmployee(data)
			set = true
			return nil
		}); err != nil && !errors.Is(err, errUnchanged) {
			return res, err
		}
		if set {
			changed[id] = true
			approvers[leader] = true
		}
	}
	for leader := range approvers {
		if _, err := d.employees.Update(ctx, leader, func(e *domain.Employee) error {
			if e.HasRole(domain.RoleApprover) {
				return errUnchanged
			}
			data := e.Data()
			data.Roles, data.UpdatedAt = append(data.Roles, domain.RoleApprover), d.clock.Now()
			*e = *domain.RestoreEmployee(data)
			return nil
		}); err != nil && !errors.Is(err, errUnchanged) {
			return res, err
		} else if err == nil {
			changed[leader] = true
		}
	}
	for _, id := range res.Created {
		delete(changed, id)
	}
	for id := range changed {
		res.Updated = append(res.Updated, id)
	}
	slices.Sort(res.Updated)
	touched := map[domain.EmployeeID]bool{}
	for _, ids := range [][]domain.EmployeeID{res.Created, res.Updated, res.Deactivated} {
		for _, id := range ids {
			touched[id] = true
		}
	}
	for _, id := range byUser {
		if !touched[id] {
			res.Unchanged++
		}
	}

	// Who has an identity in the corp but is no longer listed.
	listed := map[domain.EmployeeID]bool{}
	for _, id := range byUser {
		listed[id] = true
	}
	err = d.eachEmployee(ctx, func(e *domain.Employee) {
		if _, ok := e.Identity(domain.ChannelWork, corpID); ok && !listed[e.ID()] && e.Active() {
			res.Missing = append(res.Missing, e.ID())
		}
	})
	return res, err
}

// errUnchanged rolls back an update that turned out to change nothing.
var errUnchanged = errors.New("unchanged")

// syncMember creates or updates the employee of one member. It answers
// the employee id ("" when the member is not brought in) and whether it
// was created or changed.
func (d *Directory) syncMember(ctx context.Context, corp *workCorp, corpID string, m WorkMember) (domain.EmployeeID, bool, bool, error) {
	name := strings.TrimSpace(m.Name)
	dept := ""
	if dep, ok := corp.department(m); ok {
		dept = dep.Name
	}
	e, err := d.employees.ByLogin(ctx, domain.ChannelWork, corpID, m.UserID)
	if errors.Is(err, domain.ErrNotFound) {
		if m.Status == workMemberDisabled || m.Status == workMemberLeft {
			return "", false, false, nil
		}
		id := EmployeeIDFromLogin(m.UserID)
		if _, err := d.employees.Get(ctx, id); err == nil {
			return "", false, false, domain.Invalid("id", fmt.Sprintf("employee id %q is taken by someone without this WeCom identity; add the identity to the right employee", id))
		} else if !errors.Is(err, domain.ErrNotFound) {
			return "", false, false, err
		}
		if name == "" {
			name = string(id)
		}
		ids := []domain.Identity{{Channel: domain.ChannelWork, AppID: corpID, UserID: m.UserID}}
		ne, err := d.build(id, EmployeeChange{Name: &name, Department: &dept, Identities: &ids})
		if err != nil {
			return "", false, false, err
		}
		if err := d.employees.Add(ctx, ne); err != nil {
			return "", false, false, err
		}
		return id, true, false, nil
	}
	if err != nil {
		return "", false, false, err
	}
	ch := EmployeeChange{Department: &dept}
	if name != "" {
		ch.Name = &name
	}
	next, err := d.apply(e, ch)
	if err != nil {
		return "", false, false, err
	}
	if sameEmployee(e, next) {
		return e.ID(), false, false, nil
	}
	if _, err := d.employees.Update(ctx, e.ID(), func(cur *domain.Employee) error {
		n, err := d.apply(cur, ch)
		if err != nil {
			return err
		}
		*cur = *n
		return nil
	}); err != nil {
		return "", false, false, err
	}
	return e.ID(), false, true, nil
}

// eachEmployee calls fn for every employee, in id order.
func (d *Directory) eachEmployee(ctx context.Context, fn func(*domain.Employee)) error {
	var after domain.EmployeeID
	for {
		page, err := d.employees.List(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, e := range page {
			fn(e)
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1].ID()
	}
}

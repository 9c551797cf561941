package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/baoxiao/baoxiao/domain"
)

// SignUp adds a WeChat user who passed OAuth but is not an employee yet
// (auth.self_signup): an active plain employee with the OA openid or WeCom
// userid as identity, the name and department WeCom knows (else the id as
// name), their WeCom leader as approver when that leader is an employee,
// else the default approver: the first active employee, by id, with the
// approver role. The id is derived from the login (EmployeeIDFromLogin),
// with "-2", "-3"… when taken.
func (d *Directory) SignUp(ctx context.Context, ch domain.Channel, appID, login string) (*domain.Employee, error) {
	name, dept := "", ""
	var manager domain.EmployeeID
	if ch == domain.ChannelWork && d.work != nil && d.work.AppID() == appID {
		// Best effort: sign-up works without the address list.
		if m, err := d.work.Member(ctx, login); err == nil {
			name = strings.TrimSpace(m.Name)
			if corp, err := d.readWorkCorpFor(ctx, m); err == nil {
				if dep, ok := corp.department(m); ok {
					dept = dep.Name
				}
				if l := corp.leader(m); l != "" {
					if le, err := d.employees.ByLogin(ctx, domain.ChannelWork, appID, l); err == nil && le.Active() {
						manager = le.ID()
					}
				}
			}
		} else {
			slog.WarnContext(ctx, "self sign-up: WeCom member not readable", "err", err)
		}
	}
	if manager == "" {
		var err error
		if manager, err = d.defaultApprover(ctx); err != nil {
			return nil, err
		}
	}
	identity := domain.Identity{Channel: ch, AppID: appID}
	if ch == domain.ChannelWork {
		identity.UserID = login
	} else {
		identity.OpenID = login
	}
	ids := []domain.Identity{identity}
	base := EmployeeIDFromLogin(login)
	for n := 1; n <= 20; n++ {
		id := base
		if n > 1 {
			suffix := fmt.Sprintf("-%d", n)
			id = domain.EmployeeID(strings.TrimRight(string(base)[:min(len(base), 64-len(suffix))], "._-") + suffix)
		}
		if _, err := d.employees.Get(ctx, id); err == nil {
			continue
		} else if !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
		nm := name
		if nm == "" {
			nm = string(id)
		}
		mgr := manager
		if mgr == id {
			mgr = ""
		}
		e, err := d.build(id, EmployeeChange{Name: &nm, Department: &dept, ManagerID: &mgr, Identities: &ids})
		if err != nil {
			return nil, err
		}
		err = d.employees.Add(ctx, e)
		if err == nil {
			slog.InfoContext(ctx, "self sign-up", "employee", id, "channel", ch)
			return e, nil
		}
		// A concurrent sign-in of the same user got there first, or
		// someone took the id meanwhile.
		if existing, lerr := d.employees.ByLogin(ctx, ch, appID, login); lerr == nil {
			return existing, nil
		}
		if !errors.Is(err, domain.ErrInvalidInput) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("self sign-up: no free employee id for %s", base)
}

// readWorkCorpFor reads just the departments, enough to name the member's
// department and find its leader; the members of the department chain are
// read for their leader flags.
func (d *Directory) readWorkCorpFor(ctx context.Context, m WorkMember) (*workCorp, error) {
	depts, err := d.work.Departments(ctx)
	if err != nil {
		return nil, err
	}
	c := &workCorp{depts: map[int64]WorkDepartment{}, leads: map[int64][]string{}}
	for _, dep := range depts {
		c.depts[dep.ID] = dep
		c.leads[dep.ID] = append(c.leads[dep.ID], dep.Leaders...)
	}
	if len(m.DirectLeaders) > 0 {
		return c, nil
	}
	dep, ok := c.department(m)
	for hops := 0; ok && hops < 64; hops++ {
		if len(c.leads[dep.ID]) == 0 {
			members, err := d.work.DepartmentMembers(ctx, dep.ID)
			if err != nil {
				return nil, err
			}
			for _, o := range members {
				for _, lid := range o.LeaderIn {
					if lid == dep.ID {
						c.leads[dep.ID] = append(c.leads[dep.ID], o.UserID)
					}
				}
			}
		}
		if dep.ParentID == 0 || dep.ParentID == dep.ID {
			break
		}
		dep, ok = c.depts[dep.ParentID]
	}
	return c, nil
}

// defaultApprover is the first active employee, by id, with the approver
// role; "" when there is none.
func (d *Directory) defaultApprover(ctx context.Context) (domain.EmployeeID, error) {
	var found domain.EmployeeID
	var after domain.EmployeeID
	for found == "" {
		page, err := d.employees.List(ctx, after, 500)
		if err != nil {
			return "", err
		}
		for _, e := range page {
			if e.Active() && e.HasRole(domain.RoleApprover) {
				found = e.ID()
				break
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID()
	}
	return found, nil
}

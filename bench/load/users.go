package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/baoxiao/baoxiao/config"
)

// person is one virtual user, signed in.
type person struct {
	ID      string
	OpenID  string
	Manager int // index into the approvers, for employees
	*client
}

// signIn signs c in as the demo user id.
func signIn(ctx context.Context, c *client, id string) error {
	if err := c.do(ctx, "", http.MethodPost, "/auth/sandbox/login", map[string]any{"user": id}, nil); err != nil {
		return fmt.Errorf("sign in %s: %w", id, err)
	}
	return nil
}

// company adds the bench's people as an administrator would: each first
// becomes an OA follower in the sandbox (which hands out the openid their
// invoices carry), then an employee through the admin API. Approvers are
// separate people, so nobody approves their own report (DECISIONS 5), and
// employees are spread over them.
func company(ctx context.Context, admin *client, newClient func() *client, employees, approvers int) (emps, mgrs []*person, err error) {
	add := func(id, name, manager string, roles []string) (*person, error) {
		var u struct {
			OpenID string `json:"openid"`
		}
		if err := admin.do(ctx, "", http.MethodPost, "/sandbox/_control/users", map[string]any{
			"channel": "oa", "employee_id": id, "name": name, "department": "压测部", "manager_id": manager,
		}, &u); err != nil {
			return nil, err
		}
		emp := map[string]any{
			"id": id, "name": name, "department": "压测部", "roles": roles,
			"identities": []map[string]any{{"channel": "oa", "app_id": config.SandboxOAAppID, "openid": u.OpenID}},
		}
		if manager != "" {
			emp["manager_id"] = manager
		}
		if err := admin.do(ctx, "", http.MethodPost, "/api/v1/admin/employees", emp, nil); err != nil {
			return nil, err
		}
		p := &person{ID: id, OpenID: u.OpenID, client: newClient()}
		var me struct {
			OpenID string `json:"openid"`
		}
		if err := p.do(ctx, "", http.MethodPost, "/auth/sandbox/login", map[string]any{"user": id}, &me); err != nil {
			return nil, err
		}
		if me.OpenID != u.OpenID {
			return nil, fmt.Errorf("%s signed in with openid %q, want %q", id, me.OpenID, u.OpenID)
		}
		return p, nil
	}
	for i := range approvers {
		p, err := add(fmt.Sprintf("bench-mgr-%02d", i), fmt.Sprintf("审批人%02d", i), "", []string{"employee", "approver"})
		if err != nil {
			return nil, nil, fmt.Errorf("add approver: %w", err)
		}
		mgrs = append(mgrs, p)
	}
	for i := range employees {
		m := i % approvers
		p, err := add(fmt.Sprintf("bench-emp-%03d", i), fmt.Sprintf("员工%03d", i), mgrs[m].ID, []string{"employee"})
		if err != nil {
			return nil, nil, fmt.Errorf("add employee: %w", err)
		}
		p.Manager = m
		emps = append(emps, p)
	}
	return emps, mgrs, nil
}

// managerOnly replaces the demo's three-step chain with one step, the
// owner's manager: the load measures the write path, one approval each,
// and expects CLOSURE after it.
func managerOnly(ctx context.Context, admin *client) error {
	var cur struct {
		Version int64 `json:"version"`
	}
	if err := admin.do(ctx, "", http.MethodGet, "/api/v1/admin/approval-policy", nil, &cur); err != nil {
		return fmt.Errorf("read the approval policy: %w", err)
	}
	err := admin.do(ctx, "", http.MethodPut, "/api/v1/admin/approval-policy", map[string]any{
		"version": cur.Version,
		"steps":   []map[string]any{{"name": "主管审批", "approvers": "manager", "level": 1}},
	}, nil)
	if err != nil {
		return fmt.Errorf("set a one-step approval policy: %w", err)
	}
	return nil
}

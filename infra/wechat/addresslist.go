package wechat

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

// The WeCom address list (通讯录): departments and members, for the
// directory sync and self sign-up. Ours, like the reimburse calls:
// silenceper's work/addresslist client hard-codes qyapi.weixin.qq.com
// (DECISIONS 14), and the base URL here comes from config.

var _ app.WorkDirectory = (*Client)(nil)

// maxListResponse bounds a member list's answer: a large department's
// full member records run to megabytes.
const maxListResponse = 64 << 20

type wireDepartment struct {
	ID               flexInt  `json:"id"`
	Name             string   `json:"name"`
	ParentID         flexInt  `json:"parentid"`
	DepartmentLeader []string `json:"department_leader"`
}

type wireMember struct {
	UserID         string    `json:"userid"`
	Name           string    `json:"name"`
	Department     []flexInt `json:"department"`
	MainDepartment flexInt   `json:"main_department"`
	IsLeaderInDept []flexInt `json:"is_leader_in_dept"`
	DirectLeader   []string  `json:"direct_leader"`
	Status         flexInt   `json:"status"`
}

func (w wireMember) member() app.WorkMember {
	m := app.WorkMember{
		UserID: w.UserID, Name: w.Name, MainDepartment: w.MainDepartment.N,
		DirectLeaders: w.DirectLeader, Status: int(w.Status.N),
	}
	if !w.Status.Set {
		m.Status = 1 // simplelist-style answers omit it: listed means active
	}
	for i, d := range w.Department {
		m.Departments = append(m.Departments, d.N)
		// is_leader_in_dept runs parallel to department.
		if i < len(w.IsLeaderInDept) && w.IsLeaderInDept[i].N == 1 {
			m.LeaderIn = append(m.LeaderIn, d.N)
		}
	}
	return m
}

// getWithToken makes an authenticated GET, refreshing a stale token once.
func (c *Client) getWithToken(ctx context.Context, ep endpoint, q url.Values) ([]byte, error) {
	if c.channel != domain.ChannelWork {
		return nil, newError(ep.name, app.Misconfigured, 0, "a WeCom call on the Official Account client")
	}
	var raw []byte
	err := c.withToken(ctx, func(tok string) error {
		query := url.Values{"access_token": {tok}}
		for k, v := range q {
			query[k] = v
		}
		var err error
		raw, err = c.call(ctx, ep, query, nil, tok)
		return err
	})
	return raw, err
}

// Departments lists every department visible to the application
// (/cgi-bin/department/list).
func (c *Client) Departments(ctx context.Context) ([]app.WorkDepartment, error) {
	ep := endpoint{name: "department/list", method: http.MethodGet, path: "/cgi-bin/department/list"}
	raw, err := c.getWithToken(ctx, ep, nil)
	if err != nil {
		return nil, err
	}
	var a struct {
		Department []wireDepartment `json:"department"`
	}
	if err := decode(ep, raw, &a); err != nil {
		return nil, err
	}
	out := make([]app.WorkDepartment, 0, len(a.Department))
	for _, d := range a.Department {
		out = append(out, app.WorkDepartment{ID: d.ID.N, ParentID: d.ParentID.N, Name: d.Name, Leaders: d.DepartmentLeader})
	}
	return out, nil
}

// DepartmentMembers lists the members directly in one department, with
// their details (/cgi-bin/user/list, fetch_child=0).
func (c *Client) DepartmentMembers(ctx context.Context, departmentID int64) ([]app.WorkMember, error) {
	ep := endpoint{name: "user/list", method: http.MethodGet, path: "/cgi-bin/user/list"}
	big := *c
	big.maxResponse = max(c.maxResponse, maxListResponse)
	raw, err := big.getWithToken(ctx, ep, url.Values{"department_id": {strconv.FormatInt(departmentID, 10)}, "fetch_child": {"0"}})
	if err != nil {
		return nil, err
	}
	var a struct {
		UserList []wireMember `json:"userlist"`
	}
	if err := decode(ep, raw, &a); err != nil {
		return nil, err
	}
	out := make([]app.WorkMember, 0, len(a.UserList))
	for _, w := range a.UserList {
		out = append(out, w.member())
	}
	return out, nil
}

// Member reads one member (/cgi-bin/user/get).
func (c *Client) Member(ctx context.Context, userID string) (app.WorkMember, error) {
	ep := endpoint{name: "user/get", method: http.MethodGet, path: "/cgi-bin/user/get"}
	raw, err := c.getWithToken(ctx, ep, url.Values{"userid": {userID}})
	if err != nil {
		return app.WorkMember{}, err
	}
	var w wireMember
	if err := decode(ep, raw, &w); err != nil {
		return app.WorkMember{}, err
	}
	if w.UserID == "" {
		return app.WorkMember{}, newError(ep.name, app.Refused, 0, "the answer has no userid")
	}
	return w.member(), nil
}

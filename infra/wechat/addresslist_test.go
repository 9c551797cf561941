package wechat_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/wechat"
)

// The address list against the sandbox: departments with their leaders,
// members with their departments and direct leaders.
func TestSandboxAddressList(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()
	e.ctl(http.MethodPost, "/users", map[string]any{"channel": "work", "userid": "Dev.Lead", "employee_id": "dev-lead", "name": "研发负责人", "department": "研发部"}, nil)
	e.ctl(http.MethodPost, "/users", map[string]any{"channel": "work", "userid": "Zhou.Qiang", "employee_id": "zhou", "name": "周强", "department": "研发部", "manager_id": "dev-lead"}, nil)

	depts, err := e.work.Departments(ctx)
	require.NoError(t, err)
	byName := map[string]app.WorkDepartment{}
	for _, d := range depts {
		byName[d.Name] = d
	}
	dev, ok := byName["研发部"]
	require.True(t, ok, "%+v", depts)
	require.Equal(t, []string{"Dev.Lead"}, dev.Leaders)
	require.NotZero(t, dev.ParentID)

	members, err := e.work.DepartmentMembers(ctx, dev.ID)
	require.NoError(t, err)
	got := map[string]app.WorkMember{}
	for _, m := range members {
		got[m.UserID] = m
	}
	require.Len(t, got, 2)
	require.Equal(t, "周强", got["Zhou.Qiang"].Name)
	require.Equal(t, []string{"Dev.Lead"}, got["Zhou.Qiang"].DirectLeaders)
	require.Equal(t, []int64{dev.ID}, got["Dev.Lead"].LeaderIn)
	require.Equal(t, dev.ID, got["Zhou.Qiang"].MainDepartment)
	require.Equal(t, 1, got["Zhou.Qiang"].Status)

	m, err := e.work.Member(ctx, "Zhou.Qiang")
	require.NoError(t, err)
	require.Equal(t, "周强", m.Name)

	_, err = e.work.Member(ctx, "nobody")
	require.Equal(t, 60111, weErr(t, err).Errcode)
	_, err = e.work.DepartmentMembers(ctx, 999999)
	require.Equal(t, 60123, weErr(t, err).Errcode)

	// The OA client has no address list.
	_, err = e.oa.Departments(ctx)
	require.Equal(t, app.Misconfigured, weErr(t, err).Kind)
}

// The sync's reads refresh an expired token like every other call.
func TestSandboxAddressListTokenRefresh(t *testing.T) {
	e := newEnv(t, wechat.Options{})
	ctx := context.Background()
	_, err := e.work.Departments(ctx)
	require.NoError(t, err)
	e.ctl(http.MethodPost, "/tokens/expire", nil, nil)
	_, err = e.work.Departments(ctx)
	require.NoError(t, err)
}

package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// signIn signs openid in through the sandbox's OAuth at instance home.
func signIn(ctx context.Context, c *cluster.Cluster, id, openid string, home int, retries *counters) (*user, error) {
	cl, err := cluster.Login(ctx, c.URLs[home%len(c.URLs)], c.SandboxURL, "oa", openid)
	if err != nil {
		return nil, err
	}
	u := &user{id: id, openid: openid, client: cl, urls: c.URLs, retries: retries}
	u.home.Store(int32(home))
	return u, nil
}

// addEmployees registers n employees reporting to mgr-zhao and signs each
// in, spread over the instances.
func addEmployees(ctx context.Context, c *cluster.Cluster, prefix string, n int, retries *counters) ([]*user, error) {
	users := make([]*user, n)
	for i := range users {
		id := fmt.Sprintf("%s%02d", prefix, i+1)
		openid, err := c.AddEmployee(ctx, id, "压测员工"+strconv.Itoa(i+1), "mgr-zhao")
		if err != nil {
			return nil, err
		}
		if users[i], err = signIn(ctx, c, id, openid, i, retries); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// fillWallet puts n new invoices into openid's wallet; fields (billing
// code and number, say) are WeChat invoice fields every one of them gets.
func fillWallet(ctx context.Context, c *cluster.Cluster, openid string, n int, fields map[string]any) ([]walletItem, error) {
	items := make([]walletItem, n)
	for i := range items {
		body := map[string]any{"owner_openid": openid}
		for k, v := range fields {
			body[k] = v
		}
		if err := cluster.PostJSON(ctx, c.SandboxURL+"/_control/invoices", body, &items[i]); err != nil {
			return nil, err
		}
	}
	return items, nil
}

package main

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// user is a signed-in browser behind a load balancer: it talks to its
// home instance and moves to the next one when that one stops answering.
type user struct {
	id      string
	openid  string
	client  *cluster.Client
	urls    []string
	home    atomic.Int32
	retries *counters
}

func (u *user) at() *cluster.Client { return u.client.At(u.urls[int(u.home.Load())%len(u.urls)]) }

// do sends one request, retrying what a user would retry: a dead instance
// (on another one) and WeChat being unavailable (after a pause). Other
// errors are answers and go back to the caller.
func (u *user) do(ctx context.Context, step, method, path string, body, out any) error {
	const attempts = 40
	var err error
	for range attempts {
		err = u.at().Do(ctx, method, path, body, out)
		var ae *cluster.APIError
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return err
		case !errors.As(err, &ae):
			// Connection refused or reset: the instance died.
			u.home.Add(1)
			u.retries.add(step + " (instance down)")
		case ae.Status == http.StatusServiceUnavailable || ae.Status == http.StatusBadGateway || ae.Status == http.StatusGatewayTimeout:
			u.retries.add(step + " (" + ae.Code + ")")
		default:
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return err
}

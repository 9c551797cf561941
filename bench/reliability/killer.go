package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// killer waits until an instance's worker holds a lease on outbox rows,
// kills that instance with SIGKILL mid-delivery, and starts it again a
// few seconds later. Its rows wait for the lease to run out and are then
// delivered by whichever worker claims them.
type killer struct {
	done    chan error
	decided chan struct{} // closed when every decision was made
}

func startKiller(ctx context.Context, c *cluster.Cluster, res *faultResult) *killer {
	k := &killer{done: make(chan error, 1), decided: make(chan struct{})}
	go func() { k.done <- k.run(ctx, c, res) }()
	return k
}

func (k *killer) wait() error { return <-k.done }

func (k *killer) run(ctx context.Context, c *cluster.Cluster, res *faultResult) error {
	victim := -1
	for victim < 0 {
		owner, err := leaseHolder(ctx, c)
		if err != nil {
			return err
		}
		victim = instanceOf(c, owner)
		if victim < 0 {
			if k.idle(ctx, c) {
				return errors.New("the outbox drained before any worker was seen holding a lease")
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("no worker ever held a lease: %w", ctx.Err())
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	n, err := c.DB().NewSelect().Table("outbox").Where("state = ?", "pending").Count(ctx)
	if err != nil {
		return err
	}
	res.killedPID, res.pendingAtKill = c.Instance(victim).PID(), int(n)
	c.Kill(victim)
	// Did it die holding the lease? Nobody else may take a live lease.
	owner, err := leaseHolderOf(ctx, c, victim)
	if err != nil {
		return err
	}
	res.killedHeldLease = owner
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(3 * time.Second):
	}
	return c.Restart(ctx, victim)
}

// idle says whether every decision was made and the outbox is empty.
func (k *killer) idle(ctx context.Context, c *cluster.Cluster) bool {
	select {
	case <-k.decided:
	default:
		return false
	}
	n, err := c.DB().NewSelect().Table("outbox").Where("state = ?", "pending").Count(ctx)
	return err == nil && n == 0
}

// leaseHolder names a worker holding a live lease on a pending row, or "".
func leaseHolder(ctx context.Context, c *cluster.Cluster) (string, error) {
	var owners []string
	err := c.DB().NewSelect().Table("outbox").Column("lease_owner").
		Where("state = ?", "pending").Where("lease_until > ?", time.Now().UTC()).Limit(1).Scan(ctx, &owners)
	if err != nil || len(owners) == 0 {
		return "", err
	}
	return owners[0], nil
}

// leaseHolderOf says whether instance i's worker holds a live lease.
func leaseHolderOf(ctx context.Context, c *cluster.Cluster, i int) (bool, error) {
	n, err := c.DB().NewSelect().Table("outbox").
		Where("state = ?", "pending").Where("lease_until > ?", time.Now().UTC()).
		Where("lease_owner LIKE ?", "%-"+strconv.Itoa(c.Instance(i).PID())+"/%").Count(ctx)
	return n > 0, err
}

// instanceOf maps a lease owner to the instance whose worker holds it:
// worker ids are "host-pid" and leases are "<worker id>/<claim token>".
func instanceOf(c *cluster.Cluster, owner string) int {
	worker, _, _ := strings.Cut(owner, "/")
	i := strings.LastIndex(worker, "-")
	if i < 0 {
		return -1
	}
	pid := worker[i+1:]
	for i := range c.URLs {
		if strconv.Itoa(c.Instance(i).PID()) == pid {
			return i
		}
	}
	return -1
}

package outbox

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// Keep renews every lease/3, marks the rows a renewal reports lost, and
// stops renewing when the round ends.
func TestKeepRenewsUntilStopped(t *testing.T) {
	renewed := make(chan struct{}, 10)
	var stopped atomic.Bool
	var calls atomic.Int32
	k := Keep(context.Background(), 30*time.Millisecond, func(ctx context.Context) ([]int64, error) {
		if stopped.Load() {
			t.Error("renewed after Stop")
		}
		var lost []int64
		if calls.Add(1) >= 2 {
			lost = []int64{2}
		}
		renewed <- struct{}{}
		return lost, nil
	})
	if !k.Held(1) || !k.Held(2) {
		t.Fatal("a fresh claim holds its rows")
	}
	<-renewed
	<-renewed
	for calls.Load() < 3 { // the second renewal's answer is recorded before the third starts
		<-renewed
	}
	if !k.Held(1) || k.Held(2) {
		t.Fatalf("held 1: %v, 2: %v; want only 1", k.Held(1), k.Held(2))
	}
	k.Stop()
	stopped.Store(true)
}

// A claim whose renewals keep failing is lost whole before its lease runs
// out: by then another instance may have its rows.
func TestKeepLosesAnUnrenewedClaim(t *testing.T) {
	failed := make(chan struct{}, 100)
	k := Keep(context.Background(), 60*time.Millisecond, func(ctx context.Context) ([]int64, error) {
		select {
		case failed <- struct{}{}:
		default:
		}
		return nil, errors.New("database unreachable")
	})
	defer k.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for k.Held(1) {
		if time.Now().After(deadline) {
			t.Fatal("an unrenewed claim is still held after its lease")
		}
		<-failed
	}
}

// Stop returns at once when the round's context has ended.
func TestKeepStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	k := Keep(ctx, time.Hour, func(ctx context.Context) ([]int64, error) { return nil, nil })
	cancel()
	k.Stop()
}

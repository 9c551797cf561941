package wechat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-redis/redis/v8"
	"github.com/silenceper/wechat/v2/cache"
)

// Cache holds access tokens and JSSDK tickets. It is silenceper's
// cache.Cache plus a lock around refreshes: a per-process lock for the
// memory cache, and with Redis a `SET key NX PX` lock, so only one instance
// of the deployment refreshes a token at a time while the others wait and
// re-read (DESIGN "Scale"; silenceper's own lock is per process). The zero
// Cache is not usable: build one with NewMemoryCache, NewRedisCache or
// NewCache. Copies share their state.
type Cache struct {
	store cache.Cache
	locks locker
	close func() error
}

// locker serialises the refresh of one key.
type locker interface {
	// acquire blocks until the key is held or ctx ends.
	acquire(ctx context.Context, key string) (release func(), err error)
}

// NewMemoryCache is an in-process cache: enough for one instance.
func NewMemoryCache() Cache {
	return NewCache(cache.NewMemory())
}

// NewCache wraps any silenceper cache (memcache, a Redis cache built by the
// caller) with a per-process refresh lock. For a lock across instances use
// NewRedisCache.
func NewCache(store cache.Cache) Cache {
	return Cache{store: store, locks: newMemLocker(), close: func() error { return nil }}
}

// refreshLockTTL bounds how long a crashed instance can hold the refresh
// lock. It is longer than a token call's default timeout, so a live holder
// keeps it for the whole fetch.
const refreshLockTTL = 30 * time.Second

// NewRedisCache opens a Redis-backed cache on a redis:// or rediss:// URL
// (cache.redis_url). Values go through silenceper's cache.Redis; the refresh
// lock is `SET key_lock <random> NX PX 30000`, released only by its owner.
// It pings Redis once so a wrong URL fails at start-up. Close it when done.
func NewRedisCache(ctx context.Context, redisURL string) (Cache, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		// The URL may hold a password: do not echo it.
		return Cache{}, errors.New("wechat cache: invalid cache.redis_url")
	}
	rdb := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close()
		return Cache{}, fmt.Errorf("wechat cache: redis at %s: %w", opts.Addr, err)
	}
	return newRedisCache(ctx, rdb), nil
}

// newRedisCache shares one go-redis client between silenceper's cache and
// the lock. cache.NewRedis would open a second client of its own (with an
// idle-connection reaper goroutine), so the cache is built empty and handed
// our connection.
func newRedisCache(ctx context.Context, rdb *redis.Client) Cache {
	store := new(cache.Redis)
	store.SetConn(rdb)
	store.SetRedisCtx(context.WithoutCancel(ctx)) // only used by calls without a ctx; we always pass one
	return Cache{
		store: store,
		locks: &redisLocker{rdb: rdb, local: newMemLocker(), ttl: refreshLockTTL, poll: 50 * time.Millisecond},
		close: rdb.Close,
	}
}

// Close releases the Redis connection, if any.
func (c Cache) Close() error {
	if c.close == nil {
		return nil
	}
	return c.close()
}

func (c Cache) get(ctx context.Context, key string) string {
	switch v := cache.GetContext(ctx, c.store, key).(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

func (c Cache) set(ctx context.Context, key, val string, ttl time.Duration) error {
	return cache.SetContext(ctx, c.store, key, val, ttl)
}

func (c Cache) del(ctx context.Context, keys ...string) {
	for _, k := range keys {
		_ = cache.DeleteContext(ctx, c.store, k)
	}
}

// fetchFunc fetches a value and how long it may be cached.
type fetchFunc func(ctx context.Context) (val string, ttl time.Duration, err error)

// errLockWait is returned when the refresh lock could not be had in time.
var errLockWait = errors.New("timed out waiting for another refresh")

// getOrFetch returns the cached value of key or fetches it, double-checked
// under the refresh lock: whoever waited re-reads what the holder stored.
// A failed cache write is reported through onSetErr but the fetched value is
// still returned, so a Redis hiccup does not fail the call.
func (c Cache) getOrFetch(ctx context.Context, key string, fetch fetchFunc, onSetErr func(error)) (string, error) {
	if v := c.get(ctx, key); v != "" {
		return v, nil
	}
	release, err := c.locks.acquire(ctx, key+"_lock")
	if err != nil {
		return "", err
	}
	defer release()
	if v := c.get(ctx, key); v != "" {
		return v, nil
	}
	v, ttl, err := fetch(ctx)
	if err != nil {
		return "", err
	}
	if err := c.set(ctx, key, v, ttl); err != nil && onSetErr != nil {
		onSetErr(err)
	}
	return v, nil
}

// invalidate deletes key, and the keys derived from it, only while key
// still holds stale: if another instance has already replaced it, its fresh
// value is kept.
func (c Cache) invalidate(ctx context.Context, key, stale string, derived ...string) {
	release, err := c.locks.acquire(ctx, key+"_lock")
	if err == nil {
		defer release()
	}
	if c.get(ctx, key) == stale {
		c.del(ctx, append([]string{key}, derived...)...)
	}
}

// memLocker is a per-key lock that a waiter can abandon when its ctx ends.
type memLocker struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
}

func newMemLocker() *memLocker { return &memLocker{slots: map[string]chan struct{}{}} }

func (l *memLocker) acquire(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	slot, ok := l.slots[key]
	if !ok {
		slot = make(chan struct{}, 1)
		l.slots[key] = slot
	}
	l.mu.Unlock()
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, errLockWait
	}
}

// redisLocker holds the local lock first, so one process's goroutines do
// not all poll Redis, then the shared one.
type redisLocker struct {
	rdb   redis.UniversalClient
	local *memLocker
	ttl   time.Duration
	poll  time.Duration
}

// releaseScript deletes the lock only if we still own it: after the TTL
// another instance may have taken it.
var releaseScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)

func (l *redisLocker) acquire(ctx context.Context, key string) (func(), error) {
	releaseLocal, err := l.local.acquire(ctx, key)
	if err != nil {
		return nil, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	owner := hex.EncodeToString(b[:])
	for {
		ok, err := l.rdb.SetNX(ctx, key, owner, l.ttl).Result()
		if err != nil {
			if ctx.Err() != nil {
				releaseLocal()
				return nil, errLockWait
			}
			// Redis is unreachable: the values cannot be shared either, so
			// go on with the local lock alone rather than fail the call.
			return releaseLocal, nil
		}
		if ok {
			return func() {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
				defer cancel()
				_ = releaseScript.Run(rctx, l.rdb, []string{key}, owner).Err()
				releaseLocal()
			}, nil
		}
		t := time.NewTimer(l.poll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			releaseLocal()
			return nil, errLockWait
		}
	}
}

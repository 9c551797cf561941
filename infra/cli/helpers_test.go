package cli_test

import (
	"context"
	"math/rand/v2"
	"net/url"
	"strconv"
	"testing"

	"github.com/go-redis/redis/v8"
)

// freshRedisDB picks one of Redis's numbered databases (1–15), empties it
// and returns its URL.
func freshRedisDB(t *testing.T, base string) string {
	t.Helper()
	opts, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("REDIS_TEST_URL: %v", err)
	}
	opts.DB = 1 + rand.IntN(15)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("flush redis db %d: %v", opts.DB, err)
	}
	u, _ := url.Parse(base)
	u.Path = "/" + strconv.Itoa(opts.DB)
	return u.String()
}

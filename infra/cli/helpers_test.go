package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"testing"

	"github.com/go-redis/redis/v8"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/infra/store"
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

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func decodeJSON(r io.Reader, v any) { _ = json.NewDecoder(r).Decode(v) }

func newJar() http.CookieJar {
	jar, _ := cookiejar.New(nil)
	return jar
}

func newDirectory(s *store.Store) *app.Directory {
	return app.NewDirectory(s.Employees, app.SystemClock{})
}

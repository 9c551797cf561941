package wechat

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/require"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/domain"
)

func okAnswer(w http.ResponseWriter, _ *http.Request, _ []byte) {
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func TestStaleTokenRefreshedOnceAndRetriedOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   int
		client func(f *fakeWeChat) *Client
		token  string
		path   string
	}{
		{"oa 40001", 40001, func(f *fakeWeChat) *Client { return f.oa(Options{}) }, "/cgi-bin/stable_token", oaPaths.setStatus},
		{"oa 42001", 42001, func(f *fakeWeChat) *Client { return f.oa(Options{}) }, "/cgi-bin/stable_token", oaPaths.setStatus},
		{"oa 40014", 40014, func(f *fakeWeChat) *Client { return f.oa(Options{}) }, "/cgi-bin/stable_token", oaPaths.setStatus},
		{"work 42001", 42001, func(f *fakeWeChat) *Client { return f.work(Options{}) }, "/cgi-bin/gettoken", workPaths.setStatus},
		{"work 40014", 40014, func(f *fakeWeChat) *Client { return f.work(Options{}) }, "/cgi-bin/gettoken", workPaths.setStatus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.set(func(f *fakeWeChat) { f.staleCode = tc.code })
			f.handle(tc.path, okAnswer)
			c := tc.client(f)
			ctx := context.Background()
			require.NoError(t, c.SetStatus(ctx, sampleRef, domain.StatusLock))
			_, err := c.JSConfig(ctx, "https://h5.example.com/") // a ticket from this token
			require.NoError(t, err)
			require.Equal(t, 1, f.count(tc.token))

			f.expireAll()
			require.NoError(t, c.SetStatus(ctx, sampleRef, domain.StatusLock))
			require.Equal(t, 2, f.count(tc.token), "exactly one refresh")
			require.Equal(t, 3, f.count(tc.path), "exactly one retry")

			// The tickets of the dropped token went with it.
			tickets := f.count("/cgi-bin/ticket/getticket") + f.count("/cgi-bin/get_jsapi_ticket") + f.count("/cgi-bin/ticket/get")
			_, err = c.JSConfig(ctx, "https://h5.example.com/")
			require.NoError(t, err)
			after := f.count("/cgi-bin/ticket/getticket") + f.count("/cgi-bin/get_jsapi_ticket") + f.count("/cgi-bin/ticket/get")
			require.Greater(t, after, tickets)
			require.Equal(t, 2, f.count(tc.token))
		})
	}
}

func TestStaleTokenRetriedOnlyOnce(t *testing.T) {
	f := newFake(t)
	f.answer(oaPaths.setStatus, map[string]any{"errcode": 42001, "errmsg": "access_token expired"})
	err := f.oa(Options{}).SetStatus(context.Background(), sampleRef, domain.StatusLock)
	we := weErr(t, err)
	require.Equal(t, 42001, we.Errcode)
	require.Equal(t, app.Retryable, we.Kind)
	require.Equal(t, 2, f.count(oaPaths.setStatus))
	require.Equal(t, 2, f.count("/cgi-bin/stable_token"))
}

func TestWorkBadSecretIsMisconfiguredWithoutRetry(t *testing.T) {
	f := newFake(t)
	f.answer(workPaths.setStatus, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
	c := f.work(Options{})
	err := c.SetStatus(context.Background(), sampleRef, domain.StatusLock)
	we := weErr(t, err)
	require.Equal(t, app.Misconfigured, we.Kind)
	require.Equal(t, 1, f.count(workPaths.setStatus))
	require.Equal(t, 1, f.count("/cgi-bin/gettoken"))

	// gettoken itself refusing the secret.
	f2 := newFake(t)
	f2.set(func(f *fakeWeChat) { f.workSecret = "another" })
	_, err = f2.work(Options{}).Invoice(context.Background(), sampleRef)
	we = weErr(t, err)
	require.Equal(t, app.Misconfigured, we.Kind)
	require.Equal(t, "gettoken", we.API)
	require.Equal(t, 1, f2.count("/cgi-bin/gettoken"))

	// And the OA token endpoint's 40001 is a bad secret too.
	c3 := NewOA(OAOptions{APIBase: f2.srv.URL, AppID: fakeAppID, AppSecret: "wrong", Options: quiet(Options{})})
	_, err = c3.Invoice(context.Background(), sampleRef)
	we = weErr(t, err)
	require.Equal(t, app.Misconfigured, we.Kind)
	require.Equal(t, "stable_token", we.API)
}

// stable_token answering the token WeChat just refused gets one forced
// refresh.
func TestStableTokenSameTokenForcesRefresh(t *testing.T) {
	f := newFake(t)
	f.set(func(f *fakeWeChat) { f.sameToken = "same-token" })
	f.handle(oaPaths.setStatus, okAnswer)
	c := f.oa(Options{})
	ctx := context.Background()
	require.NoError(t, c.SetStatus(ctx, sampleRef, domain.StatusLock))
	f.expireAll()
	require.NoError(t, c.SetStatus(ctx, sampleRef, domain.StatusLock))
	f.set(func(f *fakeWeChat) { require.Equal(t, []bool{false, false, true}, f.forced) })
}

func TestConcurrentCallsFetchTheTokenOnce(t *testing.T) {
	f := newFake(t)
	f.set(func(f *fakeWeChat) { f.tokenDelay = 50 * time.Millisecond })
	f.handle(oaPaths.setStatus, okAnswer)
	c := f.oa(Options{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			require.NoError(t, c.SetStatus(context.Background(), sampleRef, domain.StatusLock))
		})
	}
	wg.Wait()
	require.Equal(t, 1, f.count("/cgi-bin/stable_token"))
}

// Two instances sharing one Redis: one fetch of the token and of each
// ticket, however many goroutines ask at once.
func TestRedisCacheSharedByTwoClients(t *testing.T) {
	mr := miniredis.RunT(t)
	testSharedRedis(t, "redis://"+mr.Addr())
}

func TestRedisCacheSharedByTwoClientsRealRedis(t *testing.T) {
	u := os.Getenv("REDIS_TEST_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but REDIS_TEST_URL is not set: the real-Redis run must happen in CI")
		}
		t.Skip("REDIS_TEST_URL not set")
	}
	testSharedRedis(t, u)
}

func testSharedRedis(t *testing.T, redisURL string) {
	ctx := context.Background()
	f := newFake(t)
	f.set(func(f *fakeWeChat) { f.tokenDelay = 100 * time.Millisecond })
	f.handle(oaPaths.setStatus, okAnswer)
	var clients []*Client
	prefix := "baoxiao_test_" + nonce()
	for range 2 { // two "instances": separate caches and connections
		cache, err := NewRedisCache(ctx, redisURL)
		require.NoError(t, err)
		t.Cleanup(func() { _ = cache.Close() })
		clients = append(clients, f.oa(Options{Cache: cache, KeyPrefix: prefix}))
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			c := clients[i%2]
			require.NoError(t, c.SetStatus(ctx, sampleRef, domain.StatusLock))
			_, err := c.JSConfig(ctx, "https://h5.example.com/")
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.Equal(t, 1, f.count("/cgi-bin/stable_token"))
	require.Equal(t, 1, f.count("/cgi-bin/ticket/getticket"))

	// A stale token seen by both: one refresh between them.
	f.expireAll()
	for i := range 10 {
		wg.Go(func() {
			require.NoError(t, clients[i%2].SetStatus(ctx, sampleRef, domain.StatusLock))
		})
	}
	wg.Wait()
	require.Equal(t, 2, f.count("/cgi-bin/stable_token"))
}

func TestNewRedisCacheBadURL(t *testing.T) {
	_, err := NewRedisCache(context.Background(), "redis://:hunter2@127.0.0.1:1/0")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
	_, err = NewRedisCache(context.Background(), "mysql://:hunter2@x")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "hunter2")
}

// invalidate keeps a token another instance has already replaced.
func TestInvalidateComparesFirst(t *testing.T) {
	ctx := context.Background()
	c := NewMemoryCache()
	require.NoError(t, c.set(ctx, "k", "fresh", time.Hour))
	require.NoError(t, c.set(ctx, "t", "ticket", time.Hour))
	c.invalidate(ctx, "k", "old", "t")
	require.Equal(t, "fresh", c.get(ctx, "k"))
	require.Equal(t, "ticket", c.get(ctx, "t"))
	c.invalidate(ctx, "k", "fresh", "t")
	require.Equal(t, "", c.get(ctx, "k"))
	require.Equal(t, "", c.get(ctx, "t"))
}

func TestLockWaitEndsWithContext(t *testing.T) {
	mr := miniredis.RunT(t)
	cache, err := NewRedisCache(context.Background(), "redis://"+mr.Addr())
	require.NoError(t, err)
	defer cache.Close()
	require.NoError(t, mr.Set("k_lock", "someone-else")) // a holder that never releases
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = cache.getOrFetch(ctx, "k", func(context.Context) (string, time.Duration, error) {
		t.Fatal("must not fetch without the lock")
		return "", 0, nil
	}, nil)
	require.ErrorIs(t, err, errLockWait)
}

package cluster

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/baoxiao/baoxiao/app"
	"github.com/baoxiao/baoxiao/config"
	"github.com/baoxiao/baoxiao/domain"
	"github.com/baoxiao/baoxiao/infra/sandbox"
	"github.com/baoxiao/baoxiao/infra/store"
)

// Options says what to run.
type Options struct {
	Bin       string // the built binary (Build)
	Dir       string // scratch space: data dirs and the SQLite file
	Instances int
	// MySQLDSN names a database of the cluster's own; empty runs the
	// instances on one SQLite file (WAL, busy_timeout: several processes
	// may share it).
	MySQLDSN string
	// RedisURL shares tokens and tickets; empty leaves each instance
	// with its own memory cache.
	RedisURL string
	ErrLog   func(string) // ERROR log lines of every process
	Env      []string     // extra BAOXIAO_* settings for every instance
}

// Cluster is a standalone sandbox and Instances live-mode servers.
type Cluster struct {
	opts       Options
	SandboxURL string
	URLs       []string
	addrs      []string
	sandbox    *Process
	instances  []*Process
	driver     string
	dsn        string
	db         *bun.DB
}

// SessionSecret is shared by the instances so a session cookie from one
// is good at all of them, as behind a load balancer.
const SessionSecret = "cluster-session-secret-0123456789abcdef"

// Start runs the sandbox, then every instance at once (their migrations
// race, as in a rolling deploy), and waits until all are ready.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	if opts.Instances < 1 {
		opts.Instances = 1
	}
	c := &Cluster{opts: opts, driver: "sqlite", dsn: filepath.Join(opts.Dir, "baoxiao.db")}
	if opts.MySQLDSN != "" {
		c.driver, c.dsn = "mysql", opts.MySQLDSN
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	sbAddr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	c.SandboxURL = "http://" + sbAddr
	for range opts.Instances {
		a, err := FreeAddr()
		if err != nil {
			return nil, err
		}
		c.addrs = append(c.addrs, a)
		c.URLs = append(c.URLs, "http://"+a)
	}
	c.sandbox, err = StartProcess("sandbox", opts.Bin, opts.Dir,
		[]string{"BAOXIAO_DATA_DIR=" + c.dataDir("sandbox"), "BAOXIAO_LOG_LEVEL=warn"}, opts.ErrLog,
		"sandbox", "--listen", sbAddr, "--public-base", c.SandboxURL, "--callback-base", c.URLs[0])
	if err != nil {
		return nil, err
	}
	if err := WaitHTTP(ctx, c.sandbox, c.SandboxURL+"/_control/faults"); err != nil {
		return nil, err
	}
	c.instances = make([]*Process, opts.Instances)
	for i := range c.instances {
		if c.instances[i], err = c.startInstance(i); err != nil {
			return nil, err
		}
	}
	for i := range c.instances {
		if err := c.WaitReady(ctx, i); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, c.driver, c.dsn, 2)
	if err != nil {
		return nil, err
	}
	c.db = db
	if err := c.seedDemoEmployees(ctx); err != nil {
		return nil, err
	}
	return c, c.managerOnly(ctx)
}

// managerOnly stores a one-step policy, the owner's manager: the cluster's
// runs approve once and expect CLOSURE (chains are tested in
// infra/service). A policy already stored (a restart) is kept.
func (c *Cluster) managerOnly(ctx context.Context) error {
	p := domain.Policy{UpdatedAt: time.Now(), Steps: []domain.PolicyStep{
		{Name: "主管审批", Kind: domain.ApproversManager, Level: 1, Mode: domain.ModeAny, IfEmpty: domain.EmptySkip},
	}}
	_, err := store.NewPolicies(c.db).SavePolicy(ctx, p, 0)
	if errors.Is(err, domain.ErrVersionConflict) {
		return nil
	}
	return err
}

func (c *Cluster) dataDir(name string) string { return filepath.Join(c.opts.Dir, name) }

func (c *Cluster) instanceEnv(i int) []string {
	origins := strings.Join(c.URLs, ",")
	env := []string{
		"BAOXIAO_MODE=live", "BAOXIAO_LISTEN=" + c.addrs[i], "BAOXIAO_PUBLIC_URL=" + c.URLs[i],
		"BAOXIAO_DATA_DIR=" + c.dataDir("instance-"+strconv.Itoa(i)), "BAOXIAO_LOG_LEVEL=warn",
		"BAOXIAO_DATABASE_DRIVER=" + c.driver, "BAOXIAO_DATABASE_DSN=" + c.dsn,
		"BAOXIAO_WECHAT_API_BASE=" + c.SandboxURL, "BAOXIAO_WECHAT_WORK_API_BASE=" + c.SandboxURL, "BAOXIAO_WECHAT_OPEN_BASE=" + c.SandboxURL,
		"BAOXIAO_WECHAT_OA_APP_ID=" + config.SandboxOAAppID, "BAOXIAO_WECHAT_OA_APP_SECRET=" + config.SandboxOAAppSecret,
		"BAOXIAO_WECHAT_OA_CALLBACK_TOKEN=" + config.SandboxOACallbackToken,
		"BAOXIAO_WECHAT_WORK_CORP_ID=" + config.SandboxWorkCorpID, "BAOXIAO_WECHAT_WORK_AGENT_ID=" + config.SandboxWorkAgentID,
		"BAOXIAO_WECHAT_WORK_SECRET=" + config.SandboxWorkSecret,
		"BAOXIAO_WECHAT_WORK_CALLBACK_TOKEN=" + config.SandboxWorkCallbackToken,
		"BAOXIAO_WECHAT_WORK_ENCODING_AES_KEY=" + config.SandboxWorkEncodingAESKey,
		"BAOXIAO_AUTH_SESSION_SECRET=" + SessionSecret, "BAOXIAO_AUTH_DATA_KEY=cluster-data-key-0123456789abcdef0123",
		"BAOXIAO_H5_ORIGINS=" + origins,
	}
	if c.opts.RedisURL != "" {
		env = append(env, "BAOXIAO_CACHE_REDIS_URL="+c.opts.RedisURL)
	}
	return append(env, c.opts.Env...)
}

func (c *Cluster) startInstance(i int) (*Process, error) {
	return StartProcess("instance-"+strconv.Itoa(i), c.opts.Bin, c.opts.Dir, c.instanceEnv(i), c.opts.ErrLog, "serve")
}

// WaitReady waits for instance i's /readyz.
func (c *Cluster) WaitReady(ctx context.Context, i int) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return WaitHTTP(ctx, c.instances[i], c.URLs[i]+"/readyz")
}

// Kill ends instance i with SIGKILL.
func (c *Cluster) Kill(i int) { c.instances[i].Kill() }

// Restart starts instance i again on its address and waits for it.
func (c *Cluster) Restart(ctx context.Context, i int) error {
	if !c.instances[i].Exited() {
		return fmt.Errorf("instance %d is still running", i)
	}
	p, err := c.startInstance(i)
	if err != nil {
		return err
	}
	c.instances[i] = p
	return c.WaitReady(ctx, i)
}

// Close stops everything: instances first (they drain), then the sandbox.
func (c *Cluster) Close() {
	stopAll(c.instances, 10*time.Second)
	stopAll([]*Process{c.sandbox}, 10*time.Second)
	if c.db != nil {
		_ = c.db.Close()
	}
}

// DB is the cluster's database, for checks a test makes directly.
func (c *Cluster) DB() *bun.DB { return c.db }

// Driver is "sqlite" or "mysql".
func (c *Cluster) Driver() string { return c.driver }

// Instance is the process of instance i.
func (c *Cluster) Instance(i int) *Process { return c.instances[i] }

// seedDemoEmployees registers the sandbox's demo people as employees, as
// an administrator of a live deployment would.
func (c *Cluster) seedDemoEmployees(ctx context.Context) error {
	for _, u := range sandbox.DemoUsers {
		d := domain.EmployeeData{ID: domain.EmployeeID(u.ID), Name: u.Name, ManagerID: domain.EmployeeID(u.ManagerID)}
		for _, r := range u.Roles {
			d.Roles = append(d.Roles, domain.Role(r))
		}
		if err := c.ensureEmployee(ctx, d, u.OAOpenID); err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) ensureEmployee(ctx context.Context, d domain.EmployeeData, openid string) error {
	d.Identities = []domain.Identity{{Channel: domain.ChannelOA, AppID: config.SandboxOAAppID, OpenID: openid}}
	_, err := app.NewDirectory(store.New(c.db).Employees, app.SystemClock{}).Ensure(ctx, d)
	return err
}

// AddEmployee creates an Official Account user in the sandbox and the
// employee it signs in as, reporting to manager; it returns the openid.
func (c *Cluster) AddEmployee(ctx context.Context, id, name, manager string) (string, error) {
	var u struct {
		OpenID string `json:"openid"`
	}
	if err := PostJSON(ctx, c.SandboxURL+"/_control/users", map[string]any{
		"channel": "oa", "employee_id": id, "name": name, "manager_id": manager,
	}, &u); err != nil {
		return "", err
	}
	if u.OpenID == "" {
		return "", errors.New("the sandbox answered no openid")
	}
	d := domain.EmployeeData{ID: domain.EmployeeID(id), Name: name, ManagerID: domain.EmployeeID(manager), Roles: []domain.Role{domain.RoleEmployee}}
	return u.OpenID, c.ensureEmployee(ctx, d, u.OpenID)
}

// DemoOpenID is a demo user's Official Account openid.
func DemoOpenID(id string) string {
	for _, u := range sandbox.DemoUsers {
		if u.ID == id {
			return u.OAOpenID
		}
	}
	return ""
}

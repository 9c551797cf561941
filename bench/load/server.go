package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// server is a `baoxiao serve` process in sandbox mode on a loopback port,
// with its embedded WeChat sandbox at URL + "/sandbox".
type server struct {
	URL     string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
}

// buildBinary builds the product the way `make build` does.
func buildBinary(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "baoxiao")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/baoxiao/baoxiao")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// startServer runs bin with its configuration in BAOXIAO_* variables only,
// so no file or variable of the caller's changes what is measured.
func startServer(ctx context.Context, bin, dir, driver, dsn string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &server{URL: "http://" + addr, logPath: filepath.Join(dir, "serve.log"), done: make(chan struct{})}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"BAOXIAO_MODE=sandbox", "BAOXIAO_LISTEN=" + addr, "BAOXIAO_PUBLIC_URL=" + s.URL,
		"BAOXIAO_DATA_DIR=" + filepath.Join(dir, "data"), "BAOXIAO_LOG_LEVEL=warn",
		"BAOXIAO_DATABASE_DRIVER=" + driver,
	}
	if dsn != "" {
		env = append(env, "BAOXIAO_DATABASE_DSN="+dsn)
	}
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = childAttr()
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, s.logTail(20))
	}
	return s, nil
}

func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("baoxiao serve exited before it was ready")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if res, err := http.Get(s.URL + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("baoxiao serve was not ready within 60s")
}

// stop asks for a graceful shutdown, then kills after ten seconds.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// errorLines are the server's level=ERROR log lines: every 5xx logs one.
func (s *server) errorLines() []string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "level=ERROR") {
			out = append(out, sc.Text())
		}
	}
	return out
}

func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// createMySQLDatabase makes an empty baoxiao_bench_* database on the
// server of base and returns its DSN and a function that drops it.
func createMySQLDatabase(ctx context.Context, base string) (string, func(), error) {
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		return "", nil, fmt.Errorf("MySQL DSN: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "baoxiao_bench_" + hex.EncodeToString(b[:])
	cfg.DBName = ""
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", nil, fmt.Errorf("create %s (the user needs CREATE and DROP on baoxiao%%): %w", name, err)
	}
	drop := func() {
		if db, err := sql.Open("mysql", cfg.FormatDSN()); err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
			_ = db.Close()
		}
	}
	cfg.DBName = name
	return cfg.FormatDSN(), drop, nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/baoxiao/baoxiao/infra/testkit/cluster"
)

// server is a `baoxiao serve` process in sandbox mode on a loopback port,
// with its embedded WeChat sandbox at URL + "/sandbox".
type server struct {
	URL     string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
}

// startServer runs bin with its configuration in BAOXIAO_* variables only,
// so no file or variable of the caller's changes what is measured.
func startServer(ctx context.Context, bin, dir, driver, dsn string) (*server, error) {
	addr, err := cluster.FreeAddr()
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

// Package cluster runs the real baoxiao binary as separate processes: a
// standalone WeChat sandbox and several `serve` instances in live mode on
// one database (DECISIONS 25). Multi-instance tests and the fault bench
// use it; it returns errors instead of taking a testing.T so that bench
// programs can use it too.
package cluster

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build compiles the binary into dir and returns its path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "baoxiao")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/baoxiao/baoxiao")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr finds a loopback address nobody listens on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Process is one running binary. Its ERROR log lines go to errLog.
type Process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartProcess runs bin with args and only the given environment (plus PATH and
// HOME), so settings of the caller's shell cannot leak in.
func StartProcess(name, bin, home string, env []string, errLog func(string), args ...string) (*Process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		forwardErrors(name, stderr, errLog)
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func forwardErrors(name string, r io.Reader, errLog func(string)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if errLog != nil && strings.Contains(sc.Text(), "level=ERROR") {
			errLog(name + ": " + sc.Text())
		}
	}
}

// Kill ends the process with SIGKILL: no drain, no deferred cleanup, as
// when a machine dies.
func (p *Process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the process to drain (SIGINT) and kills it after timeout.
func (p *Process) Stop(timeout time.Duration) {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.Kill()
	}
}

// PID is the process id: the outbox worker names its leases after it.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitHTTP polls url until it answers 200, the process dies or ctx ends.
func WaitHTTP(ctx context.Context, p *Process, url string) error {
	for {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		if p != nil && p.Exited() {
			return fmt.Errorf("%s exited before %s answered", p.name, url)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never answered: %w", url, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stopAll stops processes in parallel.
func stopAll(ps []*Process, timeout time.Duration) {
	var wg sync.WaitGroup
	for _, p := range ps {
		if p != nil {
			wg.Go(func() { p.Stop(timeout) })
		}
	}
	wg.Wait()
}

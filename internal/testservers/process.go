package testservers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readyTimeout bounds how long a server may take to answer after start;
// DynamoDB Local needs about 2 s on an idle machine, more under -race.
const readyTimeout = 90 * time.Second

// stopTimeout is how long a server gets to exit after SIGTERM.
const stopTimeout = 10 * time.Second

// process is one server this package started.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{} // closed when the process has exited
	err  error         // exit status, valid after done

	stopOnce sync.Once
	stopErr  error
}

// startProcess runs bin with args in dir, its output kept for messages.
func startProcess(name, dir, bin string, args ...string) (*process, error) {
	p := &process{name: name, out: &tailBuffer{max: 16 << 10}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has already ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitHTTP waits until url answers any HTTP request, the process exits, or
// readyTimeout passes.
func (p *process) waitHTTP(url string) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	for {
		if p.exited() {
			status := p.err
			if status == nil {
				status = errors.New("exit status 0")
			}
			return fmt.Errorf("%s exited before it answered (%w); its output:\n%s", p.name, status, p.out.String())
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			cancel()
			return fmt.Errorf("probe %s: %w", p.name, err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			cancel()
			return nil
		}
		cancel()
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer at %s within %s (last error: %w); its output:\n%s", p.name, url, readyTimeout, err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process: SIGTERM, then SIGKILL after stopTimeout.
func (p *process) stop() error {
	p.stopOnce.Do(func() {
		if p.exited() {
			return
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			_ = p.cmd.Process.Kill()
			<-p.done
			p.stopErr = fmt.Errorf("stop %s: killed after %s without exiting on SIGTERM", p.name, stopTimeout)
		}
	})
	return p.stopErr
}

// bindFailed reports whether the process died because its port was taken
// between freePort and its own bind.
func (p *process) bindFailed() bool {
	s := strings.ToLower(p.out.String())
	return p.exited() && (strings.Contains(s, "address already in use") || strings.Contains(s, "bindexception"))
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startOnFreePort starts a server on a free port, retrying a few times if
// another process takes the port first, and waits until it answers.
func startOnFreePort(launch func(port int) (*process, error)) (*process, int, error) {
	var last error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, 0, err
		}
		p, err := launch(port)
		if err != nil {
			return nil, 0, err
		}
		err = p.waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err == nil {
			return p, port, nil
		}
		_ = p.stop()
		if !p.bindFailed() {
			return nil, 0, err
		}
		last = err
	}
	return nil, 0, last
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

// Write appends to the buffer, dropping the oldest bytes past max.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// String returns what is kept.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// envOr returns the environment variable key, or def if it is empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

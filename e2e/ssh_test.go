package e2e

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a `coop serve` process on a free 127.0.0.1 port.
type server struct {
	addr, host, port string
	cmd              *exec.Cmd
	log              *lockedBuffer
	exited           chan struct{} // closed when the process has ended
	exitErr          error
	stopOnce         sync.Once
}

// startServe runs `coop serve --listen 127.0.0.1:0` with env and extra
// arguments, waits until it listens, and at cleanup stops it with SIGTERM
// and checks that it shut down cleanly.
func startServe(t testing.TB, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, log: &lockedBuffer{}}
	lines := bufio.NewScanner(stderr)
	addrRE := regexp.MustCompile(`ssh://(127\.0\.0\.1:\d+)`)
	deadline := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	for lines.Scan() {
		s.log.WriteString(lines.Text() + "\n")
		if m := addrRE.FindStringSubmatch(lines.Text()); m != nil {
			s.addr = m[1]
			break
		}
	}
	deadline.Stop()
	if s.addr == "" {
		_ = cmd.Wait()
		t.Fatalf("coop serve did not start:\n%s", s.log.String())
	}
	s.exited = make(chan struct{})
	go func() {
		_, _ = io.Copy(s.log, stderr)
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	s.host, s.port, _ = net.SplitHostPort(s.addr)
	t.Cleanup(func() { s.stop(t, syscall.SIGTERM) })
	return s
}

// stop sends sig to the server (once) and checks that it shuts down
// cleanly within 20 seconds.
func (s *server) stop(t testing.TB, sig os.Signal) {
	t.Helper()
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(sig)
		select {
		case <-s.exited:
			if s.exitErr != nil {
				t.Errorf("coop serve exited with %v after %v:\n%s", s.exitErr, sig, s.log.String())
			}
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			t.Errorf("coop serve did not stop within 20s of %v:\n%s", sig, s.log.String())
		}
	})
}

// keygen makes an ed25519 key pair with ssh-keygen and returns the
// private key's path.
func keygen(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name+"@e2e", "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	return p
}

func pubKey(t testing.TB, key string) string {
	t.Helper()
	b, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// sshOpts are the options every client here uses: a fresh host key is
// fine, and only the key given is offered.
func sshOpts(keys ...string) []string {
	out := []string{"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"}
	for _, k := range keys {
		out = append(out, "-i", k)
	}
	return out
}

// ssh runs a command over ssh (no terminal) and returns its output and
// exit status.
func (s *server) ssh(t *testing.T, key string, extra []string, command ...string) (string, int) {
	t.Helper()
	args := append(append(append([]string{"-p", s.port}, sshOpts(key)...), extra...), s.host)
	return runClient(t, "ssh", append(args, command...)...)
}

// runClient runs an OpenSSH client with its output and errors in two
// files, then returns both together. Not one pipe for both: ssh makes its
// stderr non-blocking, and if that is also the client's stdout, output
// written while the pipe is full is lost (EAGAIN), which a listing of
// 100,000 files under load does.
func runClient(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	runErr := cmd.Run()
	out, _ := os.ReadFile(stdout.Name())
	errOut, _ := os.ReadFile(stderr.Name())
	return string(out) + string(errOut), exitCode(t, runErr)
}

// sftp runs an sftp batch and returns its output and exit status.
func (s *server) sftp(t *testing.T, key, batch string) (string, int) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(f, []byte(batch), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{"-b", f, "-P", s.port}, sshOpts(key)...), s.host)
	return runClient(t, "sftp", args...)
}

// scp runs scp (SFTP protocol, or the original with -O) and returns its
// output and exit status.
func (s *server) scp(t *testing.T, key string, args ...string) (string, int) {
	t.Helper()
	all := append(append([]string{"-P", s.port}, sshOpts(key)...), args...)
	return runClient(t, "scp", all...)
}

// terminal opens the browser over `ssh -tt` in a fresh tmux window.
func (s *server) terminal(t *testing.T, key string, command ...string) *term {
	t.Helper()
	args := append(append([]string{"ssh", "-tt", "-p", s.port}, sshOpts(key)...), s.host)
	return startTerm(t, nil, append(args, command...)...)
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // exec returns it unwrapped
		return ee.ExitCode()
	}
	t.Fatalf("run: %v", err)
	return -1
}

// lockedBuffer collects a process's output from two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

package server_test

import (
	"bytes"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/server"
)

// syncBuffer is a bytes.Buffer safe to write from the SSH client's
// goroutines and read from the test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// browser is a PTY session running the browser.
type browser struct {
	sess     *gossh.Session
	in       interface{ Write([]byte) (int, error) }
	out, err *syncBuffer
	done     chan error
}

func openBrowser(t testing.TB, c *gossh.Client, w, h int, cmd string) *browser {
	t.Helper()
	return openBrowserEnv(t, c, w, h, cmd, nil)
}

// openBrowserEnv is openBrowser with environment variables sent first.
func openBrowserEnv(t testing.TB, c *gossh.Client, w, h int, cmd string, env map[string]string) *browser {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		if err := s.Setenv(k, v); err != nil {
			t.Fatal(err)
		}
	}
	b := &browser{sess: s, out: &syncBuffer{}, err: &syncBuffer{}, done: make(chan error, 1)}
	s.Stdout, s.Stderr = b.out, b.err
	in, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.in = in
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if cmd == "" {
		err = s.Shell()
	} else {
		err = s.Start(cmd)
	}
	if err != nil {
		t.Fatal(err)
	}
	go func() { b.done <- s.Wait() }()
	t.Cleanup(func() { _ = s.Close() })
	return b
}

// waitOut waits until the screen output contains want.
func (b *browser) waitOut(t testing.TB, timeout time.Duration, want string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(b.out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output never showed %q; got %q", want, tail(b.out.String()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitEnd waits for the session to end and returns its exit status.
func (b *browser) waitEnd(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-b.done:
		var exit *gossh.ExitError
		if err == nil {
			return 0
		}
		if ok := asExit(err, &exit); ok {
			return exit.ExitStatus()
		}
		return -1
	case <-time.After(timeout):
		t.Fatalf("session did not end within %s; stderr %q", timeout, b.err.String())
		return 0
	}
}

func asExit(err error, target **gossh.ExitError) bool {
	e, ok := err.(*gossh.ExitError) //nolint:errorlint // Wait returns it unwrapped
	if ok {
		*target = e
	}
	return ok
}

func tail(s string) string {
	if len(s) > 400 {
		return s[len(s)-400:]
	}
	return s
}

func TestIdleSessionIsEndedWithAMessage(t *testing.T) {
	f := newFixture(t, server.Config{IdleTimeout: 1500 * time.Millisecond})
	idle := openBrowser(t, f.as(t, "alice"), 100, 30, "")
	busy := openBrowser(t, f.as(t, "bob"), 100, 30, "")
	idle.waitOut(t, 5*time.Second, "bob")
	busy.waitOut(t, 5*time.Second, "bob")
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				_, _ = busy.in.Write([]byte("j"))
			}
		}
	}()
	defer close(stop)
	if code := idle.waitEnd(t, 5*time.Second); code != 1 {
		t.Errorf("idle session exit status %d, want 1", code)
	}
	if !strings.Contains(idle.err.String(), "no input for 1.5s; disconnected") {
		t.Errorf("idle session's message: %q", idle.err.String())
	}
	// The active session still answers: a resize redraws it.
	if err := busy.sess.WindowChange(6, 38); err != nil {
		t.Fatalf("the active session ended too: %v, %q", err, busy.err.String())
	}
	busy.waitOut(t, 5*time.Second, "Terminal too small: 38×6")
	select {
	case err := <-busy.done:
		t.Fatalf("the active session ended too: %v, %q", err, busy.err.String())
	default:
	}
}

func TestMaxSessionLength(t *testing.T) {
	f := newFixture(t, server.Config{MaxSession: 500 * time.Millisecond})
	b := openBrowser(t, f.as(t, "alice"), 100, 30, "")
	go func() {
		for range 30 {
			time.Sleep(50 * time.Millisecond)
			_, _ = b.in.Write([]byte("j"))
		}
	}()
	if code := b.waitEnd(t, 5*time.Second); code != 1 || !strings.Contains(b.err.String(), "sessions last at most 500ms") {
		t.Errorf("exit %d, stderr %q", code, b.err.String())
	}
}

func TestTooManySessions(t *testing.T) {
	f := newFixture(t, server.Config{MaxSessions: 2})
	a, b := f.as(t, "alice"), f.as(t, "bob")
	_, errs, code := run(t, f.as(t, "alice"), "whoami")
	if code != 1 || !strings.Contains(errs, "the server is busy (2 sessions open") {
		t.Errorf("third connection: exit %d, stderr %q", code, errs)
	}
	// The two admitted are unaffected, and a place frees when one leaves.
	if whoami(t, a) != "alice" || whoami(t, b) != "bob" {
		t.Error("admitted connections broke")
	}
	_ = b.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		out, _, code := run(t, f.as(t, "bob"), "whoami")
		if code == 0 && strings.TrimSpace(out) == "bob" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a freed place was not given to a new connection")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConnectionRatePerAddress(t *testing.T) {
	f := newFixture(t, server.Config{Rate: 0.5, Burst: 3})
	for i := range 3 {
		if got := whoami(t, f.as(t, "alice")); got != "alice" {
			t.Fatalf("connection %d: %q", i, got)
		}
	}
	_, errs, code := run(t, f.as(t, "alice"), "whoami")
	if code != 1 || !strings.Contains(errs, "too many connections from 127.0.0.1") {
		t.Errorf("fourth quick connection: exit %d, stderr %q", code, errs)
	}
}

// A flood of connections that never finish their handshake does not keep
// a real client out.
func TestFloodOfHalfOpenConnections(t *testing.T) {
	f := newFixture(t, server.Config{MaxSessions: 8, Rate: -1})
	var conns []net.Conn
	for range 100 {
		c, err := net.DialTimeout("tcp", f.addr, 2*time.Second)
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := f.dial(t, gossh.PublicKeys(f.keys["alice"]))
		if err == nil {
			out, _, code := run(t, c, "whoami")
			_ = c.Close()
			if code == 0 && strings.TrimSpace(out) == "alice" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("after a flood the server never admitted alice again")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestShutdownTellsSessions(t *testing.T) {
	f := newFixture(t, server.Config{})
	b := openBrowser(t, f.as(t, "alice"), 100, 30, "")
	b.waitOut(t, 5*time.Second, "alice")
	start := time.Now()
	if err := f.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	b.waitEnd(t, 5*time.Second)
	if !strings.Contains(b.err.String(), "the server is shutting down") {
		t.Errorf("stderr %q", b.err.String())
	}
	if _, err := f.dial(t, anonymousAuth()); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

func TestSessionWithoutTerminal(t *testing.T) {
	f := newFixture(t, server.Config{})
	c := f.as(t, "alice")
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	s.Stderr = &errb
	err = s.Shell()
	if err == nil {
		err = s.Wait()
	}
	if err == nil || !strings.Contains(errb.String(), "the browser needs a terminal") || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("shell without a PTY: %v, stderr %q", err, errb.String())
	}
	if _, errs, code := run(t, c, "alice/priv"); code != 1 || !strings.Contains(errs, "needs a terminal: ssh -t") {
		t.Errorf("a start path without a terminal: exit %d, %q", code, errs)
	}
	_, errs, code := run(t, c, "rm -rf /")
	if code != 1 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errs)
	}
}

func TestHostKeyIsMadeOnceAndKept(t *testing.T) {
	path := t.TempDir() + "/keys/host_ed25519"
	k1, err := server.LoadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := server.LoadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()) || k1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key changed or not ed25519: %s / %s", k1.PublicKey().Type(), k2.PublicKey().Type())
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v (%v), want 0600", st.Mode(), err)
	}
}

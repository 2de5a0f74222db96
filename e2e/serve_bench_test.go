package e2e

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Benchmarks of `coop serve`, measured from the client's side of a real
// SSH connection (go test -bench Serve -run ^$ ./e2e):
//
//	BenchmarkServeRowMove       bytes the client receives when the selection moves one row (120×40)
//	BenchmarkServeFirstFrame    from starting OpenSSH's ssh (in tmux) to the first frame on screen
//	BenchmarkServeFirstFrameGo  the same from the Go client: dial, key exchange, auth, first frame
//	BenchmarkServeIdleSession   resident memory of the server per idle browser session

// screenClient is one browser session over the Go SSH client, counting
// the bytes it receives.
type screenClient struct {
	client *gossh.Client
	sess   *gossh.Session
	in     io.WriteCloser

	mu    sync.Mutex
	out   bytes.Buffer
	total int
	last  time.Time
}

func (c *screenClient) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += len(p)
	c.last = time.Now()
	if c.out.Len() < 1<<20 {
		c.out.Write(p)
	}
	return len(p), nil
}

// received returns the byte count and the time of the last byte.
func (c *screenClient) received() (int, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total, c.last
}

func (c *screenClient) has(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Contains(c.out.Bytes(), []byte(s))
}

// quiet waits until nothing has arrived for gap (and at least one byte
// after since), then returns the bytes received.
func (c *screenClient) quiet(tb testing.TB, since int, gap time.Duration) int {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, last := c.received()
		if n > since && time.Since(last) >= gap {
			return n
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no quiet output within 10s (%d bytes so far)", n)
		}
		time.Sleep(gap / 4)
	}
}

func dialScreen(tb testing.TB, srv *server, key string, w, h int, command string) *screenClient {
	tb.Helper()
	pem, err := os.ReadFile(key)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		tb.Fatal(err)
	}
	client, err := gossh.Dial("tcp", srv.addr, &gossh.ClientConfig{User: "coop", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}) //nolint:gosec // a test server
	if err != nil {
		tb.Fatal(err)
	}
	sess, err := client.NewSession()
	if err != nil {
		tb.Fatal(err)
	}
	c := &screenClient{client: client, sess: sess}
	sess.Stdout, sess.Stderr = c, c
	if c.in, err = sess.StdinPipe(); err != nil {
		tb.Fatal(err)
	}
	_ = sess.Setenv("COOP_THEME", "dark")
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		tb.Fatal(err)
	}
	if err := sess.Start(command); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = sess.Close()
		_ = client.Close()
	})
	return c
}

func (c *screenClient) waitFor(tb testing.TB, s string) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !c.has(s) {
		if time.Now().After(deadline) {
			tb.Fatalf("screen never showed %q: %q", s, c.out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func BenchmarkServeRowMove(b *testing.B) {
	root, env, keys := makeServeStore(b)
	for i := range 1000 {
		writeFile(b, filepath.Join(root, "alice", "shared", "rows", fmt.Sprintf("row-%04d.csv", i)), "a,b\n1,2\n")
	}
	srv := startServe(b, env)
	c := dialScreen(b, srv, keys["alice"], 120, 40, "alice/shared/rows")
	c.waitFor(b, "row-0000.csv")
	n := c.quiet(b, 0, 500*time.Millisecond)
	keysToSend := []string{"j", "k"}
	total := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.in.Write([]byte(keysToSend[i%2])); err != nil {
			b.Fatal(err)
		}
		after := c.quiet(b, n, 60*time.Millisecond)
		total += after - n
		n = after
	}
	b.StopTimer()
	b.ReportMetric(float64(total)/float64(b.N), "bytes/move")
}

func BenchmarkServeFirstFrame(b *testing.B) {
	_, env, keys := makeServeStore(b)
	srv := startServe(b, env)
	args := append(append([]string{"ssh", "-tt", "-p", srv.port}, sshOpts(keys["alice"])...), srv.host, "alice")
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		socket := fmt.Sprintf("coop-bench-%d-%d", os.Getpid(), i)
		start := time.Now()
		cmd := exec.Command("tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
			strings.Join(quoteAll(args), " "))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("tmux: %v: %s", err, out)
		}
		for {
			out, _ := exec.Command("tmux", "-L", socket, "capture-pane", "-p").Output()
			if bytes.Contains(out, []byte("Alice shared data")) {
				break
			}
			if time.Since(start) > 20*time.Second {
				b.Fatalf("no first frame:\n%s", out)
			}
			time.Sleep(2 * time.Millisecond)
		}
		total += time.Since(start)
		_ = exec.Command("tmux", "-L", socket, "kill-server").Run()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
}

// BenchmarkServeFirstFrameGo is the same from the Go SSH client: the
// connection, key exchange, authentication and first frame, without
// starting a process or a terminal.
func BenchmarkServeFirstFrameGo(b *testing.B) {
	_, env, keys := makeServeStore(b)
	srv := startServe(b, env, "--burst", "10000")
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		c := dialScreen(b, srv, keys["alice"], 120, 40, "alice")
		c.waitFor(b, "Alice shared data")
		total += time.Since(start)
		_ = c.sess.Close()
		_ = c.client.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
}

func BenchmarkServeIdleSession(b *testing.B) {
	_, env, keys := makeServeStore(b)
	srv := startServe(b, env, "--burst", "10000", "--max-sessions", "10000")
	const n = 20
	// One session first, so the store, caches and code are warm.
	warm := dialScreen(b, srv, keys["alice"], 120, 40, "")
	warm.waitFor(b, "Okafor")
	time.Sleep(time.Second)
	before := rss(b, srv.cmd.Process.Pid)
	for b.Loop() {
		for range n {
			c := dialScreen(b, srv, keys["alice"], 120, 40, "")
			c.waitFor(b, "Okafor")
		}
	}
	time.Sleep(2 * time.Second)
	after := rss(b, srv.cmd.Process.Pid)
	b.ReportMetric(float64(after-before)/float64(n*b.N)/(1<<20), "MiB/session")
}

// rss is the resident set size of process pid, in bytes.
func rss(tb testing.TB, pid int) int64 {
	tb.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	tb.Fatal("no VmRSS")
	return 0
}

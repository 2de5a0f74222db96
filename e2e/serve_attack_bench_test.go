package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"
)

// BenchmarkServeUnderAttack: with 500 anonymous connections trying to
// hold slots (half of them never finishing their login, half signing in
// and holding an SFTP session open), from 100 addresses, and one client
// opening SFTP handles as fast as it can, a registered user runs
// OpenSSH's `ssh host whoami` again and again. It reports the median and
// worst time of that login (goal: under 1 s worst) and the server's
// largest resident memory (goal: under 300 MB). Out of `make test`; run
// with scripts/bench-serve-attack.sh.
func BenchmarkServeUnderAttack(b *testing.B) {
	_, env, keys := makeServeStore(b)
	srv := startServe(b, env)
	logins := func(n int) []time.Duration {
		var times []time.Duration
		for range n {
			start := time.Now()
			out, code := srv.whoami(b, keys["alice"])
			if code != 0 || out != "alice\n" {
				b.Fatalf("whoami: exit %d, %q; what the server logged of 127.0.0.1:\n%s", code, out, linesOf(srv.log.String(), "remote=127.0.0.1:"))
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		return times
	}
	// The same logins on the quiet server first: on a shared machine
	// they say what the client and the machine alone cost.
	quiet := logins(10)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()

	var held, refused atomic.Int64
	const attackers, addresses = 500, 100
	for i := range attackers {
		src := fmt.Sprintf("127.0.%d.%d", 10+i%addresses/250, 1+i%addresses%250)
		wg.Go(func() {
			for ctx.Err() == nil {
				if i%2 == 0 {
					holdHalfOpen(ctx, srv.addr, src)
				} else if !holdAnonymous(ctx, srv.addr, src, &held) {
					refused.Add(1)
				}
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}
	var handles, handleRefusals atomic.Int64
	bob := signer(b, keys["bob"])
	wg.Go(func() { openHandles(ctx, srv.addr, bob, &handles, &handleRefusals) })

	var maxRSS atomic.Int64
	wg.Go(func() {
		for ctx.Err() == nil {
			if r := rss(b, srv.cmd.Process.Pid); r > maxRSS.Load() {
				maxRSS.Store(r)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	time.Sleep(5 * time.Second) // let the attack reach its steady state

	var times []time.Duration
	for b.Loop() {
		times = append(times, logins(20)...)
	}
	stop()
	slices.Sort(times)
	median, worst := times[len(times)/2], times[len(times)-1]
	b.ReportMetric(float64(median.Milliseconds()), "ms/whoami-median")
	b.ReportMetric(float64(worst.Milliseconds()), "ms/whoami-worst")
	b.ReportMetric(float64(maxRSS.Load())/(1<<20), "MiB/server-rss-max")
	b.Logf("%d logins of a registered user under attack: median %s, worst %s (on the quiet server: median %s, worst %s); "+
		"server RSS at most %.0f MiB; anonymous sessions got %d times, refused or cut %d times; the handle opener opened %d and was refused %d times",
		len(times), median.Round(time.Millisecond), worst.Round(time.Millisecond), quiet[len(quiet)/2].Round(time.Millisecond),
		quiet[len(quiet)-1].Round(time.Millisecond), float64(maxRSS.Load())/(1<<20),
		held.Load(), refused.Load(), handles.Load(), handleRefusals.Load())
}

// whoami runs OpenSSH's `ssh host whoami` as key.
func (s *server) whoami(tb testing.TB, key string) (string, int) {
	cmd := exec.Command("ssh", append(append([]string{"-p", s.port}, sshOpts(key)...), s.host, "whoami")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // exec returns it unwrapped
		code = ee.ExitCode()
	} else if err != nil {
		tb.Fatal(err)
	}
	return string(out) + stderr.String(), code
}

// holdHalfOpen opens a TCP connection from src and sends nothing, until
// the server closes it or ctx ends.
func holdHalfOpen(ctx context.Context, addr, src string) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return
	}
	defer func() { _ = c.Close() }()
	go func() { <-ctx.Done(); _ = c.Close() }()
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// holdAnonymous signs in anonymously from src and holds an SFTP session
// open (counting it in got) until the server ends it or ctx ends; it
// reports whether it got one.
func holdAnonymous(ctx context.Context, addr, src string, got *atomic.Int64) bool {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer func() { _ = conn.Close() }()
	cc, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{User: "anonymous",
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}) //nolint:gosec // a benchmark server
	if err != nil {
		return false
	}
	c := gossh.NewClient(cc, chans, reqs)
	defer func() { _ = c.Close() }()
	sc, err := sftp.NewClient(c)
	if err != nil {
		return false
	}
	defer func() { _ = sc.Close() }()
	if _, err := sc.Stat("/alice/shared/open.txt"); err != nil {
		return false
	}
	got.Add(1)
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-ctx.Done():
	case <-done:
	}
	return true
}

// openHandles opens SFTP handles as fast as it can on one session signed
// in with key (from an address of its own), counting the opens and the
// refusals; when refused it closes what it holds and starts again.
func openHandles(ctx context.Context, addr string, key gossh.Signer, opened, refusals *atomic.Int64) {
	for ctx.Err() == nil {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.9.1")}, Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		cc, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{User: "bob", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second}) //nolint:gosec // a benchmark server
		if err != nil {
			_ = conn.Close()
			time.Sleep(100 * time.Millisecond)
			continue
		}
		c := gossh.NewClient(cc, chans, reqs)
		sc, err := sftp.NewClient(c)
		if err != nil {
			_ = c.Close()
			continue
		}
		var files []*sftp.File
		for ctx.Err() == nil {
			f, err := sc.Open("/alice/shared/open.txt")
			if err != nil {
				refusals.Add(1)
				for _, f := range files {
					_ = f.Close()
				}
				files = files[:0]
				continue
			}
			opened.Add(1)
			files = append(files, f)
		}
		_ = sc.Close()
		_ = c.Close()
	}
}

// linesOf is the lines of s that hold sub.
func linesOf(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// signer reads the private key an e2e key pair keeps at path.
func signer(tb testing.TB, path string) gossh.Signer {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := gossh.ParsePrivateKey(data)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

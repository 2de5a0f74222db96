package server_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/server"
)

// The hostile-client suite, limits part. Connections come from several
// loopback addresses (127.0.0.0/8 all reach the server), so that one
// "attacker" address and the honest client's differ, as on a network.

// dialFrom opens a TCP connection to the server from the loopback address
// src, or fails the test.
func dialFrom(t testing.TB, f *fixture, src string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", f.addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// sshFrom signs in over a connection from src.
func sshFrom(t testing.TB, f *fixture, src, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	conn := dialFrom(t, f, src)
	cc, chans, reqs, err := gossh.NewClientConn(conn, f.addr, &gossh.ClientConfig{
		User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec // a test server
		Timeout: 10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	c := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { _ = c.Close() })
	return c, nil
}

// closedSoon reports whether the server closes c within d.
func closedSoon(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return err == nil || !errorsAs(err, &ne) || !ne.Timeout()
}

// timedWhoami signs alice in from 127.0.0.1 and asks whoami; it fails the
// test if that takes longer than limit.
func timedWhoami(t *testing.T, f *fixture, limit time.Duration) {
	t.Helper()
	start := time.Now()
	c, err := sshFrom(t, f, "127.0.0.1", "alice", gossh.PublicKeys(f.keys["alice"]))
	if err != nil {
		t.Fatalf("alice cannot sign in: %v", err)
	}
	if got := whoami(t, c); got != "alice" {
		t.Fatalf("alice signs in as %q", got)
	}
	_ = c.Close()
	if d := time.Since(start); d > limit {
		t.Errorf("alice's whoami took %s (limit %s)", d, limit)
	}
}

// Finding 5: one address kept every slot with connections that never
// logged in. Those are bounded per address (the next are closed at once)
// and in total (the oldest gives way), and an account signs in at once.
func TestHostileUnauthenticatedConnectionsDoNotHoldSlots(t *testing.T) {
	f := newFixture(t, server.Config{MaxSessions: 8, MaxUnauthenticated: 16, MaxPerAddress: 4, Rate: -1})
	var flood []net.Conn
	for range 12 {
		flood = append(flood, dialFrom(t, f, "127.0.0.2"))
	}
	// The server takes connections in any order: any four are kept.
	closed := 0
	for _, c := range flood {
		if closedSoon(c, 2*time.Second) {
			closed++
		}
	}
	if closed != len(flood)-4 {
		t.Errorf("%d of the %d connections were closed at once, want the %d past the per-address bound", closed, len(flood), len(flood)-4)
	}
	timedWhoami(t, f, 5*time.Second)

	// Many addresses, more than the total: the oldest give way.
	for i := range 40 {
		dialFrom(t, f, "127.0.1."+itoa(i+1))
	}
	timedWhoami(t, f, 5*time.Second)
}

// Finding 5, signed in: anonymous sessions may take only their share of
// the slots (in total and per address), so accounts always find room.
func TestHostileAnonymousSessionsLeaveRoomForAccounts(t *testing.T) {
	f := newFixture(t, server.Config{MaxSessions: 12, MaxAnonymous: 6, MaxPerAddress: 4, Rate: -1})
	held := 0
	var refusals []string
	for i := range 10 {
		src := "127.0.2." + itoa(i/4+1)
		c, err := sshFrom(t, f, src, server.AnonymousUser)
		if err != nil {
			t.Fatalf("anonymous %d: %v", i, err)
		}
		out, errs, code := run(t, c, "whoami")
		if code == 0 && strings.TrimSpace(out) == "anonymous" {
			held++
			continue
		}
		refusals = append(refusals, errs)
	}
	if held != 6 {
		t.Errorf("%d anonymous sessions held, want 6 (refusals %q)", held, refusals)
	}
	if len(refusals) == 0 || !strings.Contains(refusals[0], "anonymous sessions") {
		t.Errorf("refused anonymous sessions were not told why: %q", refusals)
	}
	timedWhoami(t, f, 5*time.Second)
}

// Finding 4: one anonymous connection opened 20,000 SFTP subsystems. A
// connection may have MaxChannels sessions; the next is refused, and the
// others carry on.
func TestHostileChannelsPerConnection(t *testing.T) {
	f := newFixture(t, server.Config{MaxChannels: 5})
	c := f.as(t, "eve")
	var clients []*sftp.Client
	for range 5 {
		sc, err := sftp.NewClient(c)
		if err != nil {
			t.Fatalf("sftp session %d: %v", len(clients)+1, err)
		}
		t.Cleanup(func() { _ = sc.Close() })
		clients = append(clients, sc)
	}
	if _, err := c.NewSession(); err == nil || !strings.Contains(err.Error(), "at most 5 sessions") {
		t.Errorf("a sixth session on one connection: %v", err)
	}
	for i, sc := range clients {
		if _, err := sc.Stat("/alice/pub/p.txt"); err != nil {
			t.Errorf("session %d broke: %v", i+1, err)
		}
	}
	_ = clients[0].Close()
	eventually(t, func() error {
		s, err := c.NewSession()
		if err != nil {
			return err
		}
		return s.Close()
	})
}

// Finding 1: one anonymous session held ~20,000 open handles, and another
// account's login hung. A session may hold MaxHandles, the server
// MaxOpenFiles; the next open is refused with a clear message, closing
// frees the slots, and other sessions carry on.
func TestHostileOpenHandles(t *testing.T) {
	f := newFixture(t, server.Config{MaxHandles: 40, MaxOpenFiles: 60})
	anon, _ := sftpAs(t, f, "eve")
	var open []*sftp.File
	var err error
	for range 200 {
		var h *sftp.File
		if h, err = anon.Open("/alice/pub/p.txt"); err != nil {
			break
		}
		open = append(open, h)
	}
	if len(open) != 40 || err == nil || !strings.Contains(err.Error(), "40 files and folders open") {
		t.Fatalf("opened %d handles, then %v", len(open), err)
	}
	if _, err := anon.ReadDir("/alice/pub"); err == nil {
		t.Error("a folder handle past the bound was opened")
	}
	alice, _ := sftpAs(t, f, "alice")
	var aliceFiles []*sftp.File
	for range 40 {
		h, err := alice.Open("/alice/pub/p.txt")
		if err != nil {
			break
		}
		aliceFiles = append(aliceFiles, h)
	}
	if err := putFile(alice, "/alice/priv/over-the-bound.txt", "x"); err == nil || len(f.rec.find(audit.ActionUpload, "alice", audit.ResultError)) == 0 {
		t.Errorf("an upload refused for the handle bound: %v, audit %+v", err, f.rec.find(audit.ActionUpload, "alice", ""))
	}
	for _, h := range aliceFiles {
		_ = h.Close()
	}
	timedWhoami(t, f, 5*time.Second)

	// The server's bound: bob gets the 20 left, then a clear refusal.
	bob, _ := sftpAs(t, f, "bob")
	var bobs []*sftp.File
	for range 40 {
		h, err := bob.Open("/alice/pub/p.txt")
		if err != nil {
			if !strings.Contains(err.Error(), "the server has 60 files open") {
				t.Errorf("bob's refusal: %v", err)
			}
			break
		}
		bobs = append(bobs, h)
	}
	if len(bobs) != 20 {
		t.Errorf("bob opened %d handles with 40 of 60 taken, want 20", len(bobs))
	}
	var wg sync.WaitGroup
	for _, h := range open {
		wg.Go(func() { _ = h.Close() })
	}
	wg.Wait()
	eventually(t, func() error {
		h, err := bob.Open("/alice/pub/p.txt")
		if err != nil {
			return err
		}
		return h.Close()
	})
	if b, err := io.ReadAll(bobs[0]); err != nil || string(b) != "public words" {
		t.Errorf("an open handle stopped working: %q, %v", b, err)
	}
}

package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
	"github.com/coopterm/coop/server"
)

// The attacks that held when `coop serve` was tried as an attacker would
// (impersonation, anonymous writes, traversal, escape injection, exec
// and forwarding requests, floods), kept as tests so that they keep
// holding. Those with a test of their own elsewhere are named there:
// TestOfferingAnotherAccountsKeyDoesNotSignIn (offered key ≠ signing
// key), TestSFTPPathTraversal, TestConnectionRatePerAddress,
// TestFloodOfHalfOpenConnections, TestSFTPDisconnectMidUpload and the
// e2e TestServeKilledMidUpload (kill -9).
func TestHostileAttacksThatHeld(t *testing.T) {
	f := newFixture(t, server.Config{})
	ctx := context.Background()

	t.Run("impersonation: user name of another account", func(t *testing.T) {
		c, err := f.dialUser(t, "alice", gossh.PublicKeys(f.keys["eve"]), anonymousAuth())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		if got := whoami(t, c); got != "anonymous" {
			t.Errorf("user alice with eve's key is %q", got)
		}
	})
	t.Run("impersonation: password", func(t *testing.T) {
		if c, err := f.dialUser(t, "alice", gossh.Password("alice")); err == nil {
			_ = c.Close()
			t.Error("a password signed in")
		}
	})
	t.Run("impersonation: none as another user", func(t *testing.T) {
		if c, err := f.dialUser(t, "alice"); err == nil {
			_ = c.Close()
			t.Error(`"none" signed in as alice`)
		}
	})

	anon, _ := sftpAs(t, f, "eve")
	t.Run("anonymous writes", func(t *testing.T) {
		wantSFTPErr(t, "put", putFile(anon, "/alice/pub/new.txt", "x"), fxPermissionDenied)
		wantSFTPErr(t, "rm", anon.Remove("/alice/pub/p.txt"), fxPermissionDenied)
		wantSFTPErr(t, "mkdir repository", anon.Mkdir("/alice/newrepo"), fxPermissionDenied)
		wantSFTPErr(t, "mkdir folder", anon.Mkdir("/alice/pub/dir"), fxPermissionDenied)
		if err := anon.Rename("/alice/pub/p.txt", "/alice/pub/q.txt"); err == nil {
			t.Error("rename taken")
		}
		_, errs, code := run(t, f.as(t, "eve"), "scp -t /alice/pub/x.txt")
		_ = errs
		if code == 0 {
			// scp -t waits for data; without any the copy must not have
			// stored a file.
			if _, err := f.store.StatObject(ctx, ref("alice", "pub"), "x.txt"); err == nil {
				t.Error("scp -t stored a file for anonymous")
			}
		}
		if got := object(t, f, "alice", "pub", "p.txt"); got != "public words" {
			t.Errorf("the public file became %q", got)
		}
	})
	t.Run("traversal", func(t *testing.T) {
		for _, p := range []string{"/alice/pub/\x00/../../priv/a.txt", "/alice/pub/..%2F..%2Fpriv/a.txt", `/alice/pub/..\..\priv\a.txt`} {
			if r, err := anon.Open(p); err == nil {
				b, _ := io.ReadAll(r)
				_ = r.Close()
				if strings.Contains(string(b), "secret") {
					t.Errorf("%q read alice's secret", p)
				}
			}
		}
		alice, _ := sftpAs(t, f, "alice")
		for _, p := range []string{"/alice/priv/" + backend.MetadataFileName, "/alice/priv/" + local.TempPrefix + "x", "/alice/priv/a/../../../bob/x"} {
			if err := putFile(alice, p, "x"); err == nil {
				t.Errorf("wrote %q", p)
			}
		}
		if err := alice.Rename("/alice/priv/a.txt", "/../../../../tmp/escaped"); err == nil {
			t.Error("renamed out of the tree")
		}
	})
	t.Run("escape injection", func(t *testing.T) {
		_, errs, _ := run(t, f.as(t, "eve"), "cat \x1b]52;c;aGk=\x07\x1b[2J")
		if strings.ContainsAny(errs, "\x1b\x07") {
			t.Errorf("stderr echoes raw escapes: %q", errs)
		}
		_, err := anon.Open("/alice/pub/\x1b[31mred")
		if err == nil || strings.ContainsAny(err.Error(), "\x1b") {
			t.Errorf("a status message carries raw escapes: %v", err)
		}
		b := openBrowserEnv(t, f.as(t, "eve"), 80, 24, "", map[string]string{"COOP_THEME": "\x1b]0;pwned\x07", "TERM": "\x1b[2J"})
		b.waitOut(t, 10*time.Second, "alice")
		if strings.Contains(b.out.String(), "pwned") {
			t.Error("an environment value reached the screen")
		}
	})
	t.Run("exec and forwarding requests", func(t *testing.T) {
		c := f.as(t, "alice")
		if _, err := c.Dial("tcp", f.addr); err == nil {
			t.Error("direct-tcpip was accepted")
		}
		if _, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
			t.Error("tcpip-forward was accepted")
		}
		ok, _, err := c.SendRequest("no-more-sessions@openssh.com", true, nil)
		_ = ok
		_ = err
		s, err := c.NewSession()
		must(t, err)
		if ok, err := s.SendRequest("auth-agent-req@openssh.com", true, nil); ok && err == nil {
			t.Error("agent forwarding was accepted")
		}
		if ok, err := s.SendRequest("x11-req", true, gossh.Marshal(struct {
			Single        bool
			Proto, Cookie string
			Screen        uint32
		}{false, "MIT-MAGIC-COOKIE-1", "00", 0})); ok && err == nil {
			t.Error("x11 forwarding was accepted")
		}
		if err := s.RequestSubsystem("shell"); err == nil {
			_ = s.Wait()
		}
		_ = s.Close()
		for _, cmd := range []string{"sh -c id", "/bin/sh", "sftp-server", "scp -f /etc/passwd", "cat /etc/passwd", "ls; id"} {
			out, errs, code := run(t, c, cmd)
			if code == 0 && strings.Contains(out, "root:") || strings.Contains(out+errs, "uid=") {
				t.Errorf("%q ran: %q %q", cmd, out, errs)
			}
		}
	})
	t.Run("floods: many requests on one session", func(t *testing.T) {
		for range 2000 {
			if _, err := anon.Stat("/alice/pub/p.txt"); err != nil {
				t.Fatalf("stat failed under a flood of requests: %v", err)
			}
		}
		timedWhoami(t, f, 5*time.Second)
	})
	t.Run("floods: a packet as large as the protocol allows", func(t *testing.T) {
		c := f.as(t, "eve")
		s, err := c.NewSession()
		must(t, err)
		in, _ := s.StdinPipe()
		must(t, s.RequestSubsystem("sftp"))
		_, _ = in.Write([]byte{0xff, 0xff, 0xff, 0xf0, 1})
		_ = s.Close()
		timedWhoami(t, f, 5*time.Second)
	})
}

// Finding 3, through SFTP and scp: links planted in a public repository
// lead anonymous readers nowhere: not to alice's private repository, not
// to .coop (catalog, audit log, host key, spool), not out of the root.
func TestHostileLinksOverSFTPAndScp(t *testing.T) {
	f := newFixture(t, server.Config{})
	root := f.store.(*local.Store).Root()
	pub := filepath.Join(root, "alice", "pub")
	for name, target := range map[string]string{
		"priv": "../priv", "secret.txt": "../priv/a.txt", "coop": "../../.coop", "catalog": "../../.coop/catalog.db", "etc": "/etc",
		"loop": "loop", "here": ".", "words.txt": "p.txt",
	} {
		if err := os.Symlink(target, filepath.Join(pub, name)); err != nil {
			t.Fatal(err)
		}
	}
	anon, _ := sftpAs(t, f, "eve")
	for _, p := range []string{"priv/a.txt", "secret.txt", "coop/catalog.db", "coop/audit.log", "catalog", "etc/passwd", "loop"} {
		if r, err := anon.Open("/alice/pub/" + p); err == nil {
			b, _ := io.ReadAll(r)
			_ = r.Close()
			t.Errorf("anonymous read %s through a link: %q", p, b)
		}
	}
	fis, err := anon.ReadDir("/alice/pub")
	must(t, err)
	for _, fi := range fis {
		if fi.Name() != "p.txt" && fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is listed as %v, not as a link", fi.Name(), fi.Mode())
		}
	}
	if r, err := anon.Open("/alice/pub/words.txt"); err != nil {
		t.Errorf("a link to a file inside the repository: %v", err)
	} else {
		_ = r.Close()
	}
	alice, _ := sftpAs(t, f, "alice")
	if err := putFile(alice, "/alice/pub/coop/audit.log", "overwritten"); err == nil {
		t.Error("alice wrote the audit log through a link")
	}
	if err := alice.Remove("/alice/pub/priv/a.txt"); err == nil {
		t.Error("alice deleted through a link")
	}
	if got := object(t, f, "alice", "priv", "a.txt"); got != "alice's secret" {
		t.Errorf("alice's private file is now %q", got)
	}

	// scp -r of the repository sends its file and skips the links.
	names, errs := scpFrom(t, f.as(t, "eve"), "/alice/pub")
	if strings.Join(names, ",") != "pub,p.txt" || !strings.Contains(errs, "is a link") {
		t.Errorf("scp -r sent %q; stderr %q", names, errs)
	}
}

// Finding 10: a line break in a name broke `scp -O -r`: the client wrote
// bytes a name's author chose and stopped the copy. Such a name is
// skipped with a word on stderr; what is sent stays well formed.
func TestHostileScpNewlineInName(t *testing.T) {
	f := newFixture(t, server.Config{})
	root := f.store.(*local.Store).Root()
	evil := "a.txt\nC0644 5 evil.sh\n#!sh"
	if err := os.WriteFile(filepath.Join(root, "alice", "pub", evil), []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	names, errs := scpFrom(t, f.as(t, "eve"), "/alice/pub")
	if strings.Join(names, ",") != "pub,p.txt" {
		t.Errorf("scp -r sent %q", names)
	}
	if !strings.Contains(errs, "skipped") || !strings.Contains(errs, `\n`) {
		t.Errorf("stderr %q does not say what was skipped", errs)
	}
	// scp -O's error lines end with a line break.
	_, errs, code := run(t, f.as(t, "eve"), "scp -f /alice/pub/missing.txt")
	if code == 0 || !strings.HasSuffix(errs, "\n") {
		t.Errorf("scp -f of a missing file: exit %d, stderr %q", code, errs)
	}
}

// scpFrom runs the source side of scp -r (as `scp -O -r` asks it) and
// parses what the server sends: the names of the folders and files, in
// order. It fails the test if the stream is not well formed.
func scpFrom(t *testing.T, c *gossh.Client, path string) ([]string, string) {
	t.Helper()
	s, err := c.NewSession()
	must(t, err)
	defer func() { _ = s.Close() }()
	var stderr bytes.Buffer
	s.Stderr = &stderr
	in, _ := s.StdinPipe()
	out, _ := s.StdoutPipe()
	must(t, s.Start("scp -r -f "+path))
	go func() {
		for range 1000 {
			if _, err := in.Write([]byte{0}); err != nil {
				return
			}
		}
	}()
	r := bufio.NewReader(out)
	var names []string
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			break
		}
		must(t, err)
		line = strings.TrimRight(strings.TrimLeft(line, "\x00"), "\n")
		switch {
		case line == "E" || strings.HasPrefix(line, "T"):
		case strings.HasPrefix(line, "D"):
			names = append(names, strings.SplitN(line, " ", 3)[2])
		case strings.HasPrefix(line, "C"):
			parts := strings.SplitN(line, " ", 3)
			size, err := strconv.Atoi(parts[1])
			if err != nil || len(parts) != 3 {
				t.Fatalf("a malformed file line %q", line)
			}
			names = append(names, parts[2])
			if _, err := io.CopyN(io.Discard, r, int64(size)+1); err != nil {
				t.Fatalf("file %s: %v", parts[2], err)
			}
		default:
			t.Fatalf("scp stream has a line no scp command starts: %q (so far %q)", line, names)
		}
	}
	_ = s.Wait()
	return names, stderr.String()
}

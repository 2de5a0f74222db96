package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// paneFlags reads tmux's view of a pane's terminal modes.
func (tm *term) paneFlags() string {
	tm.t.Helper()
	out, err := exec.Command("tmux", "-L", tm.socket, "display-message", "-p", "-t", "0",
		"alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}#{mouse_button_flag}#{mouse_sgr_flag}").CombinedOutput()
	if err != nil {
		tm.t.Fatalf("display-message: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// Stopping the server with Ctrl-C (SIGINT) while browsers are open leaves
// every client's terminal as it was: main screen, cursor shown, mouse
// reports off, and the reason printed.
func TestServeShutdownRestoresClientTerminals(t *testing.T) {
	_, env, keys := makeServeStore(t)
	srv := startServe(t, env)
	// The client runs under a shell that stays after it, so the pane's
	// modes can be read once ssh has ended (tmux resets a dead pane's).
	client := func(key string, command ...string) *term {
		args := append(append([]string{"ssh", "-tt", "-p", srv.port}, sshOpts(key)...), srv.host)
		line := strings.Join(quoteAll(append(args, command...)), " ") + "; echo client-ended; sleep 60"
		return startTerm(t, nil, "sh", "-c", line)
	}
	a := client(keys["alice"], "alice")
	b := client(keys["bob"])
	a.waitFor(15*time.Second, "Alice shared data")
	b.waitFor(15*time.Second, "alice")
	a.send("Enter") // a session in the middle of something
	a.waitFor(10*time.Second, "open.txt")
	for _, tm := range []*term{a, b} {
		if f := tm.paneFlags(); !strings.HasPrefix(f, "alt=1") {
			t.Fatalf("the browser is not on the alternate screen (%s), so this test proves nothing", f)
		}
	}
	srv.stop(t, syscall.SIGINT)
	for _, tm := range []*term{a, b} {
		tm.waitFor(15*time.Second, "client-ended")
		if f := tm.paneFlags(); f != "alt=0 cursor=1 mouse=000" {
			t.Errorf("the client's terminal after shutdown: %s, want alt=0 cursor=1 mouse=000\n%s", f, tm.screen())
		}
		tm.waitFor(5*time.Second, "coop: the server is shutting down")
	}
	log := srv.log.String()
	for _, want := range []string{"msg=login account=alice", "msg=login account=bob", `msg="session end" account=alice`, "msg=\"shutting down\""} {
		if !strings.Contains(log, want) {
			t.Errorf("the server's console lacks %q:\n%s", want, log)
		}
	}
}

// A client with no key at all signs in as the user "anonymous" with the
// "none" method, so `sftp -b` (batch mode: no keyboard-interactive) reads
// public data without -o BatchMode=no; other user names still need a key.
func TestServeSFTPWithoutAnyKey(t *testing.T) {
	_, env, _ := makeServeStore(t)
	srv := startServe(t, env)
	local := t.TempDir()
	batch := filepath.Join(t.TempDir(), "batch")
	writeFile(t, batch, "ls /alice/shared\nget /alice/shared/open.txt "+filepath.Join(local, "open.txt")+"\n")
	noKey := []string{"-o", "IdentitiesOnly=yes", "-o", "IdentityFile=none", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"}
	out, code := runClient(t, "sftp", append(append([]string{"-b", batch, "-P", srv.port}, noKey...), "anonymous@"+srv.host)...)
	if code != 0 || !strings.Contains(out, "open.txt") {
		t.Fatalf("keyless sftp -b as anonymous: exit %d\n%s", code, out)
	}
	if got := readLocal(t, filepath.Join(local, "open.txt")); got != "anyone reads this\n" {
		t.Errorf("downloaded %q", got)
	}
	out, code = runClient(t, "sftp", append(append([]string{"-b", batch, "-P", srv.port}, noKey...), "alice@"+srv.host)...)
	if code == 0 || !strings.Contains(out, "Permission denied") {
		t.Errorf("keyless sftp -b as alice: exit %d\n%s", code, out)
	}
}

func readLocal(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

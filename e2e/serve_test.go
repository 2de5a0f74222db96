package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/audit"
)

// makeServeStore builds a store for the SSH tests: alice with a private and
// a public repository, bob with a key of his own, and keys for both plus
// one (eve) that belongs to no account.
func makeServeStore(t testing.TB) (root string, env []string, keys map[string]string) {
	root = t.TempDir()
	env = []string{"COOP_STORAGE=" + root, "XDG_CONFIG_HOME=" + t.TempDir(), "COOP_THEME=dark"}
	coop(t, env, "init")
	coop(t, env, "account", "create", "alice", "--type", "user", "--name", "Alice Nakamura")
	coop(t, env, "account", "create", "bob", "--type", "user", "--name", "Bob Okafor")
	coop(t, env, "repo", "create", "alice/private", "--title", "Alice private notes", "--visibility", "private")
	coop(t, env, "repo", "create", "alice/shared", "--title", "Alice shared data", "--visibility", "public")
	writeFile(t, filepath.Join(root, "alice", "private", "secret.txt"), "only alice reads this\n")
	writeFile(t, filepath.Join(root, "alice", "shared", "open.txt"), "anyone reads this\n")
	dir := t.TempDir()
	keys = map[string]string{}
	for _, who := range []string{"alice", "bob", "eve"} {
		keys[who] = keygen(t, dir, who)
	}
	coop(t, env, "account", "add-key", "alice", pubKey(t, keys["alice"]))
	coop(t, env, "account", "add-key", "bob", pubKey(t, keys["bob"]))
	return root, env, keys
}

func readAudit(t *testing.T, root string) []audit.Event {
	t.Helper()
	evs, err := audit.ReadFile(filepath.Join(root, ".coop", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func hasEvent(evs []audit.Event, actor, action, target, result string) bool {
	for _, ev := range evs {
		if ev.Actor == actor && ev.Action == action && ev.Target == target && ev.Result == result &&
			strings.HasPrefix(ev.Remote, "127.0.0.1:") && !ev.Time.IsZero() {
			return true
		}
	}
	return false
}

func TestServeBrowseByAccount(t *testing.T) {
	_, env, keys := makeServeStore(t)
	srv := startServe(t, env)

	// Alice sees her private repository, and the header says who she is.
	a := srv.terminal(t, keys["alice"], "alice")
	a.waitFor(15*time.Second, "Alice private notes", "Alice shared data", "ssh · alice")
	a.send("j", "Enter") // newest first: shared, then private
	a.waitFor(10*time.Second, "secret.txt")
	// Uploads from the browser would read the server's disk: over SSH
	// they are off (files go in with sftp and scp).
	a.send("u")
	a.waitFor(10*time.Second, "switched off in this session")
	a.send("Escape")
	a.waitGone(10*time.Second, "switched off in this session")

	// Bob does not; neither does an unknown key, which is anonymous.
	b := srv.terminal(t, keys["bob"], "alice")
	s := b.waitFor(15*time.Second, "Alice shared data", "ssh · bob")
	if strings.Contains(s, "Alice private notes") {
		t.Errorf("bob sees alice's private repository:\n%s", s)
	}
	e := srv.terminal(t, keys["eve"], "alice")
	s = e.waitFor(15*time.Second, "Alice shared data", "anonymous (read-only)")
	if strings.Contains(s, "Alice private notes") {
		t.Errorf("anonymous sees alice's private repository:\n%s", s)
	}
	// Going straight to it is "not found", as for a repository that does
	// not exist.
	b2 := srv.terminal(t, keys["bob"], "alice/private")
	b2.waitFor(15*time.Second, "not found")

	for _, tm := range []*term{a, b, e} {
		tm.send("q")
		tm.waitExit(t, 10*time.Second)
	}

	// Without a terminal: one line saying why.
	out, code := srv.ssh(t, keys["alice"], []string{"-T"})
	if code != 1 || !strings.Contains(out, "needs a terminal") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("ssh -T: exit %d, %q", code, out)
	}
}

func TestServeSFTPWritesAndRefusals(t *testing.T) {
	root, env, keys := makeServeStore(t)
	srv := startServe(t, env)
	local := t.TempDir()
	upload := filepath.Join(local, "report.csv")
	writeFile(t, upload, "station,value\nst-1,42\n")

	// Anonymous (an unknown key) may read public data, not change it.
	out, code := srv.sftp(t, keys["eve"], "get /alice/shared/open.txt "+filepath.Join(local, "open.txt")+"\n")
	if code != 0 {
		t.Errorf("anonymous get: exit %d\n%s", code, out)
	}
	for _, cmd := range []string{"rm /alice/shared/open.txt", "put " + upload + " /alice/shared/report.csv"} {
		out, code := srv.sftp(t, keys["eve"], cmd+"\n")
		if code == 0 || !strings.Contains(out, "Permission denied") {
			t.Errorf("anonymous %q: exit %d\n%s", cmd, code, out)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "alice", "shared", "open.txt")); err != nil {
		t.Errorf("anonymous rm removed the file: %v", err)
	}

	// Bob cannot write to alice's repositories: the public one refuses,
	// the private one does not exist for him.
	out, code = srv.sftp(t, keys["bob"], "put "+upload+" /alice/shared/report.csv\n")
	if code == 0 || !strings.Contains(out, "Permission denied") {
		t.Errorf("bob's upload to alice/shared: exit %d\n%s", code, out)
	}
	out, code = srv.sftp(t, keys["bob"], "put "+upload+" /alice/private/report.csv\n")
	if code == 0 || !strings.Contains(out, "No such file") {
		t.Errorf("bob's upload to alice/private: exit %d\n%s", code, out)
	}
	out, _ = srv.sftp(t, keys["bob"], "ls /alice\n")
	if strings.Contains(out, "private") || !strings.Contains(out, "shared") {
		t.Errorf("bob lists /alice as:\n%s", out)
	}

	// Alice uploads, lists and deletes.
	out, code = srv.sftp(t, keys["alice"], strings.Join([]string{
		"cd /alice/private",
		"put " + upload,
		"mkdir 2024",
		"put " + upload + " 2024/second.csv",
		"ls -l",
		"rm secret.txt",
	}, "\n")+"\n")
	if code != 0 || !strings.Contains(out, "report.csv") {
		t.Fatalf("alice's sftp session: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(root, "alice", "private", "secret.txt")); !os.IsNotExist(err) {
		t.Errorf("secret.txt still there after rm: %v", err)
	}
	// The metadata entries are written in the background by the queue,
	// within about a second.
	deadline := time.Now().Add(10 * time.Second)
	for {
		problem := checkMetadata(t, filepath.Join(root, "alice", "private", ".source-metadata.json"))
		if problem == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(problem)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := coop(t, env, "stat", "alice/private/report.csv"); !strings.Contains(st, "sha256:") || !strings.Contains(st, "crc32c") {
		t.Errorf("coop stat after an SFTP upload:\n%s", st)
	}

	// scp, over SFTP (the default) and the original protocol (-O).
	out, code = srv.scp(t, keys["alice"], upload, srv.host+":/alice/private/by-scp.csv")
	if code != 0 {
		t.Errorf("scp upload: exit %d\n%s", code, out)
	}
	out, code = srv.scp(t, keys["alice"], "-O", upload, srv.host+":/alice/private/by-legacy-scp.csv")
	if code != 0 {
		t.Errorf("scp -O upload: exit %d\n%s", code, out)
	}
	back := filepath.Join(local, "back.csv")
	out, code = srv.scp(t, keys["alice"], "-O", srv.host+":/alice/private/by-legacy-scp.csv", back)
	if got, err := os.ReadFile(back); code != 0 || err != nil || string(got) != "station,value\nst-1,42\n" {
		t.Errorf("scp -O download: exit %d, %q, %v\n%s", code, got, err, out)
	}
	out, code = srv.scp(t, keys["bob"], "-O", upload, srv.host+":/alice/shared/by-bob.csv")
	if code == 0 {
		t.Errorf("bob's scp -O into alice/shared succeeded:\n%s", out)
	}

	// The audit log has every login and write, refused ones too.
	evs := readAudit(t, root)
	for _, want := range [][4]string{
		{"alice", audit.ActionLogin, "alice", audit.ResultOK},
		{"anonymous", audit.ActionLogin, "anonymous", audit.ResultOK},
		{"alice", audit.ActionUpload, "alice/private/report.csv", audit.ResultOK},
		{"alice", audit.ActionUpload, "alice/private/2024/second.csv", audit.ResultOK},
		{"alice", audit.ActionDelete, "alice/private/secret.txt", audit.ResultOK},
		{"alice", audit.ActionUpload, "alice/private/by-scp.csv", audit.ResultOK},
		{"alice", audit.ActionUpload, "alice/private/by-legacy-scp.csv", audit.ResultOK},
		{"anonymous", audit.ActionDelete, "alice/shared/open.txt", audit.ResultDenied},
		{"anonymous", audit.ActionUpload, "alice/shared/report.csv", audit.ResultDenied},
		{"bob", audit.ActionUpload, "alice/shared/report.csv", audit.ResultDenied},
		{"bob", audit.ActionUpload, "alice/private/report.csv", audit.ResultNotFound},
	} {
		if !hasEvent(evs, want[0], want[1], want[2], want[3]) {
			t.Errorf("audit log lacks %v", want)
		}
	}
	for _, ev := range evs {
		if ev.Action == audit.ActionUpload && ev.Result == audit.ResultOK && ev.Bytes != 22 {
			t.Errorf("upload event with %d bytes: %+v", ev.Bytes, ev)
		}
	}
}

// The regression for GHSA-pchf-49fh-w34r with the real client: it offers
// alice's public key (the server accepts it as a candidate) but holds only
// its own private key, and signs with that. It must not be alice.
func TestServeOfferedKeyIsNotTheSigningKey(t *testing.T) {
	_, env, keys := makeServeStore(t)
	srv := startServe(t, env)
	dir := t.TempDir()
	alicePubOnly := filepath.Join(dir, "alice.pub")
	writeFile(t, alicePubOnly, pubKey(t, keys["alice"])+"\n")
	if err := os.Chmod(alicePubOnly, 0o600); err != nil {
		t.Fatal(err)
	}
	for signer, want := range map[string]string{"eve": "anonymous", "bob": "bob"} {
		args := append([]string{"-v", "-p", srv.port}, sshOpts(alicePubOnly, keys[signer])...)
		cmd := exec.Command("ssh", append(args, srv.host, "whoami")...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if !strings.Contains(stderr.String(), "Server accepts key: "+alicePubOnly) {
			t.Fatalf("the client never offered alice's key, so this test proves nothing (%v):\n%s", err, stderr.String())
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("offered alice's key, signed with %s's: signed in as %q, want %q", signer, got, want)
		}
	}
	out, _ := srv.ssh(t, keys["alice"], nil, "whoami")
	if strings.TrimSpace(out) != "alice" {
		t.Errorf("alice herself signs in as %q", out)
	}
}

// checkMetadata says what is wrong with alice/private's metadata after
// the uploads and the delete, or "" if nothing is.
func checkMetadata(t *testing.T, path string) string {
	t.Helper()
	var meta struct {
		Objects map[string]struct {
			Size     int64  `json:"size"`
			Checksum string `json:"checksum"`
		} `json:"objects"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		return err.Error()
	}
	for _, p := range []string{"report.csv", "2024/second.csv"} {
		if m, ok := meta.Objects[p]; !ok || m.Size != 22 || !strings.HasPrefix(m.Checksum, "sha256:") {
			return fmt.Sprintf("metadata entry for %s: %+v (%v)", p, m, ok)
		}
	}
	if _, ok := meta.Objects["secret.txt"]; ok {
		return "the deleted file keeps a metadata entry"
	}
	return ""
}

package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bigFile writes n random bytes to a fresh file and returns its path and
// content.
func bigFile(t *testing.T, n int) (string, []byte) {
	t.Helper()
	data := make([]byte, n)
	_, _ = rand.Read(data)
	p := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// statJSON is the sha256 coop stat records for an object, once the
// server's queue has written it.
func waitChecksum(t *testing.T, env []string, target string, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	want := "sha256:" + hex.EncodeToString(sum[:])
	waitUntil(t, 15*time.Second, target+"'s recorded checksum", func() bool {
		cmd := exec.Command(bin, "stat", "--json", target)
		cmd.Env = append(os.Environ(), env...)
		out, _ := cmd.Output()
		return bytes.Contains(out, []byte(want))
	})
}

// Finding 2 with OpenSSH's own client: `reput` and `put -a` continue a
// partial upload (they stored a zero-filled prefix), and a plain `put`
// over an existing file is refused with a reason, leaving it as it was.
func TestServeResumedUploadsWithOpenSSH(t *testing.T) {
	root, env, keys := makeServeStore(t)
	srv := startServe(t, env)
	full, data := bigFile(t, 3<<20+12345)
	half := filepath.Join(t.TempDir(), "half.bin")
	writeFile(t, half, string(data[:1<<20]))

	for _, resume := range []string{"reput", "put -a"} {
		name := strings.ReplaceAll(resume, " ", "") + ".bin"
		out, code := srv.sftp(t, keys["alice"], "put "+half+" /alice/private/"+name+"\n"+resume+" "+full+" /alice/private/"+name+"\n")
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", resume, code, out)
		}
		got, err := os.ReadFile(filepath.Join(root, "alice", "private", name))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("after %s the object has %d bytes (equal: %v), want the %d of the file", resume, len(got), bytes.Equal(got, data), len(data))
		}
		waitChecksum(t, env, "alice/private/"+name, data)
	}

	out, code := srv.sftp(t, keys["alice"], "put "+half+" /alice/private/reput.bin\n")
	if code == 0 || !strings.Contains(out, "cannot be told from one cut short") {
		t.Errorf("put over an existing file: exit %d\n%s", code, out)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "alice", "private", "reput.bin")); !bytes.Equal(got, data) {
		t.Errorf("a refused put changed the file (%d bytes)", len(got))
	}
}

// Finding 7 with OpenSSH's sftp in a terminal: Ctrl-C in the middle of a
// put. sftp closes the file as if it were finished and carries on; the
// part that arrived is under the new name (never over an existing file,
// which a put is refused), and reput finishes it.
func TestServeCtrlCMidPut(t *testing.T) {
	root, env, keys := makeServeStore(t)
	srv := startServe(t, env)
	big, data := bigFile(t, 16<<20)
	args := append(append([]string{"sftp", "-l", "4000", "-P", srv.port}, sshOpts(keys["alice"])...), srv.host)
	tm := startTerm(t, nil, args...)
	tm.waitFor(15*time.Second, "sftp>")
	tm.typeText("put " + big + " /alice/private/new.bin")
	tm.send("Enter")
	spool := filepath.Join(root, ".coop", "spool")
	waitUntil(t, 30*time.Second, "2 MB in the spool", func() bool { return spoolBytes(spool) > 2<<20 })
	tm.send("C-c")
	tm.waitFor(15*time.Second, "Interrupt")
	stored := filepath.Join(root, "alice", "private", "new.bin")
	waitUntil(t, 15*time.Second, "the part stored", func() bool { _, err := os.Stat(stored); return err == nil })
	part, err := os.ReadFile(stored)
	if err != nil || len(part) == 0 || len(part) >= len(data) || !bytes.Equal(part, data[:len(part)]) {
		t.Fatalf("after Ctrl-C the object has %d bytes (a prefix: %v)", len(part), err == nil && bytes.Equal(part, data[:min(len(part), len(data))]))
	}
	// put again is refused (it would replace); reput finishes the file.
	tm.typeText("put " + big + " /alice/private/new.bin")
	tm.send("Enter")
	tm.waitFor(15*time.Second, "cannot be told from one cut short")
	tm.typeText("reput " + big + " /alice/private/new.bin")
	tm.send("Enter")
	waitUntil(t, 90*time.Second, "reput to finish", func() bool {
		got, err := os.ReadFile(stored)
		return err == nil && len(got) == len(data)
	})
	if got, _ := os.ReadFile(stored); !bytes.Equal(got, data) {
		t.Error("after reput the object differs from the file")
	}
	waitChecksum(t, env, "alice/private/new.bin", data)
	tm.typeText("bye")
	tm.send("Enter")
	tm.waitExit(t, 10*time.Second)
}

// Finding 10 with OpenSSH's scp: a line break in a file's name no longer
// lets the name's author write files of their choosing on the client.
func TestServeScpLineBreakInName(t *testing.T) {
	root, env, keys := makeServeStore(t)
	srv := startServe(t, env)
	_ = env
	evil := "x\nC0644 6 planted.sh"
	writeFile(t, filepath.Join(root, "alice", "shared", evil), "echo pwned\n")
	dest := t.TempDir()
	out, code := srv.scp(t, keys["eve"], "-O", "-r", srv.host+":/alice/shared", dest)
	if code == 0 || !strings.Contains(out, "skipped") {
		t.Errorf("scp -O -r: exit %d (want 1: a file was skipped)\n%s", code, out)
	}
	var got []string
	_ = filepath.Walk(dest, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dest, p)
			got = append(got, rel)
		}
		return nil
	})
	if strings.Join(got, ",") != filepath.Join("shared", "open.txt") {
		t.Errorf("scp -O -r wrote %q", got)
	}
}

// kill -9 in the middle of an upload: nothing appears in the repository,
// the spool file the server left is removed when it starts again (it was
// kept an hour), and that start says so.
func TestServeKilledMidUpload(t *testing.T) {
	root, env, keys := makeServeStore(t)
	srv := startServe(t, env)
	big, _ := bigFile(t, 64<<20)
	batch := filepath.Join(t.TempDir(), "batch")
	writeFile(t, batch, "put "+big+" /alice/private/big.bin\n")
	cmd := exec.Command("sftp", append(append([]string{"-b", batch, "-P", srv.port, "-l", "20000"}, sshOpts(keys["alice"])...), srv.host)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	spool := filepath.Join(root, ".coop", "spool")
	waitUntil(t, 30*time.Second, "a few MB in the spool", func() bool { return spoolBytes(spool) > 2<<20 })
	srv.kill(t)
	if ents, _ := os.ReadDir(spool); len(ents) != 1 {
		t.Fatalf("spool after kill -9: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(root, "alice", "private", "big.bin")); err == nil {
		t.Error("a killed upload appears in the repository")
	}
	again := startServe(t, env)
	if !strings.Contains(again.log.String(), "removed 1 unfinished uploads") {
		t.Errorf("the restart did not say it cleaned the spool:\n%s", again.log.String())
	}
	if ents, _ := os.ReadDir(spool); len(ents) != 0 {
		t.Errorf("spool after the restart: %v", ents)
	}
}

// kill ends the server with SIGKILL and marks it stopped.
func (s *server) kill(t *testing.T) {
	t.Helper()
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			t.Error("coop serve did not die within 10s of SIGKILL")
		}
	})
}

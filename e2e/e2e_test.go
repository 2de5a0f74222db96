// Package e2e drives the real coop binary in tmux, as a person would, and
// checks what the screen shows.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bin is the coop binary built once for all tests.
var bin string

func TestMain(m *testing.M) {
	if _, err := exec.LookPath("tmux"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: tmux is not installed (make test installs it)")
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "coop-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "coop")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/coop").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: build coop: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// coop runs one command-line invocation and fails the test or benchmark
// if it fails.
func coop(tb testing.TB, env []string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("coop %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// writeFile writes a file, making its folder.
func writeFile(tb testing.TB, path, body string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// makeCatalog creates the accounts and repositories every browse test uses,
// with the command line.
func makeCatalog(t *testing.T, env []string) {
	t.Helper()
	coop(t, env, "init")
	coop(t, env, "account", "create", "alice", "--type", "user", "--name", "Alice Nakamura")
	coop(t, env, "account", "create", "earth-lab", "--type", "organization", "--name", "Earth Lab")
	coop(t, env, "repo", "create", "earth-lab/scenes", "--title", "Scenes of the Range", "--visibility", "public")
	time.Sleep(10 * time.Millisecond) // newest first needs distinct creation times
	coop(t, env, "repo", "create", "earth-lab/archive", "--title", "Cold archive", "--visibility", "private")
}

// The metadata files of the two test repositories: one with an entry for
// 2024/b.csv, one corrupt.
const (
	scenesMetadata = `{
  "repository_id": "scenes", "account_id": "earth-lab", "last_updated": "2024-05-01T10:00:00Z",
  "objects": {
    "2024/b.csv": {"id": "f-001", "type": "file", "size": 22, "mime_type": "text/csv",
      "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-02T11:00:00Z",
      "checksum": "sha256:feedface", "metadata": {"station": "st-42"}}
  }
}`
	corruptMetadata = `{"objects": {not json`
)

// makeLocalStore builds a store with the command line and by writing files
// straight into the storage tree, as the platform's local mode would.
func makeLocalStore(t *testing.T) (root string, env []string) {
	root = t.TempDir()
	env = []string{"COOP_STORAGE=" + root, "XDG_CONFIG_HOME=" + t.TempDir(), "COOP_THEME=dark"}
	makeCatalog(t, env)
	scenes := filepath.Join(root, "earth-lab", "scenes")
	writeFile(t, filepath.Join(scenes, "README.md"), "# Scenes\n")
	writeFile(t, filepath.Join(scenes, "2024", "b.csv"), "station,value\nst-42,7\n")
	writeFile(t, filepath.Join(scenes, "evil\x1b[2Jname.txt"), "boo")
	writeFile(t, filepath.Join(scenes, ".source-metadata.json"), scenesMetadata)
	archive := filepath.Join(root, "earth-lab", "archive")
	writeFile(t, filepath.Join(archive, "old.bin"), "\x00\x01\x02")
	writeFile(t, filepath.Join(archive, ".source-metadata.json"), corruptMetadata)
	return root, env
}

func TestBrowseLocalStore(t *testing.T) {
	root, env := makeLocalStore(t)
	tm := startTerm(t, env, bin, "--storage", root)
	tm.waitFor(10*time.Second, root)
	walkStore(t, tm, `evil\x1b[2Jname.txt`)
	// The corrupt metadata file was left as it was.
	got, err := os.ReadFile(filepath.Join(root, "earth-lab", "archive", ".source-metadata.json"))
	if err != nil || string(got) != corruptMetadata {
		t.Errorf("corrupt metadata file changed: %q %v", got, err)
	}
}

// walkStore browses the store makeLocalStore or makeAWSStore made:
// accounts → repositories → a folder → a file, then a repository whose
// metadata is corrupt, then quits.
// evilName is how the file named "evil\x1b[2Jname.txt" must appear.
func walkStore(t *testing.T, tm *term, evilName string) {
	t.Helper()
	s := tm.waitFor(10*time.Second, "Alice Nakamura", "Earth Lab", "organization")
	if strings.Index(s, "Earth Lab") > strings.Index(s, "Alice Nakamura") {
		t.Errorf("organizations are not listed before users:\n%s", s)
	}
	tm.send("Enter")
	s = tm.waitFor(5*time.Second, "Scenes of the Range", "Cold archive", "public", "private")
	if strings.Index(s, "Cold archive") > strings.Index(s, "Scenes of the Range") {
		t.Errorf("repositories are not newest first:\n%s", s)
	}

	// Into the public repository: the top level only, names sanitized.
	tm.send("j", "Enter")
	s = tm.waitFor(5*time.Second, "2024/", "README.md", evilName, "earth-lab", "scenes")
	if strings.Contains(s, "b.csv") {
		t.Errorf("folder contents shown before the folder was opened:\n%s", s)
	}

	// Expand 2024/ in place and select the file: the preview shows its entry.
	tm.send("Enter")
	tm.waitFor(5*time.Second, "b.csv")
	tm.send("j")
	s = tm.waitFor(5*time.Second, "text/csv", "st-42", "sha256:feedface", "f-001")
	if !strings.Contains(s, "README.md") {
		t.Errorf("expanding a folder lost its siblings:\n%s", s)
	}

	// Collapse again from the child: the file disappears.
	tm.send("Left")
	tm.send("Left")
	tm.waitGone(5*time.Second, "b.csv")

	// Back to the repositories, into the one whose metadata is corrupt:
	// the file still lists and the preview says why there is no entry.
	tm.send("Escape")
	tm.waitFor(5*time.Second, "Cold archive")
	tm.send("k", "Enter")
	tm.waitFor(5*time.Second, "old.bin")
	tm.waitFor(5*time.Second, "unreadable")

	tm.send("q")
	tm.waitExit(t, 5*time.Second)
}

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Account and repository folders made by hand in the storage tree, after
// coop init, are taken as they are by the real binary: a stat in one
// adopts its repository, a listing shows the folders it lists, and
// creating what a folder already holds fails with a one-line error.
func TestHandMadeFoldersAdoptedOnUse(t *testing.T) {
	root := t.TempDir()
	env := []string{"COOP_BACKEND=local", "COOP_STORAGE=" + root, "XDG_CONFIG_HOME=" + t.TempDir()}
	coop(t, env, "init")
	writeFile(t, filepath.Join(root, "zed", "rocks", "f.txt"), "hi\n")
	if err := os.MkdirAll(filepath.Join(root, "yan", "maps"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, _ := wantRun(t, env, 0, "stat", "zed/rocks/f.txt"); !strings.Contains(out, "3 bytes") {
		t.Errorf("stat in a hand-made repository:\n%s", out)
	}
	if out, _ := wantRun(t, env, 0, "ls"); !strings.Contains(out, "yan") || !strings.Contains(out, "zed") {
		t.Errorf("accounts do not list the hand-made folders:\n%s", out)
	}
	if out, _ := wantRun(t, env, 0, "ls", "yan"); !strings.Contains(out, "yan/maps") || !strings.Contains(out, "private") {
		t.Errorf("yan's repositories do not list the hand-made folder as private:\n%s", out)
	}
	if err := os.MkdirAll(filepath.Join(root, "yan", "tiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errs := wantRun(t, env, 1, "repo", "create", "yan/tiles"); !strings.Contains(errs, "already exists") {
		t.Errorf("repo create over a hand-made folder: %q", errs)
	}
	if err := os.MkdirAll(filepath.Join(root, "xia"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errs := wantRun(t, env, 1, "account", "create", "xia", "--type", "user"); !strings.Contains(errs, "already exists") {
		t.Errorf("account create over a hand-made folder: %q", errs)
	}
}

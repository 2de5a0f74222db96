package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// At a terminal, rm -r asks with the number of objects and bytes, as the
// browser does; answering no deletes nothing and exits 0.
func TestRmAsksAtATerminal(t *testing.T) {
	root := t.TempDir()
	env := []string{"COOP_STORAGE=" + root}
	coop(t, env, "init")
	coop(t, env, "account", "create", "acme", "--type", "organization")
	coop(t, env, "repo", "create", "acme/data")
	writeFile(t, filepath.Join(root, "acme", "data", "dir", "a.txt"), "aaaa")
	writeFile(t, filepath.Join(root, "acme", "data", "dir", "sub", "b.txt"), "bbbbbb")

	script := `"$0" rm -r acme/data/dir; echo "exit=$?"`
	tm := startTerm(t, env, "sh", "-c", script, bin)
	tm.waitFor(10*time.Second, "delete acme/data/dir: 2 objects (10 B)? [y/N]")
	tm.send("n", "Enter")
	tm.waitFor(10*time.Second, "nothing deleted", "exit=0")
	if _, err := os.Stat(filepath.Join(root, "acme", "data", "dir", "a.txt")); err != nil {
		t.Fatalf("declining deleted the file: %v", err)
	}

	tm2 := startTerm(t, env, "sh", "-c", script, bin)
	tm2.waitFor(10*time.Second, "2 objects (10 B)? [y/N]")
	tm2.send("y", "Enter")
	tm2.waitFor(20*time.Second, "delete acme/data/dir: 2 files", "exit=0")
	if _, err := os.Stat(filepath.Join(root, "acme", "data", "dir", "a.txt")); !os.IsNotExist(err) {
		t.Fatalf("a confirmed rm -r left the file: %v", err)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runRm runs a command with answer on stdin, which is a terminal when
// terminal is true.
func runRm(t *testing.T, root string, terminal bool, answer string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"COOP_STORAGE": root, "HOME": t.TempDir()}
	code := run(context.Background(), args, &app{stdin: strings.NewReader(answer), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, isTerminal: func() bool { return false },
		isStdinTerminal: func() bool { return terminal }})
	return code, out.String(), errb.String()
}

// rmStore is a store with acme/data holding dir/a.txt, dir/sub/b.txt and top.txt.
func rmStore(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "acme", "--type", "organization")
	mustRun(t, root, "repo", "create", "acme/data")
	for p, body := range map[string]string{"dir/a.txt": "aaaa", "dir/sub/b.txt": "bbbbbb", "top.txt": "t"} {
		full := filepath.Join(root, "acme", "data", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func exists(root, p string) bool {
	_, err := os.Stat(filepath.Join(root, "acme", "data", filepath.FromSlash(p)))
	return err == nil
}

// A repository's root is deleted only with -r and --all.
func TestRmOfARepositoryRootNeedsAll(t *testing.T) {
	root := rmStore(t)
	for _, args := range [][]string{
		{"rm", "-r", "acme/data"}, {"rm", "-r", "--yes", "acme/data"}, {"rm", "--all", "--yes", "acme/data"}, {"rm", "acme/data/"},
	} {
		code, _, errs := runRm(t, root, false, "", args...)
		if code != 2 || !strings.Contains(errs, "every object of the repository") || !strings.Contains(errs, "--all") {
			t.Errorf("coop %v: exit %d, %q", args, code, errs)
		}
	}
	if !exists(root, "top.txt") || !exists(root, "dir/a.txt") {
		t.Fatal("a refused rm deleted something")
	}
	if code, out, errs := runRm(t, root, false, "", "rm", "-r", "--all", "--yes", "acme/data"); code != 0 || !strings.Contains(out, "3 files") {
		t.Errorf("rm -r --all --yes: exit %d, %q, %q", code, out, errs)
	}
	if exists(root, "top.txt") || exists(root, "dir/a.txt") {
		t.Error("rm -r --all --yes left objects")
	}
}

// With stdin not a terminal, a recursive delete needs --yes; a file alone
// does not.
func TestRmRecursiveWithoutTerminalNeedsYes(t *testing.T) {
	root := rmStore(t)
	code, _, errs := runRm(t, root, false, "y\n", "rm", "-r", "acme/data/dir", "acme/data/top.txt")
	if code != 2 || !strings.Contains(errs, "--yes") || !strings.Contains(errs, "nothing deleted") {
		t.Errorf("rm -r without a terminal: exit %d, %q", code, errs)
	}
	if !exists(root, "dir/a.txt") || !exists(root, "top.txt") {
		t.Fatal("rm -r without a terminal and without --yes deleted something")
	}
	if code, _, errs := runRm(t, root, false, "", "rm", "acme/data/top.txt"); code != 0 || exists(root, "top.txt") {
		t.Errorf("rm of a file: exit %d, %q", code, errs)
	}
	if code, _, errs := runRm(t, root, false, "", "rm", "-r", "--yes", "acme/data/dir"); code != 0 || exists(root, "dir/a.txt") {
		t.Errorf("rm -r --yes: exit %d, %q", code, errs)
	}
}

// On a terminal the question says how many objects and bytes; no deletes
// nothing and exits 0, yes deletes.
func TestRmAsksWithCountAndSize(t *testing.T) {
	root := rmStore(t)
	code, out, errs := runRm(t, root, true, "n\n", "rm", "-r", "acme/data/dir", "acme/data/top.txt")
	if code != 0 || strings.TrimSpace(out) != "nothing deleted" {
		t.Errorf("declined: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if !strings.Contains(errs, "delete acme/data/dir: 2 objects (10 B)? [y/N]") {
		t.Errorf("question: %q", errs)
	}
	if !exists(root, "dir/a.txt") || !exists(root, "top.txt") {
		t.Fatal("a declined rm deleted something")
	}
	code, out, errs = runRm(t, root, true, "y\n", "rm", "-r", "acme/data/dir")
	if code != 0 || !strings.Contains(out, "delete acme/data/dir: 2 files") || exists(root, "dir/a.txt") || exists(root, "dir/sub/b.txt") {
		t.Errorf("confirmed: exit %d, %q, %q", code, out, errs)
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stat checks the object against its entry: gone, resized or rewritten
// behind the metadata's back is reported, exit 1, with repair suggested.
func TestStatChecksTheObject(t *testing.T) {
	root := rmStore(t)
	src := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(src, []byte("twelve bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gone.txt", "resized.txt", "rewritten.txt", "fine.txt"} {
		mustRun(t, root, "upload", src, "acme/data/up/"+name)
	}
	if out := mustRun(t, root, "stat", "acme/data/up/fine.txt"); strings.Contains(out, "problem") || strings.Contains(out, "0001") {
		t.Errorf("stat of a file that matches its entry:\n%s", out)
	}
	obj := func(name string) string { return filepath.Join(root, "acme", "data", "up", name) }
	if err := os.Remove(obj("gone.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj("resized.txt"), []byte("a longer content"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj("rewritten.txt"), []byte("TWELVE BYTES"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(obj("rewritten.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, out, err string }{
		{"gone.txt", "missing\n", "recorded in .source-metadata.json but missing from the store; run coop repo repair acme/data\n"},
		{"resized.txt", "stored size", "size differs: 16 bytes stored, 12 bytes recorded; run coop repo repair acme/data\n"},
	} {
		code, out, errs := runCLI(t, root, "stat", "acme/data/up/"+tc.name)
		if code != 1 || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) || strings.Count(errs, "\n") != 1 {
			t.Errorf("stat %s: exit %d\nstdout:\n%s\nstderr: %q", tc.name, code, out, errs)
		}
		code, out, _ = runCLI(t, root, "stat", "--json", "acme/data/up/"+tc.name)
		var res statResult
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || len(res.Problems) != 1 || res.Entry == nil {
			t.Errorf("stat --json %s: exit %d, %+v, %v", tc.name, code, res, err)
		}
	}
	// Written long after its entry, same size: noted, not a failure (a copy
	// gets a new time too), since the local store keeps no checksum to tell.
	code, out, errs := runCLI(t, root, "stat", "acme/data/up/rewritten.txt")
	if code != 0 || !strings.Contains(out, "after its entry was recorded") || !strings.Contains(out, "stored modified") || errs != "" {
		t.Errorf("stat rewritten.txt: exit %d\n%s%s", code, out, errs)
	}
	var res statResult
	_, out, _ = runCLI(t, root, "stat", "--json", "acme/data/up/resized.txt")
	if json.Unmarshal([]byte(out), &res) != nil || res.Object == nil || res.Object.Size != 16 || res.Entry.Size != 12 {
		t.Errorf("stat --json does not give the real size beside the recorded one: %s", out)
	}
	// A file that has no entry is no problem of stat's: it shows the store's
	// view. (The first upload recorded the files already there: this one
	// came after, behind the metadata's back.)
	if err := os.WriteFile(filepath.Join(root, "acme", "data", "stray.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, root, "stat", "acme/data/stray.txt"); code != 0 || !strings.Contains(out, "no entry") {
		t.Errorf("stat of a file without an entry: exit %d, %s %s", code, out, errs)
	}
	// After a repair, stat is clean again.
	mustRun(t, root, "repo", "repair", "acme/data")
	if code, _, errs := runCLI(t, root, "stat", "acme/data/up/resized.txt"); code != 0 {
		t.Errorf("stat after repair: exit %d, %s", code, errs)
	}
}

// A folder's unknown times print as nothing, never as year 1.
func TestStatOfAFolderPrintsNoYearOne(t *testing.T) {
	root := rmStore(t)
	out := mustRun(t, root, "stat", "acme/data/dir")
	if strings.Contains(out, "0001") {
		t.Errorf("stat of a folder:\n%s", out)
	}
}

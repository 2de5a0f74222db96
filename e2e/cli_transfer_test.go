package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/internal/testservers"
)

// execCoop runs the coop binary and returns its exit code, stdout and stderr.
func execCoop(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	}
	t.Fatalf("coop %v: %v", args, err)
	return 0, "", ""
}

// transferStores runs fn on a fresh local store and a fresh AWS store
// (DynamoDB Local and versitygw), each holding the public repository
// acme/data, with the environment that points coop at it.
func transferStores(t *testing.T, fn func(t *testing.T, env []string)) {
	t.Run("local", func(t *testing.T) {
		env := []string{"COOP_STORAGE=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
		makeAcme(t, env)
		fn(t, env)
	})
	t.Run("aws", func(t *testing.T) {
		dynamo := testservers.StartDynamo(t)
		s3srv := testservers.StartS3(t)
		bucket := testservers.UniqueName("cli")
		if err := s3srv.CreateBucket(t.Context(), bucket); err != nil {
			t.Fatal(err)
		}
		env := append(testservers.CoopEnv(dynamo, s3srv, bucket), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_CACHE_HOME="+t.TempDir())
		makeAcme(t, env)
		fn(t, env)
	})
}

func makeAcme(t *testing.T, env []string) {
	t.Helper()
	coop(t, env, "init")
	coop(t, env, "account", "create", "acme", "--type", "organization")
	coop(t, env, "repo", "create", "acme/data", "--visibility", "public")
}

// wantRun runs coop and fails unless it exits with code; it returns
// stdout and stderr, and checks that stderr is made of one-line messages.
func wantRun(t *testing.T, env []string, code int, args ...string) (string, string) {
	t.Helper()
	got, out, errs := execCoop(t, env, args...)
	if got != code {
		t.Fatalf("coop %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, got, code, out, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
		if line != "" && !strings.HasPrefix(line, "coop: ") {
			t.Errorf("coop %v: stderr line %q is not a one-line coop message", args, line)
		}
	}
	if strings.Contains(errs, "goroutine ") || strings.Contains(errs, "panic") {
		t.Errorf("coop %v: a Go panic on stderr:\n%s", args, errs)
	}
	return out, errs
}

func sha256Of(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// statChecksum reads an object's metadata entry with coop stat --json.
func statChecksum(t *testing.T, env []string, path string) string {
	t.Helper()
	out, _ := wantRun(t, env, 0, "stat", path, "--json")
	var v struct {
		Entry *struct {
			Checksum string `json:"checksum"`
		} `json:"entry"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Entry == nil {
		t.Fatalf("coop stat %s --json: %v\n%s", path, err, out)
	}
	return v.Entry.Checksum
}

// The command line uploads, downloads and deletes, reports each failure
// in one line, sums up on stdout and exits 1 if anything failed, 2 on a
// usage error.
func TestCLITransfers(t *testing.T) {
	transferStores(t, func(t *testing.T, env []string) {
		src := t.TempDir()
		writeFile(t, filepath.Join(src, "tree", "a.txt"), "a\n")
		writeFile(t, filepath.Join(src, "tree", "sub", "b.txt"), "bb\n")
		writeFile(t, filepath.Join(src, "one.csv"), "x,y\n")
		tree, one := filepath.Join(src, "tree"), filepath.Join(src, "one.csv")

		out, _ := wantRun(t, env, 0, "upload", tree, one, "acme/data/in")
		for _, want := range []string{"upload " + tree + " → acme/data/in/tree: 2 files", "one.csv → acme/data/in/one.csv: 1 file", "done: 3 files"} {
			if !strings.Contains(out, want) {
				t.Errorf("upload stdout lacks %q:\n%s", want, out)
			}
		}
		// One file to a name that is not a folder: stored under that name.
		wantRun(t, env, 0, "upload", one, "acme/data/renamed.csv")
		if got := statChecksum(t, env, "acme/data/renamed.csv"); got != sha256Of([]byte("x,y\n")) {
			t.Errorf("renamed.csv checksum %s", got)
		}

		// The same files again: already there, nothing to do.
		out, _ = wantRun(t, env, 0, "upload", tree, "acme/data/in")
		if !strings.Contains(out, "2 skipped") || !strings.Contains(out, "done: 0 files in ") {
			t.Errorf("upload of identical files (skipped files are not transferred bytes): %s", out)
		}
		// A changed file is not replaced unless asked.
		writeFile(t, filepath.Join(tree, "a.txt"), "new a\n")
		_, errs := wantRun(t, env, 1, "upload", tree, "acme/data/in")
		for _, want := range []string{
			"coop: acme/data/in/tree/a.txt: already exists; not replaced (use --overwrite or --skip-existing)",
			"coop: 1 of 2 files failed",
		} {
			if !strings.Contains(errs, want) {
				t.Errorf("upload of a changed file stderr lacks %q:\n%s", want, errs)
			}
		}
		out, _ = wantRun(t, env, 0, "upload", "--skip-existing", tree, "acme/data/in")
		if !strings.Contains(out, "2 skipped") {
			t.Errorf("--skip-existing: %s", out)
		}
		if got := statChecksum(t, env, "acme/data/in/tree/a.txt"); got != sha256Of([]byte("a\n")) {
			t.Errorf("a.txt replaced without --overwrite: %s", got)
		}
		wantRun(t, env, 0, "upload", "--overwrite", "--workers", "2", tree, "acme/data/in")
		if got := statChecksum(t, env, "acme/data/in/tree/a.txt"); got != sha256Of([]byte("new a\n")) {
			t.Errorf("after --overwrite the entry's checksum is %s", got)
		}

		dst := filepath.Join(t.TempDir(), "copy")
		wantRun(t, env, 0, "download", "acme/data/in/tree/", dst) // the folder's contents into dst
		for rel, want := range map[string]string{"a.txt": "new a\n", "sub/b.txt": "bb\n"} {
			if b, err := os.ReadFile(filepath.Join(dst, rel)); err != nil || string(b) != want {
				t.Errorf("downloaded %s: %q, %v", rel, b, err)
			}
		}
		into := t.TempDir()
		wantRun(t, env, 0, "download", "acme/data/in/one.csv", into)
		if b, _ := os.ReadFile(filepath.Join(into, "one.csv")); string(b) != "x,y\n" {
			t.Errorf("download into a folder: %q", b)
		}
		_, errs = wantRun(t, env, 1, "download", "acme/data/in/one.csv", into)
		if !strings.Contains(errs, "one.csv: already exists; not replaced") {
			t.Errorf("download over a local file: %s", errs)
		}

		_, errs = wantRun(t, env, 1, "rm", "acme/data/in/tree")
		if !strings.Contains(errs, "coop: acme/data/in/tree: is a folder; use rm -r") {
			t.Errorf("rm of a folder without -r: %s", errs)
		}
		_, errs = wantRun(t, env, 2, "rm", "-r", "acme/data/in/tree", "acme/data/renamed.csv")
		if !strings.Contains(errs, "add --yes") {
			t.Errorf("rm -r with stdin not a terminal, without --yes: %s", errs)
		}
		_, errs = wantRun(t, env, 2, "rm", "-r", "--yes", "acme/data")
		if !strings.Contains(errs, "rm -r --all acme/data") {
			t.Errorf("rm -r of a repository's root without --all: %s", errs)
		}
		out, _ = wantRun(t, env, 0, "rm", "-r", "--yes", "acme/data/in/tree", "acme/data/renamed.csv")
		if !strings.Contains(out, "delete acme/data/in/tree: 2 files") || !strings.Contains(out, "delete acme/data/renamed.csv: 1 file") {
			t.Errorf("rm -r stdout:\n%s", out)
		}
		ls, _ := wantRun(t, env, 0, "ls", "acme/data/in")
		if strings.Contains(ls, "tree") || !strings.Contains(ls, "one.csv") {
			t.Errorf("after rm -r, ls shows:\n%s", ls)
		}
		_, errs = wantRun(t, env, 1, "rm", "acme/data/in/nothing")
		if !strings.Contains(errs, "not found") {
			t.Errorf("rm of nothing: %s", errs)
		}

		// Bad input: a missing source, a name the store refuses (shown
		// escaped), a missing repository, a repository not writable.
		writeFile(t, filepath.Join(src, "odd", "ctl\x01name"), "x")
		writeFile(t, filepath.Join(src, "odd", "fine.txt"), "fine")
		_, errs = wantRun(t, env, 1, "upload", filepath.Join(src, "missing"), filepath.Join(src, "odd"), "acme/data")
		for _, want := range []string{"missing: no such file or folder", `ctl\x01name: cannot be stored under that name`} {
			if !strings.Contains(errs, want) {
				t.Errorf("bad input stderr lacks %q:\n%s", want, errs)
			}
		}
		if strings.ContainsRune(errs, 1) {
			t.Error("a control character reached the terminal")
		}
		if got := statChecksum(t, env, "acme/data/odd/fine.txt"); got != sha256Of([]byte("fine")) {
			t.Errorf("the good file beside the bad ones: %s", got)
		}
		_, errs = wantRun(t, env, 1, "upload", one, "acme/nope")
		if strings.TrimSpace(errs) != "coop: repository acme/nope: not found" {
			t.Errorf("upload to a missing repository: %q", errs)
		}
		_, errs = wantRun(t, env, 1, "--as", "anonymous", "upload", one, "acme/data/anon.csv")
		if !strings.Contains(errs, "not allowed") {
			t.Errorf("anonymous upload: %q", errs)
		}
		for _, args := range [][]string{
			{"upload", "--workers", "0", one, "acme/data"},
			{"upload", "--overwrite", "--skip-existing", one, "acme/data"},
			{"upload", one},
			{"download", "acme/data/in/one.csv"},
			{"rm"},
		} {
			wantRun(t, env, 2, args...)
		}
	})
}

// Two coop processes upload 300 files each into one folder at once: all
// 600 end up in the metadata, each with its checksum.
func TestCLITwoProcessesUpload(t *testing.T) {
	transferStores(t, func(t *testing.T, env []string) {
		want := map[string]string{}
		var dirs []string
		for p := 1; p <= 2; p++ {
			dir := filepath.Join(t.TempDir(), fmt.Sprintf("p%d", p))
			for i := range 300 {
				name := fmt.Sprintf("p%d-%03d.txt", p, i)
				body := strings.Repeat(name, i%7+1)
				writeFile(t, filepath.Join(dir, name), body)
				want["shared/"+name] = sha256Of([]byte(body))
			}
			dirs = append(dirs, dir+string(filepath.Separator))
		}
		var wg sync.WaitGroup
		for _, dir := range dirs {
			wg.Go(func() { wantRun(t, env, 0, "upload", dir, "acme/data/shared") })
		}
		wg.Wait()
		dst := t.TempDir()
		wantRun(t, env, 0, "download", "acme/data/shared", dst) // checked against the metadata's checksums
		ents, _ := os.ReadDir(filepath.Join(dst, "shared"))
		if len(ents) != 600 {
			t.Fatalf("%d files downloaded, want 600", len(ents))
		}
		for _, path := range []string{"shared/p1-000.txt", "shared/p2-299.txt"} {
			if got := statChecksum(t, env, "acme/data/"+path); got != want[path] {
				t.Errorf("%s: checksum %s, want %s", path, got, want[path])
			}
		}
	})
}

// Ctrl-C stops an upload: exit 1 with one line saying so, the summary, and
// a store whose metadata holds exactly the files that were stored.
func TestCLIInterruptedUpload(t *testing.T) {
	root := t.TempDir()
	env := []string{"COOP_STORAGE=" + root, "XDG_CONFIG_HOME=" + t.TempDir()}
	makeAcme(t, env)
	src := t.TempDir()
	for i := range 3000 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("f%04d", i)), strings.Repeat("x", i))
	}
	cmd := exec.Command(bin, "upload", "--workers", "1", src+"/", "acme/data/up")
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "acme", "data", "up")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ents, _ := os.ReadDir(dir); len(ents) > 50 || time.Now().After(deadline) {
			break
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("interrupted upload: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "coop: interrupted; files already transferred are kept and recorded") ||
		!strings.Contains(out.String(), "cancelled") || !strings.Contains(out.String(), "done: ") {
		t.Errorf("interrupted upload output:\nstdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) == 0 || len(ents) >= 3000 {
		t.Fatalf("%d files stored; the interrupt did not land mid-upload", len(ents))
	}
	md := checkMetadataFile(t, filepath.Join(root, "acme", "data", ".source-metadata.json"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".coop-tmp-") {
			t.Errorf("temporary file %s left", e.Name())
		}
		if _, ok := md["up/"+e.Name()]; !ok {
			t.Errorf("up/%s stored but not recorded", e.Name())
		}
	}
	if len(md) != len(ents)+1 { // and the folder's own entry
		t.Errorf("%d entries for %d files", len(md), len(ents))
	}
}

// checkMetadataFile parses a local metadata file and returns its entries.
func checkMetadataFile(t *testing.T, path string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Objects map[string]json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("metadata does not parse: %v", err)
	}
	return doc.Objects
}

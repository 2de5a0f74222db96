package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend/migrate"
)

// TestMigrateCommand copies a store made with the command line to another
// folder named by COOP_TO_STORAGE, prints a line per repository and the
// summary, and the second time skips everything (--json).
func TestMigrateCommand(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	mustRun(t, src, "init")
	mustRun(t, src, "account", "create", "geo", "--type", "organization", "--name", "Geo")
	mustRun(t, src, "repo", "create", "geo/maps", "--visibility", "public")
	file := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(file, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, src, "upload", file, "geo/maps/dir/")
	// A top-level field another tool keeps beside the entries.
	doc := filepath.Join(src, "geo", "maps", ".source-metadata.json")
	raw, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.Replace(raw, []byte(`{"repository_id"`), []byte(`{"x_tool": {"n": 12345678901234567890123, "tags": ["a", null]},"repository_id"`), 1)
	if err := os.WriteFile(doc, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"COOP_STORAGE": src, "COOP_TO_STORAGE": dst, "HOME": t.TempDir()}

	code, out, errs := runCLIEnv(t, env, "migrate", "--verify")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"geo/maps: 1 objects copied (5 B)", "1 verified, 0 mismatches", "1 top-level fields copied, 0 skipped, 0 conflicts", "1 accounts copied, 0 skipped; 1 repositories; 1 objects copied"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if got, err := os.ReadFile(filepath.Join(dst, "geo", "maps", "dir", "a.txt")); err != nil || string(got) != "hello" {
		t.Errorf("the object at the destination: %q, %v", got, err)
	}
	if got, err := os.ReadFile(filepath.Join(dst, "geo", "maps", ".source-metadata.json")); err != nil || !bytes.Contains(got, []byte(`"x_tool":{"n":12345678901234567890123,"tags":["a",null]}`)) {
		t.Errorf("the destination's metadata file lacks the top-level field: %s, %v", got, err)
	}
	audit, err := os.ReadFile(filepath.Join(dst, ".coop", "audit.log"))
	if err != nil || !strings.Contains(string(audit), `"action":"upload"`) || !strings.Contains(string(audit), "migrate from "+src) {
		t.Errorf("the destination's audit log: %s, %v", audit, err)
	}

	code, out, errs = runCLIEnv(t, env, "migrate", "--json")
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errs)
	}
	var rep migrate.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json: %v: %s", err, out)
	}
	if rep.Accounts.Skipped != 1 || rep.Objects.Skipped != 1 || rep.Objects.Copied != 0 || len(rep.Repositories) != 1 || rep.HeadFields.Skipped != 1 {
		t.Errorf("second run: %+v", rep)
	}
}

// TestMigrateUsage refuses bad command lines with exit 2 and one line.
func TestMigrateUsage(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "--to-backend", "s3"}, "--to-backend must be local or aws"},
		{[]string{"migrate", "--overwrite", "--skip-existing"}, "exclude each other"},
		{[]string{"migrate", "--as", "alice"}, "--as is refused"},
		{[]string{"migrate", "a/b/c"}, "ACCOUNT or ACCOUNT/REPO"},
		{[]string{"migrate", "--workers", "0"}, "--workers"},
	} {
		code, _, errs := runCLI(t, root, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	// The same store on both sides is refused before anything is written.
	code, _, errs := runCLIEnv(t, map[string]string{"COOP_STORAGE": root, "COOP_TO_STORAGE": root, "HOME": t.TempDir()}, "migrate")
	if code != 2 || !strings.Contains(errs, "the same store") {
		t.Errorf("same store: exit %d, %q", code, errs)
	}
}

// TestMigrateProgress writes progress lines on a stream that is not a
// terminal, and a line rewritten in place on one.
func TestMigrateProgress(t *testing.T) {
	var buf bytes.Buffer
	p := newMigrateProgress(&buf)
	p.every = 0
	p.show(migrate.Progress{Repository: "geo/\x1b[2Jmaps", Phase: "objects", Objects: 3, Bytes: 2048})
	p.show(migrate.Progress{Repository: "geo/maps", Phase: "metadata", Objects: 4, Bytes: 4096})
	p.clear()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "migrating geo/") || !strings.Contains(lines[1], "metadata, 4 objects, 4.0 KiB") ||
		strings.Contains(buf.String(), "\x1b[2J") {
		t.Errorf("progress lines: %q", buf.String())
	}
	buf.Reset()
	p.terminal = true
	p.show(migrate.Progress{Repository: "geo/maps", Phase: "objects", Objects: 1})
	p.clear()
	if got := buf.String(); !strings.HasPrefix(got, "\r\x1b[2Kmigrating geo/maps") || !strings.HasSuffix(got, "\r\x1b[2K") {
		t.Errorf("progress on a terminal: %q", got)
	}
}

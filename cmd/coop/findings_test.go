package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Finding 13: `--json` output carried raw C1 controls (U+009B). Every
// control a terminal would act on is escaped; the JSON still reads back
// as the names and fields as they are.
func TestJSONEscapesEveryControl(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "acme", "--type", "organization", "--name", "Acme\u009b31m Corp")
	mustRun(t, root, "repo", "create", "acme/data")
	name := "csi\u009b2J\u0085\x7fname.txt"
	if err := os.WriteFile(filepath.Join(root, "acme", "data", name), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"ls", "--json"}, {"ls", "--json", "acme/data"}, {"stat", "--json", "acme/data/" + name}} {
		out := mustRun(t, root, args...)
		for _, raw := range []string{"\u009b", "\u0085", "\x7f"} {
			if strings.Contains(out, raw) {
				t.Errorf("coop %v prints %q raw:\n%q", args, raw, out)
			}
		}
		dec := json.NewDecoder(strings.NewReader(out))
		for dec.More() {
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("coop %v: not JSON: %v\n%s", args, err, out)
			}
		}
	}
	if out := mustRun(t, root, "ls", "--json", "acme/data"); !strings.Contains(out, `csi\u009b2J\u0085\u007fname.txt`) {
		t.Errorf("the name is not escaped as expected:\n%s", out)
	}
}

// Finding 13: `coop rm` with an unreadable metadata file deleted the file
// yet said "stored, but … not updated". It says what happened: deleted,
// with the entry left behind, and exits 1 (the metadata needs a repair).
func TestRmWithUnreadableMetadataSaysDeleted(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "acme", "--type", "organization")
	mustRun(t, root, "repo", "create", "acme/data")
	src := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(src, []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, root, "upload", src, "acme/data")
	if err := os.WriteFile(filepath.Join(root, "acme", "data", ".source-metadata.json"), []byte("{bad"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, root, "rm", "acme/data/f.txt")
	if code != 1 || !strings.Contains(errs, "deleted, but .source-metadata.json still has its entry") || strings.Contains(errs, "stored") {
		t.Errorf("rm with unreadable metadata: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(root, "acme", "data", "f.txt")); !os.IsNotExist(err) {
		t.Errorf("the file is still there: %v", err)
	}
}

// Every bound of coop serve has a flag; a malformed one is a usage error
// naming it, before anything starts.
func TestServeBoundFlags(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-spool", "lots"}, "--max-spool"},
		{[]string{"--max-read-buffers", "-1"}, "--max-read-buffers"},
		{[]string{"--max-handles", "0"}, "--max-handles"},
		{[]string{"--max-channels", "-3"}, "--max-channels"},
		{[]string{"--max-per-address", "0"}, "--max-per-address"},
		{[]string{"--login-timeout", "0s"}, "--login-timeout"},
		{[]string{"--max-anonymous", "-1"}, "--max-anonymous"},
		{[]string{"--sftp-replace", "always"}, "--sftp-replace"},
	} {
		code, _, errs := runCLI(t, root, append([]string{"serve", "--listen", "127.0.0.1:0"}, tc.args...)...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("serve %v: exit %d, %q", tc.args, code, errs)
		}
	}
}

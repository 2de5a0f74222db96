package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// countingWriter counts the writes made to it (each a system call on a
// real stdout).
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// A listing is written in a few large writes, not a few per row: 1,000
// rows, as a table and as JSON, whole and in order.
func TestListingIsWrittenInFewWrites(t *testing.T) {
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "acme", "--type", "organization")
	mustRun(t, root, "repo", "create", "acme/data")
	dir := filepath.Join(root, "acme", "data", "many")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.csv", i)), []byte("a,b\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"COOP_STORAGE": root, "HOME": t.TempDir()}
	for _, args := range [][]string{{"ls", "acme/data/many"}, {"ls", "-l", "acme/data/many"}, {"ls", "acme/data/many", "--json"}} {
		var out countingWriter
		var errb bytes.Buffer
		code := run(context.Background(), args, &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string { return env[k] }, isTerminal: func() bool { return false }})
		if code != 0 {
			t.Fatalf("coop %v: exit %d, stderr %q", args, code, errb.String())
		}
		// Each write holds up to 64 KiB.
		if max := out.Len()/(64<<10) + 2; out.writes > max {
			t.Errorf("coop %v: %d rows (%d bytes) in %d writes, want at most %d", args, n, out.Len(), out.writes, max)
		}
		var names []string
		if args[len(args)-1] == "--json" {
			var entries []struct{ Name string }
			if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
				t.Fatalf("coop %v: %v", args, err)
			}
			for _, e := range entries {
				names = append(names, e.Name)
			}
		} else {
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				f := strings.Fields(line)
				names = append(names, f[len(f)-1])
			}
		}
		if len(names) != n || names[0] != "f0000.csv" || names[n-1] != fmt.Sprintf("f%04d.csv", n-1) {
			t.Errorf("coop %v listed %d names, from %q to %q; want %d", args, len(names), names[0], names[len(names)-1], n)
		}
	}
}

// coop stat's lines go out in one write.
func TestStatIsWrittenInOneWrite(t *testing.T) {
	root := rmStore(t)
	src := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(src, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, root, "upload", src, "acme/data/f.csv")
	env := map[string]string{"COOP_STORAGE": root, "HOME": t.TempDir()}
	var out countingWriter
	var errb bytes.Buffer
	code := run(context.Background(), []string{"stat", "acme/data/f.csv"}, &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return env[k] }, isTerminal: func() bool { return false }})
	if code != 0 {
		t.Fatalf("coop stat: exit %d, stderr %q", code, errb.String())
	}
	if lines := strings.Count(out.String(), "\n"); out.writes != 1 || lines < 8 || !strings.Contains(out.String(), "checksum  ") {
		t.Errorf("coop stat: %d lines in %d writes, want them in 1:\n%s", lines, out.writes, out.String())
	}
}

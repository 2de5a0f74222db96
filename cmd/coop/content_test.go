package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend/content/contenttest"
)

// contentRoot is a local store with a repository holding a GeoParquet
// file, a text with escapes, a lying Parquet file and a Zarr store.
func contentRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	mustRun(t, root, "init")
	mustRun(t, root, "account", "create", "earth-lab", "--type", "organization")
	mustRun(t, root, "repo", "create", "earth-lab/scenes", "--visibility", "public")
	files := contenttest.ZarrV2(true).Under("sst.zarr")
	files["places.parquet"] = contenttest.GeoParquet(500, 100, true)
	files["notes.txt"] = []byte("line one\n\x1b]0;pwned\x07red \x1b[31mtext\xff\n")
	files["lying.parquet"] = append([]byte("PAR1 not really"), 0xff, 0xff, 0xff, 0xff, 'P', 'A', 'R', '1')
	for p, b := range files {
		full := filepath.Join(root, "earth-lab", "scenes", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestCat(t *testing.T) {
	root := contentRoot(t)
	body := "line one\n\x1b]0;pwned\x07red \x1b[31mtext\xff\n"
	if out := mustRun(t, root, "cat", "earth-lab/scenes/notes.txt"); out != body {
		t.Errorf("cat = %q; want the exact bytes", out)
	}
	for rng, want := range map[string]string{"0-3": "line", "5-7": "one", "-5": body[len(body)-5:], "30-": body[30:], "0-1000": body} {
		if out := mustRun(t, root, "cat", "earth-lab/scenes/notes.txt", "--range", rng); out != want {
			t.Errorf("--range %s = %q, want %q", rng, out, want)
		}
	}
	for _, bad := range []string{"5-2", "x-3", "-", "-0", "1-2-3"} {
		if code, _, errs := runCLI(t, root, "cat", "earth-lab/scenes/notes.txt", "--range", bad); code != 2 || errs == "" {
			t.Errorf("--range %q: exit %d, stderr %q; want a usage error", bad, code, errs)
		}
	}
	if code, _, errs := runCLI(t, root, "cat", "earth-lab/scenes/notes.txt", "--range", "500-600"); code != 1 || !strings.Contains(errs, "has 34 bytes") {
		t.Errorf("range past the end: exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCLI(t, root, "cat", "earth-lab/scenes/nothing.txt"); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("missing object: exit %d, stderr %q", code, errs)
	}
}

func TestCatToATerminalIsEscaped(t *testing.T) {
	root := contentRoot(t)
	code, out, errs := runCLIEnvTerminal(t, map[string]string{"COOP_STORAGE": root, "HOME": t.TempDir()}, "cat", "earth-lab/scenes/notes.txt")
	if code != 0 || out != `line one`+"\n"+`\x1b]0;pwned\x07red \x1b[31mtext\xff`+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// runCLIEnvTerminal is runCLIEnv with stdout taken for a terminal.
func runCLIEnvTerminal(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: getenv,
		isTerminal: func() bool { return true }})
	return code, out.String(), errb.String()
}

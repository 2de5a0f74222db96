package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/coopterm/coop/backend/content"
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
	files["wide.parquet"] = contenttest.GeoParquet(10, 10, true, parquet.KeyValueMetadata("big", strings.Repeat("x", 100<<10)))
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

func TestStatContent(t *testing.T) {
	root := contentRoot(t)
	var res struct {
		Content      *content.Summary `json:"content"`
		ContentError string           `json:"content_error"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, root, "stat", "earth-lab/scenes/places.parquet", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	if c := res.Content; c == nil || c.Format != content.FormatGeoParquet || c.Parquet.Rows != 500 || c.Parquet.Geo.Columns[0].EPSG != 4326 {
		t.Fatalf("content %+v, error %q", res.Content, res.ContentError)
	}
	out := mustRun(t, root, "stat", "earth-lab/scenes/places.parquet")
	if !strings.Contains(out, "content       GeoParquet · 500 rows · 5 row groups · 7 columns") {
		t.Errorf("stat:\n%s", out)
	}
	// A file coop cannot read says why, and stat still succeeds.
	res.Content, res.ContentError = nil, ""
	if err := json.Unmarshal([]byte(mustRun(t, root, "stat", "earth-lab/scenes/lying.parquet", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	if res.Content != nil || !strings.Contains(res.ContentError, "footer claims 4.0 GiB") {
		t.Errorf("lying file: content %+v, error %q", res.Content, res.ContentError)
	}
	res.Content = nil
	if err := json.Unmarshal([]byte(mustRun(t, root, "stat", "earth-lab/scenes/sst.zarr", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	if res.Content == nil || res.Content.Format != content.FormatZarr || len(res.Content.Zarr.Arrays) != 2 {
		t.Errorf("zarr folder: %+v, %q", res.Content, res.ContentError)
	}
	// [preview] max_bytes in the config file is the budget.
	cfgDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfgDir, "coop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "coop", "config.toml"), []byte("[preview]\nmax_bytes = 65536\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"COOP_STORAGE": root, "HOME": t.TempDir()}
	if _, out, _ := runCLIEnv(t, env, "stat", "earth-lab/scenes/wide.parquet"); !strings.Contains(out, "content       GeoParquet · 10 rows") {
		t.Errorf("stat with the default budget:\n%s", out)
	}
	env["XDG_CONFIG_HOME"] = cfgDir
	if _, out, _ := runCLIEnv(t, env, "stat", "earth-lab/scenes/wide.parquet"); !strings.Contains(out, "more than the 64.0 KiB a preview may read") {
		t.Errorf("stat with max_bytes = 65536:\n%s", out)
	}
	if out := mustRun(t, root, "stat", "earth-lab/scenes/notes.txt"); strings.Contains(out, "\x1b") || !strings.Contains(out, "content       text · 2 lines") {
		t.Errorf("stat of a text:\n%q", out)
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

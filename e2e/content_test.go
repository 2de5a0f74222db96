package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend/content/contenttest"
)

// contentFiles are what the content previews are tested on, by path in
// earth-lab/scenes.
func contentFiles() map[string][]byte {
	files := contenttest.ZarrV2(true).Under("sst.zarr")
	files["places.parquet"] = contenttest.GeoParquet(700, 100, true)
	files["notes.md"] = []byte("# Field notes\n\nred \x1b[31mtext\x1b]0;pwned\x07 here\n\n" + strings.Repeat("- a point\n", 80))
	files["scene.tif"] = contenttest.TIFF{Width: 1024, Height: 512, TileSize: 256, Overviews: 2, EPSG: 32633,
		PixelSize: [2]float64{10, 10}, Origin: [2]float64{300000, 5000000}}.Bytes()
	return files
}

// checkContent browses earth-lab/scenes and checks the content section
// of each kind of file, the full-height preview, and the pager.
func checkContent(t *testing.T, env []string, pagerOut string) {
	t.Helper()
	tm := startTerm(t, env, bin)
	tm.waitFor(10*time.Second, "Earth Lab")
	tm.send("Enter")
	tm.waitFor(5*time.Second, "Scenes of the Range")
	tm.send("j", "Enter")
	tm.waitFor(5*time.Second, "places.parquet", "scene.tif")
	find := func(name string) {
		tm.send("/")
		tm.typeText(name)
		tm.send("Enter")
	}
	find("places.parquet")
	tm.waitFor(10*time.Second, "GeoParquet · 700 rows · 7 row groups", "geometry    primary · WKB · Point")
	tm.clearFilter()
	find("scene.tif")
	tm.waitFor(10*time.Second, "GeoTIFF · 1024 × 512 · 1 band · uint8", "EPSG:32633 WGS 84 / UTM zone 33N")
	tm.clearFilter()
	find("sst.zarr")
	tm.waitFor(10*time.Second, "Zarr v2 group · consolidated · 2 arrays")
	tm.clearFilter()
	find("notes.md")
	s := tm.waitFor(10*time.Second, "Markdown · 84 lines", `\x1b[31mtext\x1b]0;pwned\x07`)
	if strings.Contains(s, "pwned\x07") {
		t.Errorf("an escape of the file reached the screen:\n%s", s)
	}
	// enter: the preview at full height (the first enter leaves the
	// filter's matches for the tree); the arrows scroll it; esc back.
	tm.send("Enter")
	tm.waitFor(5*time.Second, " of 7 · ")
	tm.send("Enter")
	tm.waitFor(5*time.Second, "PREVIEW", "── 1–")
	tm.send("Down", "Down")
	tm.waitFor(5*time.Second, "── 3–")
	tm.send("Escape")
	tm.waitFor(5*time.Second, "NAME", "places.parquet")
	// o: the file, fetched to a private temporary file, in $PAGER.
	if pagerOut != "" {
		tm.send("o")
		deadline := time.Now().Add(10 * time.Second)
		for {
			if b, err := os.ReadFile(pagerOut + ".done"); err == nil && len(b) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the pager never ran:\n%s", tm.screen())
			}
			time.Sleep(20 * time.Millisecond)
		}
		got, _ := os.ReadFile(pagerOut)
		mode, _ := os.ReadFile(pagerOut + ".mode")
		if string(got) != string(contentFiles()["notes.md"]) || strings.TrimSpace(string(mode)) != "600" {
			t.Errorf("the pager got %d bytes (mode %q)", len(got), mode)
		}
		tm.waitFor(10*time.Second, "NAME", "places.parquet") // the browser is back
		paged, _ := os.ReadFile(pagerOut + ".path")
		if _, err := os.Stat(strings.TrimSpace(string(paged))); !os.IsNotExist(err) {
			t.Errorf("the temporary file %s is left after the pager: %v", paged, err)
		}
	}
	tm.send("q")
	tm.waitExit(t, 5*time.Second)
}

// pagerEnv is a $PAGER that copies the file it is given to out, with its
// mode and path beside it, and exits.
func pagerEnv(t *testing.T) (env []string, out string) {
	t.Helper()
	dir := t.TempDir()
	out = filepath.Join(dir, "paged")
	script := filepath.Join(dir, "pager.sh")
	writeFile(t, script, "#!/bin/sh\ncp \"$1\" '"+out+"'\nstat -c %a \"$1\" > '"+out+".mode'\n"+
		"echo \"$1\" > '"+out+".path'\necho done > '"+out+".done'\n")
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"PAGER=" + script}, out
}

func TestContentLocalStore(t *testing.T) {
	root, env := makeLocalStore(t)
	for p, b := range contentFiles() {
		writeFile(t, filepath.Join(root, "earth-lab", "scenes", filepath.FromSlash(p)), string(b))
	}
	penv, out := pagerEnv(t)
	checkContent(t, append(append(env, penv...), "COOP_STORAGE="+root), out)
}

func TestContentAWSStore(t *testing.T) {
	extra := map[string][]byte{}
	for p, b := range contentFiles() {
		extra["earth-lab/scenes/"+p] = b
	}
	_, env := makeAWSStoreWith(t, extra)
	penv, out := pagerEnv(t)
	checkContent(t, append(env, penv...), out)
}

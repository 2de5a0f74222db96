package content_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

// The fuzz targets feed each header reader arbitrary bytes, under a small
// budget so that the budget's paths are reached too. Their seed corpus is
// in testdata/fuzz (go test -run TestFuzzSeeds -update-seeds rewrites it
// from the fixtures); `make fuzz` runs each briefly.

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpus in testdata/fuzz from the fixtures")

// fuzzBudget is the byte budget of a fuzzed preview.
const fuzzBudget = 64 << 10

// fuzzTargets maps each target to the file name its input is previewed
// as and the fixtures that seed it.
var fuzzTargets = map[string]struct {
	name  string
	seeds func() [][]byte
}{
	"FuzzParquet": {"f.parquet", func() [][]byte {
		return [][]byte{contenttest.GeoParquet(20, 5, true), contenttest.GeoParquet(3, 3, false)}
	}},
	"FuzzTIFF": {"f.tif", func() [][]byte {
		return [][]byte{
			contenttest.TIFF{Width: 64, Height: 48, TileSize: 16, Overviews: 2, EPSG: 32633, PixelSize: [2]float64{1, 1}, Citation: "x"}.Bytes(),
			contenttest.TIFF{Width: 20, Height: 10, BigTIFF: true, Bits: 16}.Bytes(),
		}
	}},
	"FuzzZip":        {"f.zip", func() [][]byte { return [][]byte{contenttest.Zip(), contenttest.ZipMany(3)} }},
	"FuzzFlatGeobuf": {"f.fgb", func() [][]byte { return [][]byte{contenttest.FlatGeobuf(contenttest.FGBHeader)} }},
	"FuzzPMTiles":    {"f.pmtiles", func() [][]byte { return [][]byte{contenttest.PMTiles()} }},
	"FuzzZarr": {"zarr.json", func() [][]byte {
		return [][]byte{contenttest.ZarrV3(true)["zarr.json"], contenttest.ZarrV3(false)["dem/zarr.json"]}
	}},
	"FuzzText": {"f.csv", func() [][]byte { return [][]byte{[]byte(contenttest.CSV), []byte("a\x1b[2J\xff\tb\r\n")} }},
}

// fuzzPreview previews data as the target's file and checks the
// invariants: no panic (the fuzzer catches those), an error of one line
// of a known kind, a summary that read no more than the budget.
func fuzzPreview(t *testing.T, target string, data []byte) {
	name := fuzzTargets[target].name
	start := time.Now()
	s, err := content.Summarize(context.Background(), name, int64(len(data)), content.BytesRanger(data), fuzzBudget)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v: a preview reads at most %d bytes and should end at once", d, fuzzBudget)
	}
	if err != nil {
		if !errors.Is(err, content.ErrMalformed) && !errors.Is(err, content.ErrBudget) {
			t.Fatalf("error of no known kind: %v", err)
		}
		if msg := err.Error(); strings.ContainsAny(msg, "\n\x1b") {
			t.Fatalf("error is not one clean line: %q", msg)
		}
		return
	}
	if s.BytesRead > fuzzBudget {
		t.Fatalf("read %d bytes, budget %d", s.BytesRead, fuzzBudget)
	}
	if s.Text != nil && strings.ContainsAny(s.Text.Body, "\x1b\x07\r\t") {
		t.Fatalf("text keeps a control character: %q", s.Text.Body)
	}
}

func fuzzTarget(f *testing.F, target string) {
	for _, seed := range fuzzTargets[target].seeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzPreview(t, target, data) })
}

func FuzzParquet(f *testing.F)    { fuzzTarget(f, "FuzzParquet") }
func FuzzTIFF(f *testing.F)       { fuzzTarget(f, "FuzzTIFF") }
func FuzzZip(f *testing.F)        { fuzzTarget(f, "FuzzZip") }
func FuzzFlatGeobuf(f *testing.F) { fuzzTarget(f, "FuzzFlatGeobuf") }
func FuzzPMTiles(f *testing.F)    { fuzzTarget(f, "FuzzPMTiles") }
func FuzzZarr(f *testing.F)       { fuzzTarget(f, "FuzzZarr") }
func FuzzText(f *testing.F)       { fuzzTarget(f, "FuzzText") }

// TestFuzzSeeds checks that every target has its seed corpus in
// testdata, and rewrites it with -update-seeds.
func TestFuzzSeeds(t *testing.T) {
	for target, ft := range fuzzTargets {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for i, seed := range ft.seeds() {
				body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("fixture-%d", i)), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) == 0 {
			t.Errorf("%s has no seed corpus in %s (go test -run TestFuzzSeeds -update-seeds): %v", target, dir, err)
		}
	}
}

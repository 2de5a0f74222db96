package render

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

func summaries(t *testing.T) map[string]*content.Summary {
	t.Helper()
	files := map[string][]byte{
		"p.parquet": contenttest.GeoParquet(100, 30, true),
		"s.tif": contenttest.TIFF{Width: 1000, Height: 600, Bands: 3, TileSize: 256, Overviews: 2, EPSG: 32633,
			PixelSize: [2]float64{10, 10}, Origin: [2]float64{500000, 5200000}, NoData: "0"}.Bytes(),
		"a.csv":     []byte(contenttest.CSV),
		"z.zip":     contenttest.Zip(),
		"f.fgb":     contenttest.FlatGeobuf(contenttest.FGBHeader),
		"t.pmtiles": contenttest.PMTiles(),
		"zarr.json": contenttest.ZarrV3(true)["zarr.json"],
		"a.png":     contenttest.PNG(),
		"README.md": []byte("# Title \x1b]0;pwn\x07\n\nSome *text* with `code` and a [link](http://x.org/\x1b[2J).\n\n- a\n- b\n\n" +
			"| a | b |\n|---|---|\n| 1 | 2 |\n\n```go\nfunc main() {}\n```\n"),
		"main.go":  []byte("package main\n\n// \x1b[31mred\x9b2J\nfunc main() {\n\tprintln(\"hi\")\n}\n"),
		"wide.txt": []byte(strings.Repeat("界", 200) + "\n" + strings.Repeat("x", 500) + "\n"),
		"bin.dat":  {0, 1, 2, 3},
		"empty":    {},
	}
	out := map[string]*content.Summary{}
	for name, b := range files {
		s, err := content.Summarize(context.Background(), name, int64(len(b)), content.BytesRanger(b), 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = s
	}
	return out
}

// sgr matches the colour and attribute sequences render may emit.
var sgr = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

func TestLinesFitAndAreSafe(t *testing.T) {
	for name, s := range summaries(t) {
		for _, width := range []int{20, 37, 80, 140} {
			for _, color := range []bool{false, true} {
				lines := Lines(context.Background(), s, Options{Width: width, Color: color, Dark: width%2 == 0})
				if len(lines) == 0 {
					t.Errorf("%s: no lines", name)
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > width {
						t.Errorf("%s width %d color %v: line %d is %d wide: %q", name, width, color, i, w, l)
					}
					rest := sgr.ReplaceAllString(l, "")
					if strings.ContainsAny(rest, "\x1b\x07\r\t\n\u009b") {
						t.Errorf("%s color %v: line %d has a control character besides colours: %q", name, color, i, l)
					}
					if !color && strings.Contains(l, "\x1b") {
						t.Errorf("%s: colour without Color: %q", name, l)
					}
				}
			}
		}
	}
}

func TestMarkdownAndCode(t *testing.T) {
	all := summaries(t)
	md := strings.Join(Lines(context.Background(), all["README.md"], Options{Width: 60, Color: true, Dark: true}), "\n")
	plain := ansi.Strip(md)
	if strings.Contains(plain, "# Title") || !strings.Contains(plain, "Title") || !strings.Contains(md, "\x1b[") {
		t.Errorf("markdown not rendered:\n%s", plain)
	}
	if !strings.Contains(plain, `\x1b]0;pwn\x07`) {
		t.Errorf("the escape in the title is not shown escaped:\n%s", plain)
	}
	code := Lines(context.Background(), all["main.go"], Options{Width: 60, Color: true})
	if code[0] != "Go · 6 lines" || !strings.Contains(code[2], "\x1b[") || ansi.Strip(code[2]) != "package main" {
		t.Errorf("code not highlighted: %q", code[:3])
	}
	if got := ansi.Strip(strings.Join(code, "\n")); !strings.Contains(got, `// \x1b[31mred\x9b2J`) {
		t.Errorf("escapes in code not shown escaped:\n%s", got)
	}
}

func TestHighlightStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := strings.Repeat("x := 1\n", 2000)
	d := &drawer{o: Options{Width: 80, Color: true}}
	if got := d.highlight(ctx, body, "Go"); got != body {
		t.Error("a cancelled highlight went on")
	}
}

func TestTableIsAligned(t *testing.T) {
	lines := Lines(context.Background(), summaries(t)["a.csv"], Options{Width: 80})
	if lines[0] != "CSV · 4 columns · comma-separated · 3 rows" {
		t.Errorf("title %q", lines[0])
	}
	col := strings.Index(lines[2], "name")
	for _, l := range lines[3:] {
		if ansi.StringWidth(l[:strings.Index(l, "  ")+2]) > col || l[col-1] != ' ' || l[col] == ' ' {
			t.Errorf("column 2 does not start at %d in %q", col, l)
		}
	}
	if !strings.Contains(lines[3], "Smith, Jane") || !strings.Contains(lines[4], `two\nlines`) {
		t.Errorf("rows %q", lines[3:])
	}
}

func TestFacts(t *testing.T) {
	all := summaries(t)
	for name, want := range map[string][]string{
		"p.parquet": {"GeoParquet · 100 rows · 4 row groups · 7 columns", "  geometry  BYTE_ARRAY required geometry",
			"geometry    primary · WKB · Point · EPSG:4326 WGS 84", "    score  DOUBLE optional"},
		"s.tif": {"GeoTIFF · 1000 × 600 · 3 bands · uint8", "bounds      500000, 5194000, 510000, 5200000",
			"CRS         EPSG:32633 WGS 84 / UTM zone 33N (projected)", "overviews   2: 500×300, 250×150"},
		"z.zip":     {"zip · 3 entries", "      97 B  2024-05-06 07:08  data/a.csv"},
		"f.fgb":     {"FlatGeobuf · 1,234 features · MultiPolygon · R-tree index", "CRS         EPSG:4326 WGS 84"},
		"t.pmtiles": {"PMTiles v3 · mvt tiles · zoom 0–14 · gzip", "layers      paths, pois"},
		"zarr.json": {"Zarr v3 group · consolidated · 1 array, 1 group", "  meta/"},
		"a.png":     {"PNG · 40 × 30 · RGBA, 8 bits"},
		"bin.dat":   {"binary data (application/octet-stream), not shown"},
		"empty":     {"empty file"},
	} {
		lines := Lines(context.Background(), all[name], Options{Width: 100})
		for _, w := range want {
			found := false
			for _, l := range lines {
				found = found || l == w
			}
			if !found {
				t.Errorf("%s: no line %q in\n%s", name, w, strings.Join(lines, "\n"))
			}
		}
	}
}

func TestKeepSGR(t *testing.T) {
	in := "a\x1b[31mred\x1b[0m \x1b]8;;http://evil\x07link\x1b]8;;\x1b\\ \x1b[2J\x1b[H\x1bc\x07\r\u009b1;1H\x1b[1;2mok\x1b[m\x1bP+q\x1b\\end"
	want := "a\x1b[31mred\x1b[0m link 1;1H\x1b[1;2mok\x1b[mend"
	if got := keepSGR(in); got != want {
		t.Errorf("keepSGR = %q, want %q", got, want)
	}
}

func TestError(t *testing.T) {
	got := Error(fmt.Errorf("%w: bad \x1b[2J\nthing", errors.New("malformed")), Options{Width: 30})
	if strings.ContainsAny(got, "\x1b\n") || ansi.StringWidth(got) > 30 {
		t.Errorf("Error = %q", got)
	}
}

func TestLongTextIsStyledOnlyAtItsStart(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 40<<10; i++ {
		fmt.Fprintf(&b, "func f%d() int { return %d }\n", i, i)
	}
	s, err := content.Summarize(context.Background(), "long.go", int64(b.Len()), content.BytesRanger(b.String()), 0)
	if err != nil {
		t.Fatal(err)
	}
	lines := Lines(context.Background(), s, Options{Width: 80, Color: true})
	if !strings.Contains(lines[2], "\x1b[") || strings.Contains(lines[len(lines)-1], "\x1b[") {
		t.Errorf("first line %q, last line %q: the start styled, the rest plain", lines[2], lines[len(lines)-1])
	}
	if n := strings.Count(b.String(), "\n"); len(lines) != n+2 || ansi.Strip(lines[len(lines)-1]) != fmt.Sprintf("func f%d() int { return %d }", n-1, n-1) {
		t.Errorf("%d lines for %d in the file; last %q", len(lines), n, lines[len(lines)-1])
	}
}

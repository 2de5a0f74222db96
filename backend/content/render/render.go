// Package render draws a content.Summary as lines for a terminal: text
// highlighted (package highlight), Markdown rendered, tables
// aligned, and the facts of each binary format one per line. Every string
// from the file is made safe first, and every line ends no wider than the
// width asked for; the only escape sequences in the output are the colours
// render adds itself.
package render

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/highlight"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// Styles colour the parts of a summary. The zero Styles draws plain text.
type Styles struct {
	Title lipgloss.Style // the first line: format and headline numbers
	Key   lipgloss.Style // the label of a fact
	Dim   lipgloss.Style // secondary text: types, notes
	Error lipgloss.Style
}

// Options say how to draw.
type Options struct {
	// Width is the most cells a line may take (at least 20).
	Width int
	// Color turns on syntax highlighting and Markdown rendering; Dark
	// picks their palette for a dark background.
	Color bool
	Dark  bool
	// Styles colour the facts.
	Styles Styles
}

// Lines draws s. ctx bounds the highlighting of a long text, which runs
// where the caller runs it (in a tea.Cmd for the browser): a cancelled
// drawing returns what it has.
func Lines(ctx context.Context, s *content.Summary, o Options) []string {
	o.Width = max(o.Width, 20)
	d := &drawer{o: o}
	switch {
	case s == nil:
		return nil
	case s.Text != nil:
		d.text(ctx, s)
	case s.Table != nil:
		d.table(s)
	case s.Parquet != nil:
		d.parquet(s)
	case s.Raster != nil:
		d.raster(s)
	case s.Zarr != nil:
		d.zarr(s.Zarr)
	case s.Image != nil:
		d.title(fmt.Sprintf("%s · %d × %d · %s", name(s.Format), s.Image.Width, s.Image.Height, s.Image.Color))
	case s.Zip != nil:
		d.zip(s.Zip)
	case s.FlatGeobuf != nil:
		d.flatgeobuf(s.FlatGeobuf)
	case s.PMTiles != nil:
		d.pmtiles(s.PMTiles)
	case s.Format == content.FormatEmpty:
		d.title("empty file")
	case s.Format == content.FormatBinary:
		d.title("binary data (" + safe.Text(s.MIME) + "), not shown")
	default:
		d.title("format not recognised: " + safe.Text(string(s.Format)))
	}
	return d.lines
}

// Error draws why a preview failed, on one line.
func Error(err error, o Options) string {
	return o.Styles.Error.Render(ansi.Truncate(safe.Text(err.Error()), max(o.Width, 20), "…"))
}

// formatNames are the formats as people write them.
var formatNames = map[content.Format]string{
	content.FormatCSV: "CSV", content.FormatTSV: "TSV", content.FormatJSON: "JSON", content.FormatGeoJSON: "GeoJSON",
	content.FormatYAML: "YAML", content.FormatTOML: "TOML", content.FormatParquet: "Parquet",
	content.FormatGeoParquet: "GeoParquet", content.FormatTIFF: "TIFF", content.FormatGeoTIFF: "GeoTIFF",
	content.FormatZarr: "Zarr", content.FormatPNG: "PNG", content.FormatJPEG: "JPEG", content.FormatGIF: "GIF",
	content.FormatWebP: "WebP", content.FormatZip: "zip", content.FormatFlatGeobuf: "FlatGeobuf",
	content.FormatPMTiles: "PMTiles", content.FormatMarkdown: "Markdown", content.FormatText: "text",
	content.FormatCode: "code",
}

func name(f content.Format) string {
	if n, ok := formatNames[f]; ok {
		return n
	}
	return safe.Text(string(f))
}

// drawer collects lines, each fitted to the width.
type drawer struct {
	o     Options
	lines []string
	h     *highlight.Highlighter // built when a text is first coloured
}

// hl is the drawer's highlighter, made on first use.
func (d *drawer) hl() *highlight.Highlighter {
	if d.h == nil {
		d.h = highlight.New()
	}
	return d.h
}

// add appends a line, cut to the width.
func (d *drawer) add(line string) {
	d.lines = append(d.lines, ansi.Truncate(line, d.o.Width, "…"))
}

func (d *drawer) title(s string) { d.add(d.o.Styles.Title.Render(s)) }

func (d *drawer) blank() { d.lines = append(d.lines, "") }

func (d *drawer) heading(s string) {
	d.blank()
	d.add(d.o.Styles.Key.Render(s))
}

// keyWidth is the column facts' values start at.
const keyWidth = 12

// fact draws "key      value"; an empty value draws nothing.
func (d *drawer) fact(key, value string) {
	if value == "" {
		return
	}
	pad := strings.Repeat(" ", max(1, keyWidth-ansi.StringWidth(key)))
	d.add(d.o.Styles.Key.Render(key) + pad + value)
}

func (d *drawer) dim(s string) string { return d.o.Styles.Dim.Render(s) }

// readNote says what the preview read, for the last line.
func readNote(s *content.Summary) string {
	req := "requests"
	if s.Requests == 1 {
		req = "request"
	}
	return fmt.Sprintf("read %s in %d %s", humanize.Bytes(s.BytesRead), s.Requests, req)
}

// numbers joins floats in full, without exponents for the coordinates
// of any CRS: "-10, 40, 500000, 5194000".
func numbers(vs []float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		if math.Abs(v) < 1e15 {
			parts[i] = strconv.FormatFloat(v, 'f', -1, 64)
		} else {
			parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return strings.Join(parts, ", ")
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return humanize.Count(n) + " " + many
}

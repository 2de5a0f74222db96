package render

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// maxCell is the widest a table column is drawn.
const maxCell = 24

func (d *drawer) table(s *content.Summary) {
	t := s.Table
	delim := map[string]string{",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[t.Delimiter]
	head := fmt.Sprintf("%s · %s · %s-separated · first %s", name(s.Format), plural(int64(t.Columns), "column", "columns"),
		delim, plural(int64(len(t.Rows)), "row", "rows"))
	if !t.Truncated {
		head = fmt.Sprintf("%s · %s · %s-separated · %s", name(s.Format), plural(int64(t.Columns), "column", "columns"),
			delim, plural(int64(len(t.Rows)), "row", "rows"))
	}
	d.title(head)
	d.blank()
	widths := make([]int, t.Columns)
	for _, row := range append([][]string{t.Header}, t.Rows...) {
		for i, c := range row {
			widths[i] = min(maxCell, max(widths[i], ansi.StringWidth(c)))
		}
	}
	row := func(cells []string) string {
		var b strings.Builder
		for i, w := range widths {
			c := ""
			if i < len(cells) {
				c = ansi.Truncate(cells[i], w, "…")
			}
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c + strings.Repeat(" ", w-ansi.StringWidth(c)))
		}
		return strings.TrimRight(b.String(), " ")
	}
	d.add(d.o.Styles.Key.Render(row(t.Header)))
	for _, r := range t.Rows {
		d.add(row(r))
	}
}

func (d *drawer) parquet(s *content.Summary) {
	p := s.Parquet
	d.title(fmt.Sprintf("%s · %s · %s · %s", name(s.Format), plural(p.Rows, "row", "rows"),
		plural(int64(p.RowGroups), "row group", "row groups"), plural(int64(p.Columns), "column", "columns")))
	d.fact("compression", safe.Text(strings.Join(p.Compression, ", ")))
	if p.UncompressedBytes > 0 {
		d.fact("data", fmt.Sprintf("%s (%s uncompressed)", humanize.Bytes(p.CompressedBytes), humanize.Bytes(p.UncompressedBytes)))
	}
	d.fact("created by", safe.Text(p.CreatedBy))
	d.fact("footer", humanize.Bytes(p.FooterBytes))
	d.heading("schema")
	geo := map[string]bool{}
	if p.Geo != nil {
		for _, c := range p.Geo.Columns {
			geo[c.Name] = true
		}
	}
	d.fields(p.Schema, 1, geo)
	if g := p.Geo; g != nil {
		d.heading("geo " + safe.Text(g.Version))
		for _, c := range g.Columns {
			crs := safe.Text(c.CRS)
			if c.CRSName != "" && c.CRSName != c.CRS {
				crs += " " + safe.Text(c.CRSName)
			}
			if crs == "" {
				crs = "CRS undefined"
			}
			parts := []string{safe.Text(c.Encoding), safe.Text(strings.Join(c.GeometryTypes, ", ")), crs}
			if c.Name == g.PrimaryColumn {
				parts = append([]string{"primary"}, parts...)
			}
			d.fact(safe.Text(c.Name), strings.Join(nonEmpty(parts), " · "))
			if len(c.BBox) > 0 {
				d.add(strings.Repeat(" ", keyWidth) + d.dim("bbox "+numbers(c.BBox)))
			}
		}
	}
	if p.GeoError != "" {
		d.fact("geo", d.dim(safe.Text(p.GeoError)))
	}
	if len(p.Metadata) > 0 {
		d.heading("key-value metadata")
		for _, kv := range p.Metadata {
			d.fact(safe.Text(kv.Key), d.dim(safe.Text(cutLine(kv.Value))))
		}
	}
}

// fields draws a schema tree, one field a line, indented by depth.
func (d *drawer) fields(fs []content.Field, depth int, geo map[string]bool) {
	for _, f := range fs {
		typ := f.Type
		if typ == "" {
			typ = "group"
		}
		desc := []string{safe.Text(typ), safe.Text(f.Logical), f.Repetition}
		if depth == 1 && geo[f.Name] {
			desc = append(desc, "geometry")
		}
		d.add(strings.Repeat("  ", depth) + safe.Text(f.Name) + "  " + d.dim(strings.Join(nonEmpty(desc), " ")))
		d.fields(f.Fields, depth+1, geo)
	}
}

func (d *drawer) raster(s *content.Summary) {
	r := s.Raster
	d.title(fmt.Sprintf("%s · %d × %d · %s · %s", name(s.Format), r.Width, r.Height,
		plural(int64(r.Bands), "band", "bands"), safe.Text(r.SampleType)))
	d.fact("compression", safe.Text(r.Compression))
	layout := fmt.Sprintf("strips of %d rows", r.RowsPerStrip)
	if r.Tiled {
		layout = fmt.Sprintf("tiles of %d × %d", r.TileWidth, r.TileHeight)
	}
	d.fact("layout", layout+", "+r.Interleave+" interleaved")
	if len(r.Overviews) > 0 {
		sizes := make([]string, len(r.Overviews))
		for i, o := range r.Overviews {
			sizes[i] = fmt.Sprintf("%d×%d", o.Width, o.Height)
		}
		d.fact("overviews", fmt.Sprintf("%d: %s", len(r.Overviews), strings.Join(sizes, ", ")))
	} else {
		d.fact("overviews", "none")
	}
	d.fact("COG", r.Layout)
	if r.Masks > 0 || r.Pages > 0 {
		d.fact("also", fmt.Sprintf("%d masks, %d more pages", r.Masks, r.Pages))
	}
	d.fact("photometric", safe.Text(r.Photometric))
	d.fact("nodata", safe.Text(r.NoData))
	if r.BigTIFF {
		d.fact("format", "BigTIFF")
	}
	if g := r.Geo; g != nil {
		crs := safe.Text(g.CRS)
		if g.EPSG != 0 {
			crs = fmt.Sprintf("EPSG:%d %s", g.EPSG, crs)
		}
		if g.Model != "" {
			crs += " (" + g.Model + ")"
		}
		d.fact("CRS", crs)
		if len(g.PixelSize) == 2 {
			d.fact("pixel", numbers(g.PixelSize))
			d.fact("origin", numbers(g.Origin))
			d.fact("bounds", numbers(g.Bounds))
		}
		if g.PixelIsPoint {
			d.fact("raster", "pixel is point")
		}
	}
	d.blank()
	d.add(d.dim(readNote(s)))
}

func (d *drawer) zarr(z *content.Zarr) {
	head := fmt.Sprintf("Zarr v%d %s", z.Version, z.Node)
	if z.Consolidated {
		head += " · consolidated"
	}
	if z.Node == "group" {
		n := fmt.Sprintf(" · %s, %s", plural(int64(len(z.Arrays)), "array", "arrays"), plural(int64(len(z.Groups)), "group", "groups"))
		if z.More {
			n += " shown"
		}
		head += n
	}
	d.title(head)
	if a := z.Array; a != nil {
		d.fact("shape", dims(a.Shape))
		d.fact("chunks", dims(a.Chunks))
		d.fact("dtype", safe.Text(a.DType))
		d.fact("codecs", safe.Text(strings.Join(a.Codecs, ", ")))
		d.fact("fill", safe.Text(a.FillValue))
		d.fact("order", safe.Text(a.Order))
		d.fact("dims", safe.Text(strings.Join(a.Dimensions, ", ")))
		d.attributes(a.Attributes)
	}
	if len(z.Arrays) > 0 {
		d.heading("arrays")
		for _, a := range z.Arrays {
			d.add("  " + safe.Text(a.Name) + "  " + d.dim(fmt.Sprintf("%s  %s  chunks %s  %s", safe.Text(a.DType), dims(a.Shape),
				dims(a.Chunks), safe.Text(strings.Join(a.Codecs, ", ")))))
		}
	}
	if len(z.Groups) > 0 {
		d.heading("groups")
		for _, g := range z.Groups {
			d.add("  " + safe.Text(g) + "/")
		}
	}
	d.attributes(z.Attributes)
}

func (d *drawer) attributes(kvs []content.KeyValue) {
	if len(kvs) == 0 {
		return
	}
	d.heading("attributes")
	for _, kv := range kvs {
		d.fact(safe.Text(kv.Key), d.dim(safe.Text(cutLine(kv.Value))))
	}
}

func (d *drawer) zip(z *content.Zip) {
	head := fmt.Sprintf("zip · %s", plural(int64(z.Entries), "entry", "entries"))
	if uint64(len(z.Files)) < z.Entries {
		head += fmt.Sprintf(" · first %d listed", len(z.Files))
	}
	d.title(head)
	d.fact("comment", safe.Text(cutLine(z.Comment)))
	d.blank()
	for _, f := range z.Files {
		date := "                "
		if !f.Modified.IsZero() {
			date = f.Modified.Format("2006-01-02 15:04")
		}
		d.add(fmt.Sprintf("%10s  %s  %s", humanize.Bytes(int64(min(f.Size, 1<<62))), d.dim(date), safe.Text(f.Name)))
	}
}

func (d *drawer) flatgeobuf(f *content.FlatGeobuf) {
	index := "no index"
	if f.IndexNodeSize > 0 {
		index = "R-tree index"
	}
	d.title(fmt.Sprintf("FlatGeobuf · %s · %s · %s", plural(int64(min(f.Features, 1<<62)), "feature", "features"),
		safe.Text(f.GeometryType), index))
	d.fact("name", safe.Text(f.Name))
	d.fact("title", safe.Text(f.Title))
	crs := safe.Text(f.CRS)
	if f.CRSName != "" && f.CRSName != f.CRS {
		crs += " " + safe.Text(f.CRSName)
	}
	d.fact("CRS", crs)
	d.fact("envelope", numbers(f.Envelope))
	if f.HasZ || f.HasM {
		d.fact("dims", fmt.Sprintf("z %v, m %v", f.HasZ, f.HasM))
	}
	if len(f.Columns) > 0 {
		d.heading("columns")
		for _, c := range f.Columns {
			null := ""
			if !c.Nullable {
				null = " not null"
			}
			d.add("  " + safe.Text(c.Name) + "  " + d.dim(safe.Text(c.Type)+null))
		}
	}
	d.fact("about", safe.Text(cutLine(f.Description)))
}

func (d *drawer) pmtiles(p *content.PMTiles) {
	d.title(fmt.Sprintf("PMTiles v%d · %s tiles · zoom %d–%d · %s", p.Version, safe.Text(p.TileType), p.MinZoom, p.MaxZoom,
		safe.Text(p.Compression)))
	d.fact("name", safe.Text(p.Name))
	d.fact("bounds", numbers(p.Bounds))
	d.fact("center", numbers(p.Center))
	d.fact("tiles", fmt.Sprintf("%s addressed, %s stored", humanize.Count(int64(min(p.AddressedTiles, 1<<62))),
		humanize.Count(int64(min(p.TileContents, 1<<62)))))
	d.fact("layers", safe.Text(strings.Join(p.VectorLayers, ", ")))
	d.fact("credit", safe.Text(cutLine(p.Attribution)))
	d.fact("about", safe.Text(cutLine(p.Description)))
}

// dims renders a shape as 365×720×1440.
func dims(shape []int64) string {
	s := make([]string, len(shape))
	for i, n := range shape {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, "×")
}

// cutLine keeps the first line of s, marking what was left off.
func cutLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func nonEmpty(parts []string) []string {
	out := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

package content_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

// summarize previews b as a file called name, in memory.
func summarize(t *testing.T, name string, b []byte) *content.Summary {
	t.Helper()
	s, err := content.Summarize(context.Background(), name, int64(len(b)), content.BytesRanger(b), 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestGeoParquetFooter(t *testing.T) {
	b := contenttest.GeoParquet(1000, 300, true)
	s := summarize(t, "places.parquet", b)
	if s.Format != content.FormatGeoParquet {
		t.Fatalf("format %q, want geoparquet", s.Format)
	}
	p := s.Parquet
	if p.Rows != 1000 || p.RowGroups != 4 || p.Columns != 7 {
		t.Errorf("rows %d, row groups %d, leaf columns %d; want 1000, 4, 7", p.Rows, p.RowGroups, p.Columns)
	}
	if !slices.Equal(p.Compression, []string{"zstd"}) || !strings.Contains(p.CreatedBy, "parquet-go") {
		t.Errorf("compression %v, created by %q", p.Compression, p.CreatedBy)
	}
	byName := map[string]content.Field{}
	for _, f := range p.Schema {
		byName[f.Name] = f
	}
	if f := byName["id"]; f.Type != "INT64" || f.Repetition != "required" {
		t.Errorf("id = %+v", f)
	}
	if f := byName["name"]; f.Type != "BYTE_ARRAY" || f.Logical != "STRING" || f.Repetition != "optional" {
		t.Errorf("name = %+v", f)
	}
	if f := byName["observed"]; !strings.HasPrefix(f.Logical, "TIMESTAMP") {
		t.Errorf("observed = %+v", f)
	}
	if f := byName["tags"]; f.Logical != "LIST" || len(f.Fields) != 1 || f.Fields[0].Repetition != "repeated" ||
		len(f.Fields[0].Fields) != 1 || f.Fields[0].Fields[0].Logical != "STRING" {
		t.Errorf("tags (a list) = %+v", f)
	}
	if f := byName["source"]; len(f.Fields) != 2 || f.Fields[1].Name != "score" || f.Fields[1].Repetition != "optional" {
		t.Errorf("source (a struct) = %+v", f)
	}
	keys := []string{}
	for _, kv := range p.Metadata {
		keys = append(keys, kv.Key)
	}
	if !slices.Contains(keys, "geo") || !slices.Contains(keys, "writer") {
		t.Errorf("key-value metadata keys %v", keys)
	}
	g := p.Geo
	if g == nil || g.Version != "1.1.0" || g.PrimaryColumn != "geometry" || len(g.Columns) != 1 {
		t.Fatalf("geo = %+v", g)
	}
	c := g.Columns[0]
	if c.Encoding != "WKB" || !slices.Equal(c.GeometryTypes, []string{"Point"}) || c.CRS != "EPSG:4326" ||
		c.EPSG != 4326 || c.CRSName != "WGS 84" || !slices.Equal(c.BBox, []float64{-10, 40, 10, 50}) {
		t.Errorf("geometry column = %+v", c)
	}
	if s.Requests != 1 || s.BytesRead > int64(len(b)) {
		t.Errorf("read %d bytes in %d requests; want the tail in one", s.BytesRead, s.Requests)
	}
}

func TestPlainParquet(t *testing.T) {
	s := summarize(t, "plain.parquet", contenttest.GeoParquet(10, 10, false))
	if s.Format != content.FormatParquet || s.Parquet.Geo != nil || s.Parquet.Rows != 10 {
		t.Errorf("format %q, geo %v, rows %d", s.Format, s.Parquet.Geo, s.Parquet.Rows)
	}
}

func TestGeoTIFF(t *testing.T) {
	tif := contenttest.TIFF{Width: 1000, Height: 600, Bands: 3, TileSize: 256, Overviews: 2, EPSG: 32633,
		PixelSize: [2]float64{10, 10}, Origin: [2]float64{500000, 5200000}, NoData: "0"}
	s := summarize(t, "scene.tif", tif.Bytes())
	if s.Format != content.FormatGeoTIFF {
		t.Fatalf("format %q", s.Format)
	}
	r := s.Raster
	if r.Width != 1000 || r.Height != 600 || r.Bands != 3 || r.SampleType != "uint8" || r.Compression != "none" {
		t.Errorf("raster %dx%d×%d %s %s", r.Width, r.Height, r.Bands, r.SampleType, r.Compression)
	}
	if !r.Tiled || r.TileWidth != 256 || r.TileHeight != 256 || len(r.Overviews) != 2 ||
		r.Overviews[0] != (content.Level{Width: 500, Height: 300}) {
		t.Errorf("tiling %v %dx%d, overviews %v", r.Tiled, r.TileWidth, r.TileHeight, r.Overviews)
	}
	if !r.CloudOptimized {
		t.Errorf("not cloud-optimized: %s", r.Layout)
	}
	if r.NoData != "0" || r.Photometric != "RGB" {
		t.Errorf("nodata %q photometric %q", r.NoData, r.Photometric)
	}
	g := r.Geo
	if g == nil || g.EPSG != 32633 || g.CRS != "WGS 84 / UTM zone 33N" || g.Model != "projected" {
		t.Fatalf("geo %+v", g)
	}
	if !slices.Equal(g.PixelSize, []float64{10, -10}) || !slices.Equal(g.Origin, []float64{500000, 5200000}) ||
		!slices.Equal(g.Bounds, []float64{500000, 5194000, 510000, 5200000}) {
		t.Errorf("pixel size %v origin %v bounds %v", g.PixelSize, g.Origin, g.Bounds)
	}
}

func TestTIFFLayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		tif  contenttest.TIFF
		cog  bool
		want string
	}{
		{"data first", contenttest.TIFF{Width: 512, Height: 512, TileSize: 256, Overviews: 1, DataFirst: true}, false, "image data starts"},
		{"strips", contenttest.TIFF{Width: 300, Height: 200}, false, "strips"},
		{"bigtiff float", contenttest.TIFF{Width: 2048, Height: 1024, Bits: 32, Float: true, TileSize: 512, Overviews: 3, BigTIFF: true,
			EPSG: 4326, PixelSize: [2]float64{0.25, 0.25}, Origin: [2]float64{-180, 90}}, true, "cloud-optimized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := summarize(t, "x.tiff", tc.tif.Bytes()).Raster
			if r.CloudOptimized != tc.cog || !strings.Contains(r.Layout, tc.want) {
				t.Errorf("cloud-optimized %v (%s); want %v, %q", r.CloudOptimized, r.Layout, tc.cog, tc.want)
			}
			if r.Width != uint64(tc.tif.Width) || r.Height != uint64(tc.tif.Height) {
				t.Errorf("size %dx%d", r.Width, r.Height)
			}
		})
	}
	r := summarize(t, "x.tif", contenttest.TIFF{Width: 2048, Height: 1024, Bits: 32, Float: true, TileSize: 512, BigTIFF: true,
		EPSG: 4326, PixelSize: [2]float64{0.25, 0.25}, Origin: [2]float64{-180, 90}}.Bytes()).Raster
	if !r.BigTIFF || r.SampleType != "float32" || r.Geo.CRS != "WGS 84" || r.Geo.Model != "geographic" ||
		!slices.Equal(r.Geo.Bounds, []float64{-180, -166, 332, 90}) {
		t.Errorf("bigtiff %v sample %s geo %+v", r.BigTIFF, r.SampleType, r.Geo)
	}
}

func TestPlainTIFFIsNotGeo(t *testing.T) {
	s := summarize(t, "photo.tif", contenttest.TIFF{Width: 64, Height: 32, Bits: 16}.Bytes())
	if s.Format != content.FormatTIFF || s.Raster.Geo != nil || s.Raster.SampleType != "uint16" {
		t.Errorf("format %q geo %+v sample %s", s.Format, s.Raster.Geo, s.Raster.SampleType)
	}
}

func TestImages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		b      []byte
		format content.Format
		w, h   int
	}{
		{"a.png", contenttest.PNG(), content.FormatPNG, 40, 30},
		{"a.jpg", contenttest.JPEG(), content.FormatJPEG, 16, 8},
		{"a.gif", contenttest.GIF(), content.FormatGIF, 12, 10},
		{"a.webp", contenttest.WebP(), content.FormatWebP, 640, 480},
		{"no-extension", contenttest.PNG(), content.FormatPNG, 40, 30},
	} {
		s := summarize(t, tc.name, tc.b)
		if s.Format != tc.format || s.Image.Width != tc.w || s.Image.Height != tc.h || s.Image.Color == "" {
			t.Errorf("%s: %q %+v", tc.name, s.Format, s.Image)
		}
	}
}

func TestZip(t *testing.T) {
	s := summarize(t, "bundle.zip", contenttest.Zip())
	z := s.Zip
	if z.Entries != 3 || len(z.Files) != 3 || z.Comment != "fixture archive" {
		t.Fatalf("zip %+v", z)
	}
	f := z.Files[1]
	if f.Name != "data/a.csv" || f.Size != uint64(len(contenttest.CSV)) || f.Method != "deflate" || f.Modified.Year() != 2024 {
		t.Errorf("entry %+v", f)
	}
	if s.Requests != 1 {
		t.Errorf("%d requests; a small zip is one read of its end", s.Requests)
	}
}

func TestZipListsWhatFitsTheBudget(t *testing.T) {
	b := contenttest.ZipMany(20000)
	s, err := content.Summarize(context.Background(), "many.zip", int64(len(b)), content.BytesRanger(b), 256<<10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Zip.Entries != 20000 || len(s.Zip.Files) != content.MaxZipEntries || s.Zip.Files[0].Name != "file-00000.txt" {
		t.Errorf("entries %d, listed %d, first %+v", s.Zip.Entries, len(s.Zip.Files), s.Zip.Files[0])
	}
	if s.BytesRead > 256<<10 {
		t.Errorf("read %d bytes, budget 256 KiB", s.BytesRead)
	}
}

func TestFlatGeobuf(t *testing.T) {
	s := summarize(t, "parcels.fgb", contenttest.FlatGeobuf(contenttest.FGBHeader))
	f := s.FlatGeobuf
	if f.Name != "parcels" || f.Title != "Parcels" || f.GeometryType != "MultiPolygon" || f.Features != 1234 || f.IndexNodeSize != 16 {
		t.Errorf("header %+v", f)
	}
	if f.CRS != "EPSG:4326" || f.EPSG != 4326 || f.CRSName != "WGS 84" || !slices.Equal(f.Envelope, []float64{-10, 40, 10, 50}) {
		t.Errorf("crs %q %d %q envelope %v", f.CRS, f.EPSG, f.CRSName, f.Envelope)
	}
	want := []content.FGBField{{Name: "id", Type: "long", Nullable: false}, {Name: "owner", Type: "string", Nullable: true}}
	if !slices.Equal(f.Columns, want) {
		t.Errorf("columns %+v", f.Columns)
	}
}

func TestPMTiles(t *testing.T) {
	p := summarize(t, "trails.pmtiles", contenttest.PMTiles()).PMTiles
	if p.TileType != "mvt" || p.Compression != "gzip" || p.MinZoom != 0 || p.MaxZoom != 14 || !p.Clustered {
		t.Errorf("header %+v", p)
	}
	if !slices.Equal(p.Bounds, []float64{-123.5, 45.25, -122, 46}) || !slices.Equal(p.Center, []float64{-122.75, 45.625, 7}) {
		t.Errorf("bounds %v center %v", p.Bounds, p.Center)
	}
	if p.Name != "Trails" || !slices.Equal(p.VectorLayers, []string{"paths", "pois"}) || p.AddressedTiles != 341 {
		t.Errorf("metadata %+v", p)
	}
}

package storetests

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

// fixtureFiles are the files every store test previews, with the format
// and a fact each preview must find.
var fixtureFiles = []struct {
	path   string
	body   func() []byte
	format content.Format
	check  func(s *content.Summary) bool
}{
	{"places.parquet", func() []byte { return contenttest.GeoParquet(2000, 500, true) }, content.FormatGeoParquet,
		func(s *content.Summary) bool { return s.Parquet.Rows == 2000 && s.Parquet.Geo.Columns[0].EPSG == 4326 }},
	{"2024/B04.tif", func() []byte {
		return contenttest.TIFF{Width: 800, Height: 800, TileSize: 256, Overviews: 2, EPSG: 32633,
			PixelSize: [2]float64{10, 10}, Origin: [2]float64{300000, 5000000}}.Bytes()
	}, content.FormatGeoTIFF,
		func(s *content.Summary) bool { return s.Raster.CloudOptimized && s.Raster.Geo.EPSG == 32633 }},
	{"tables/people.csv", func() []byte { return []byte(contenttest.CSV) }, content.FormatCSV,
		func(s *content.Summary) bool { return s.Table.Rows[0][1] == "Smith, Jane" }},
	{"README.md", func() []byte { return []byte("# Scenes\n\nSentinel-2 \x1b[31mtiles\n") }, content.FormatMarkdown,
		func(s *content.Summary) bool { return strings.Contains(s.Text.Body, `\x1b[31mtiles`) }},
	{"bundle.zip", contenttest.Zip, content.FormatZip, func(s *content.Summary) bool { return s.Zip.Entries == 3 }},
	{"parcels.fgb", func() []byte { return contenttest.FlatGeobuf(contenttest.FGBHeader) }, content.FormatFlatGeobuf,
		func(s *content.Summary) bool { return s.FlatGeobuf.Features == 1234 }},
	{"trails.pmtiles", contenttest.PMTiles, content.FormatPMTiles, func(s *content.Summary) bool { return s.PMTiles.MaxZoom == 14 }},
	{"photos/ridge.png", contenttest.PNG, content.FormatPNG, func(s *content.Summary) bool { return s.Image.Width == 40 }},
	{"photos/ridge.webp", contenttest.WebP, content.FormatWebP, func(s *content.Summary) bool { return s.Image.Height == 480 }},
}

// entries lists a folder as a browser does, by path.
func entries(t *testing.T, e *env, dir string) map[string]backend.Entry {
	t.Helper()
	page, err := e.store.ListObjects(t.Context(), repo, dir, backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]backend.Entry{}
	for _, en := range page.Items {
		out[en.Path] = en
	}
	return out
}

// infoOf is what the browser knows of a file it lists.
func infoOf(en backend.Entry) backend.ObjectInfo {
	return backend.ObjectInfo{Path: en.Path, Size: en.Size, ModTime: en.ModTime}
}

func TestPreviewEveryFormat(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		files := map[string][]byte{}
		for _, f := range fixtureFiles {
			files[f.path] = f.body()
		}
		e.put(t, files)
		p := content.New(e.store, content.Options{})
		for _, f := range fixtureFiles {
			dir, _, _ := strings.Cut(f.path, "/")
			if !strings.Contains(f.path, "/") {
				dir = ""
			}
			en, ok := entries(t, e, dir)[f.path]
			if !ok {
				t.Fatalf("%s not listed", f.path)
			}
			s, err := p.File(t.Context(), repo, infoOf(en))
			if err != nil {
				t.Errorf("%s: %v", f.path, err)
				continue
			}
			if s.Format != f.format || !f.check(s) {
				t.Errorf("%s: format %q, summary %+v", f.path, s.Format, s)
			}
		}
	})
}

func TestParquetFooterInOneRequest(t *testing.T) {
	e := newAWS(t)
	b := contenttest.GeoParquet(50000, 5000, true)
	e.put(t, map[string][]byte{"big.parquet": b})
	p := content.New(e.store, content.Options{})
	before, beforeBytes := e.proxy.Count("GetObject"), e.proxy.Bytes("GetObject")
	s, err := p.File(t.Context(), repo, backend.ObjectInfo{Path: "big.parquet", Size: int64(len(b))})
	if err != nil {
		t.Fatal(err)
	}
	gets, fetched := e.proxy.Count("GetObject")-before, e.proxy.Bytes("GetObject")-beforeBytes
	if s.Parquet.Rows != 50000 || gets != 1 || fetched > 64<<10 || fetched != s.BytesRead {
		t.Errorf("rows %d; %d GETs fetched %d bytes (summary says %d); want one GET of the last 64 KiB",
			s.Parquet.Rows, gets, fetched, s.BytesRead)
	}
	// The same version again comes from the cache: no request.
	if _, err := p.File(t.Context(), repo, backend.ObjectInfo{Path: "big.parquet", Size: int64(len(b))}); err != nil {
		t.Fatal(err)
	}
	if n := e.proxy.Count("GetObject") - before; n != 1 {
		t.Errorf("%d GETs after a second preview of the same version; want the cached summary", n)
	}
}

func TestZarrFolders(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.put(t, contenttest.ZarrV2(true).Under("ocean/sst.zarr"))
		e.put(t, contenttest.ZarrV3(false).Under("elevation.zarr"))
		e.put(t, map[string][]byte{"docs/a.md": []byte("# a\n")})
		p := content.New(e.store, content.Options{})
		s, err := p.Folder(t.Context(), repo, "ocean/sst.zarr")
		if err != nil || s == nil || s.Zarr.Version != 2 || !s.Zarr.Consolidated || len(s.Zarr.Arrays) != 2 {
			t.Errorf("v2 store: %+v, %v", s, err)
		}
		s, err = p.Folder(t.Context(), repo, "elevation.zarr")
		if err != nil || s == nil || s.Zarr.Version != 3 || len(s.Zarr.Arrays) != 1 || s.Zarr.Arrays[0].DType != "int16" {
			t.Errorf("v3 store: %+v, %v", s, err)
		}
		s, err = p.Folder(t.Context(), repo, "elevation.zarr/dem")
		if err != nil || s == nil || s.Zarr.Node != "array" {
			t.Errorf("v3 array: %+v, %v", s, err)
		}
		if s, err := p.Folder(t.Context(), repo, "docs"); s != nil || err != nil {
			t.Errorf("plain folder: %+v, %v", s, err)
		}
	})
}

func TestHostileAndMissingOnStores(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		lying := append([]byte("PAR1"), make([]byte, 100)...)
		lying = append(lying, 0xff, 0xff, 0xff, 0xff, 'P', 'A', 'R', '1')
		e.put(t, map[string][]byte{"lying.parquet": lying})
		p := content.New(e.store, content.Options{})
		_, err := p.File(t.Context(), repo, backend.ObjectInfo{Path: "lying.parquet", Size: int64(len(lying))})
		if !errors.Is(err, content.ErrMalformed) || strings.Contains(err.Error(), "\n") {
			t.Errorf("lying footer: %v", err)
		}
		// A listing that is out of date: the object is shorter than said.
		_, err = p.File(t.Context(), repo, backend.ObjectInfo{Path: "lying.parquet", Size: 5 << 20})
		if err == nil {
			t.Error("a stated size longer than the object gave no error")
		}
		_, err = p.File(t.Context(), repo, backend.ObjectInfo{Path: "gone.csv", Size: 10})
		if !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("missing object: %v", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := p.File(ctx, repo, backend.ObjectInfo{Path: "lying.parquet", Size: 1 + int64(len(lying))}); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled preview: %v", err)
		}
	})
}

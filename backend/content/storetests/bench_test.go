package storetests

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
	"github.com/coopterm/coop/backend/content/render"
)

// BenchmarkPreview1GiB previews a 1 GiB GeoParquet file and a 1 GiB
// cloud-optimized GeoTIFF on versitygw through the counting proxy, with a
// fresh Previewer each time (no cache): the bytes and requests of each
// preview come from the proxy, the time is from the request to the lines
// of the content section drawn.
//
//	go test ./backend/content/storetests -run '^$' -bench Preview1GiB -benchtime 20x
func BenchmarkPreview1GiB(b *testing.B) {
	e := newAWS(b)
	pq := filepath.Join(b.TempDir(), "big.parquet")
	f, err := os.Create(pq)
	if err != nil {
		b.Fatal(err)
	}
	if err := contenttest.LargeParquet(f, 1<<30); err != nil {
		b.Fatal(err)
	}
	pqSize, _ := f.Seek(0, 1)
	if _, err := f.Seek(0, 0); err != nil {
		b.Fatal(err)
	}
	e.putReader(b, "big.parquet", pqSize, f)
	f.Close()
	cog := contenttest.TIFF{Width: 14336, Height: 14336, Bands: 4, TileSize: 512, Overviews: 5, EPSG: 32633,
		PixelSize: [2]float64{10, 10}, Origin: [2]float64{300000, 5200000}}
	cogSize, r := cog.Build()
	e.putReader(b, "big.tif", cogSize, r)

	for _, tc := range []struct {
		name string
		info backend.ObjectInfo
		want content.Format
	}{
		{"parquet", backend.ObjectInfo{Path: "big.parquet", Size: pqSize}, content.FormatGeoParquet},
		{"cog", backend.ObjectInfo{Path: "big.tif", Size: cogSize}, content.FormatGeoTIFF},
	} {
		b.Run(tc.name, func(b *testing.B) {
			gets, got := e.proxy.Count("GetObject"), e.proxy.Bytes("GetObject")
			var slowest time.Duration
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				s, err := content.New(e.store, content.Options{}).File(context.Background(), repo, tc.info)
				if err != nil {
					b.Fatal(err)
				}
				if s.Format != tc.want {
					b.Fatalf("format %q", s.Format)
				}
				_ = render.Lines(context.Background(), s, render.Options{Width: 80, Color: true, Dark: true})
				slowest = max(slowest, time.Since(start))
			}
			n := float64(b.N)
			b.ReportMetric(float64(e.proxy.Bytes("GetObject")-got)/n, "bytes/preview")
			b.ReportMetric(float64(e.proxy.Count("GetObject")-gets)/n, "requests/preview")
			b.ReportMetric(float64(slowest.Microseconds())/1000, "slowest-ms")
			b.ReportMetric(float64(tc.info.Size), "object-bytes")
		})
	}
}

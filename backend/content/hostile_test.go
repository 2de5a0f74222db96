package content_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/coopterm/coop/backend/content"
	"github.com/coopterm/coop/backend/content/contenttest"
)

// fixtures are one file of every format, by name.
func fixtures() map[string][]byte {
	return map[string][]byte{
		"places.parquet": contenttest.GeoParquet(200, 50, true),
		"scene.tif": contenttest.TIFF{Width: 600, Height: 400, TileSize: 128, Overviews: 2, EPSG: 32610,
			PixelSize: [2]float64{30, 30}, Origin: [2]float64{400000, 4500000}, Citation: "UTM 10N"}.Bytes(),
		"big.tif":        contenttest.TIFF{Width: 300, Height: 200, TileSize: 64, BigTIFF: true, Overviews: 1}.Bytes(),
		"strips.tif":     contenttest.TIFF{Width: 30, Height: 20}.Bytes(),
		"bundle.zip":     contenttest.Zip(),
		"parcels.fgb":    contenttest.FlatGeobuf(contenttest.FGBHeader),
		"trails.pmtiles": contenttest.PMTiles(),
		"a.png":          contenttest.PNG(),
		"a.jpg":          contenttest.JPEG(),
		"a.gif":          contenttest.GIF(),
		"a.webp":         contenttest.WebP(),
		"a.csv":          []byte(contenttest.CSV),
		"a.json":         []byte(`{"a":[1,2,{"b":null}]}`),
		"zarr.json":      contenttest.ZarrV3(true)["zarr.json"],
		".zmetadata":     contenttest.ZarrV2(true)[".zmetadata"],
		".zarray":        contenttest.ZarrV2(false)["sst/.zarray"],
	}
}

// checkOneLine fails if err is not one printable line.
func checkOneLine(t *testing.T, what string, err error) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r\x1b") || len(msg) > 300 {
		t.Errorf("%s: error is not one short line: %q", what, msg)
	}
}

// summarizeBounded previews b as name of the given stated size and fails
// the test if the preview does not end (a minute is far more than any
// preview takes, even on a loaded machine under the race detector).
func summarizeBounded(t *testing.T, name string, b []byte, size, budget int64) (*content.Summary, error) {
	t.Helper()
	type result struct {
		s   *content.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := content.Summarize(context.Background(), name, size, content.BytesRanger(b), budget)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(time.Minute):
		t.Fatalf("%s (%d of %d bytes): the preview did not end", name, len(b), size)
		return nil, nil
	}
}

// TestTruncatedAndLyingFiles cuts every fixture at many lengths, and
// states it either at the cut length (a truncated file) or at its full
// length (a listing that lies about the size): every preview ends
// quickly, in a summary or a one-line error, never a panic.
func TestTruncatedAndLyingFiles(t *testing.T) {
	for name, b := range fixtures() {
		step := max(1, len(b)/97)
		for cut := 0; cut < len(b); cut += step {
			for _, size := range []int64{int64(cut), int64(len(b))} {
				_, err := summarizeBounded(t, name, b[:cut], size, 0)
				if err != nil {
					checkOneLine(t, fmt.Sprintf("%s cut at %d stated %d", name, cut, size), err)
				}
			}
		}
	}
}

// parquetWith wraps a footer in a Parquet file's ending.
func parquetWith(footer []byte, claimed uint32) []byte {
	b := append([]byte("PAR1"), footer...)
	b = binary.LittleEndian.AppendUint32(b, claimed)
	return append(b, "PAR1"...)
}

// allocated runs fn and returns the bytes it allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostileParquetFooters(t *testing.T) {
	for _, tc := range []struct {
		name  string
		b     []byte
		size  int64
		isErr error
		want  string
	}{
		{"footer claims 4 GiB", parquetWith([]byte{0x15, 0x02, 0}, 0xffffffff), 0, content.ErrMalformed, "footer claims 4.0 GiB"},
		{"footer over the budget", parquetWith(make([]byte, 3<<20), 3<<20), 0, content.ErrBudget, "more than the 1.0 MiB"},
		// A schema list claiming 2^31-1 structs in a 7-byte footer.
		{"list of two billion", parquetWith([]byte{0x29, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0}, 8), 0, content.ErrMalformed, "footer is not valid"},
		// created_by claiming a 2 GiB string.
		{"string of 2 GiB", parquetWith([]byte{0x68, 0xff, 0xff, 0xff, 0xff, 0x07, 0}, 7), 0, content.ErrMalformed, "footer is not valid"},
		{"deep nesting", parquetWith(append([]byte(strings.Repeat("\x1c", 100)), make([]byte, 101)...), 201), 0, content.ErrMalformed, "nested too deeply"},
		{"no magic", []byte("PAR1 just some bytes, not parquet at all"), 0, content.ErrMalformed, "no PAR1"},
		{"encrypted", append(parquetWith([]byte{0}, 1)[:9], "PARE"...), 0, content.ErrMalformed, "encrypted"},
		// root (2 children) → g (1 child) → x, and no second child of root.
		{"schema ends inside a group", parquetWith([]byte{0x29, 0x3c, 0x48, 0x01, 'r', 0x15, 0x04, 0x00, 0x48, 0x01, 'g', 0x15, 0x02, 0x00,
			0x15, 0x02, 0x38, 0x01, 'x', 0x00, 0x00}, 21), 0, content.ErrMalformed, "ends inside a group"},
		{"schema child count lies", parquetWith([]byte{0x29, 0x1c, 0x48, 0x01, 'r', 0x15, 0x14, 0x00, 0x00}, 9), 0, content.ErrMalformed, "claims 10 children"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size == 0 {
				size = int64(len(tc.b))
			}
			var err error
			n := allocated(func() { _, err = summarizeBounded(t, "x.parquet", tc.b, size, 0) })
			if !errors.Is(err, tc.isErr) || !strings.Contains(fmt.Sprint(err), tc.want) {
				t.Fatalf("err %v; want %v containing %q", err, tc.isErr, tc.want)
			}
			checkOneLine(t, tc.name, err)
			if limit := uint64(len(tc.b)) + 4<<20; n > limit {
				t.Errorf("allocated %d bytes for a %d-byte file", n, len(tc.b))
			}
		})
	}
}

// tiffWith builds a classic little-endian TIFF from raw IFD bytes at 8.
func tiffWith(ifd []byte) []byte {
	return append([]byte("II*\x00\x08\x00\x00\x00"), ifd...)
}

// ifdEntry encodes a classic IFD entry of one LONG value.
func ifdEntry(tag uint16, typ uint16, count, value uint32) []byte {
	b := binary.LittleEndian.AppendUint16(nil, tag)
	b = binary.LittleEndian.AppendUint16(b, typ)
	b = binary.LittleEndian.AppendUint32(b, count)
	return binary.LittleEndian.AppendUint32(b, value)
}

func TestHostileTIFFs(t *testing.T) {
	entries := func(next uint32, es ...[]byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, uint16(len(es)))
		for _, e := range es {
			b = append(b, e...)
		}
		return binary.LittleEndian.AppendUint32(b, next)
	}
	size := [][]byte{ifdEntry(256, 4, 1, 10), ifdEntry(257, 4, 1, 10)}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"IFD loop to itself", tiffWith(entries(8, size...)), "loops back to byte 8"},
		{"IFD loop of two", append(tiffWith(entries(38, size...)), entries(8, size...)...), "loops back to byte 8"},
		{"65535 entries", tiffWith(append([]byte{0xff, 0xff}, make([]byte, 64)...)), "65535 entries"},
		{"IFD past the end", []byte("II*\x00\xff\xff\xff\x00"), "past its end"},
		{"no image size", tiffWith(entries(0, ifdEntry(259, 3, 1, 1))), "no width or height"},
		{"tile offsets past the end", tiffWith(entries(0, append(size, ifdEntry(322, 3, 1, 16), ifdEntry(323, 3, 1, 16),
			ifdEntry(324, 4, 1<<30, 100))...)), "past the end of the file"},
		{"not a TIFF", []byte("IX*\x00\x08\x00\x00\x00\x00\x00"), "not a TIFF"},
		{"big count BigTIFF", append([]byte("II+\x00\x08\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00"), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), "entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := summarizeBounded(t, "x.tif", tc.b, int64(len(tc.b)), 0)
			if !errors.Is(err, content.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v; want malformed, %q", err, tc.want)
			}
			checkOneLine(t, tc.name, err)
		})
	}
}

func TestHostileHeaders(t *testing.T) {
	fgb := contenttest.FlatGeobuf(contenttest.FGBHeader)
	lyingFGB := append([]byte(nil), fgb...)
	binary.LittleEndian.PutUint32(lyingFGB[8:], 0xfffffff0)
	badOffset := append([]byte(nil), fgb...)
	binary.LittleEndian.PutUint32(badOffset[12:], 0x7ffffff0) // the root table offset
	zipb := contenttest.Zip()
	lyingZip := append([]byte(nil), zipb...)
	binary.LittleEndian.PutUint32(lyingZip[len(lyingZip)-22-len("fixture archive")+16:], 0x7fffffff) // central directory offset
	for _, tc := range []struct {
		name string
		file string
		b    []byte
		want string
	}{
		{"fgb header size", "x.fgb", lyingFGB, "more than the file holds"},
		{"fgb root offset", "x.fgb", badOffset, "outside the header"},
		{"fgb magic", "x.fgb", []byte("fgb\x02fgb\x00\x00\x00\x00\x00"), "no fgb3 magic"},
		{"zip directory offset", "x.zip", lyingZip, "not inside the file"},
		{"zip without end", "x.zip", []byte(strings.Repeat("PK", 40)), "no end of central directory"},
		{"pmtiles version", "x.pmtiles", append([]byte("PMTiles\x02"), make([]byte, 200)...), "version 2"},
		{"png header", "x.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\xff\xff"), "not a valid png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := summarizeBounded(t, tc.file, tc.b, int64(len(tc.b)), 0)
			if !errors.Is(err, content.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v; want malformed, %q", err, tc.want)
			}
			checkOneLine(t, tc.name, err)
		})
	}
}

// TestBudgetIsKept previews large files of every kind with a small
// budget: what was fetched never exceeds it.
func TestBudgetIsKept(t *testing.T) {
	big := contenttest.TIFF{Width: 2048, Height: 2048, TileSize: 8, Overviews: 1}.Bytes()
	for name, b := range map[string][]byte{
		"tiny-tiles.tif": big, "long.txt": []byte(strings.Repeat("text\n", 100000)),
		"many.zip": contenttest.ZipMany(5000), "places.parquet": contenttest.GeoParquet(10, 10, true, parquet.KeyValueMetadata("big", strings.Repeat("x", 200<<10))),
	} {
		ranger := &countingRanger{b: b}
		s, err := content.Summarize(context.Background(), name, int64(len(b)), ranger, 64<<10)
		if ranger.n > 64<<10 {
			t.Errorf("%s: fetched %d bytes with a 64 KiB budget", name, ranger.n)
		}
		if err != nil && !errors.Is(err, content.ErrBudget) {
			t.Errorf("%s: %v", name, err)
		}
		if s != nil && s.BytesRead != ranger.n {
			t.Errorf("%s: summary says %d bytes read, %d were", name, s.BytesRead, ranger.n)
		}
	}
}

type countingRanger struct {
	b []byte
	n int64
}

func (c *countingRanger) ReadRange(ctx context.Context, off, n int64) ([]byte, error) {
	b, err := content.BytesRanger(c.b).ReadRange(ctx, off, n)
	c.n += int64(len(b))
	return b, err
}

func TestCancelledPreviewStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := contenttest.GeoParquet(10, 10, true)
	_, err := content.Summarize(ctx, "x.parquet", int64(len(b)), content.BytesRanger(b), 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v; want context.Canceled", err)
	}
}

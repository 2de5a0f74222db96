package contenttest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"time"
)

// CSV has quoted fields holding the delimiter, a doubled quote and a
// newline: a reader that splits on commas gets it wrong.
const CSV = "id,name,note,amount\n" +
	"1,\"Smith, Jane\",\"said \"\"hi\"\"\",12.5\n" +
	"2,Bob,\"two\nlines\",7\n" +
	"3,\"Ünïcode\",plain,0\n"

// SemicolonCSV is a European-style CSV: semicolons, decimal commas.
const SemicolonCSV = "station;temp;rain\nA;12,5;0,0\nB;13,1;2,4\nC;11,0;0,7\n"

// TSV is tab-separated.
const TSV = "gene\tchrom\tstart\nBRCA1\t17\t43044295\nTP53\t17\t7661779\n"

// Zip is an archive of three files, one in a folder, with a comment.
func Zip() []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	mod := time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC)
	for _, f := range []struct {
		name   string
		body   string
		method uint16
	}{
		{"README.md", "# Data\n", zip.Store},
		{"data/a.csv", CSV, zip.Deflate},
		{"data/b.csv", SemicolonCSV, zip.Deflate},
	} {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.name, Method: f.method, Modified: mod})
		if err != nil {
			panic(err)
		}
		_, _ = fw.Write([]byte(f.body))
	}
	_ = w.SetComment("fixture archive")
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// ZipMany is an archive of n empty files named file-00000.txt…, stored
// (a compressor per entry would make a big one slow to write).
func ZipMany(n int) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for i := range n {
		if _, err := w.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("file-%05d.txt", i), Method: zip.Store}); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PNG is a 40×30 RGBA image.
func PNG() []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 40, 30)))
	return buf.Bytes()
}

// JPEG is a 16×8 grayscale image.
func JPEG() []byte {
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 8)), nil)
	return buf.Bytes()
}

// GIF is a 12×10 image on the Plan 9 palette.
func GIF() []byte {
	var buf bytes.Buffer
	_ = gif.Encode(&buf, image.NewPaletted(image.Rect(0, 0, 12, 10), palette.Plan9), nil)
	return buf.Bytes()
}

// WebP is the header of a 640×480 extended WebP with alpha (a VP8X
// chunk): all DecodeConfig reads.
func WebP() []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00")
	b = append(b, 0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00) // 639, 479 as 24-bit
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

// PMTiles is a PMTiles v3 archive: a header, a root directory and gzipped
// JSON metadata, then a few bytes standing for tiles.
func PMTiles() []byte {
	var meta bytes.Buffer
	zw := gzip.NewWriter(&meta)
	_, _ = zw.Write([]byte(`{"name":"Trails","attribution":"© contributors","vector_layers":[{"id":"paths"},{"id":"pois"}]}`))
	_ = zw.Close()
	h := make([]byte, 127)
	copy(h, "PMTiles")
	h[7] = 3
	le := binary.LittleEndian
	rootLen := uint64(10)
	le.PutUint64(h[8:], 127)
	le.PutUint64(h[16:], rootLen)
	le.PutUint64(h[24:], 127+rootLen)
	le.PutUint64(h[32:], uint64(meta.Len()))
	tiles := 127 + rootLen + uint64(meta.Len())
	le.PutUint64(h[40:], tiles)
	le.PutUint64(h[56:], tiles)
	le.PutUint64(h[64:], 64)
	le.PutUint64(h[72:], 341)
	le.PutUint64(h[80:], 300)
	le.PutUint64(h[88:], 280)
	h[96], h[97], h[98], h[99], h[100], h[101] = 1, 2, 2, 1, 0, 14
	e7 := func(v float64) uint32 { return uint32(int32(math.Round(v * 1e7))) }
	le.PutUint32(h[102:], e7(-123.5))
	le.PutUint32(h[106:], e7(45.25))
	le.PutUint32(h[110:], e7(-122))
	le.PutUint32(h[114:], e7(46))
	h[118] = 7
	le.PutUint32(h[119:], e7(-122.75))
	le.PutUint32(h[123:], e7(45.625))
	out := append(h, make([]byte, rootLen)...)
	out = append(out, meta.Bytes()...)
	return append(out, make([]byte, 64)...)
}

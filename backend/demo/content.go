package demo

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"hash/fnv"
	"strings"
)

// content makes a small file body whose bytes MIME detection recognises
// as the named kind; seed makes bodies differ between files.
func content(kind, seed string) []byte {
	h := fnv.New32a()
	h.Write([]byte(seed))
	n := h.Sum32()
	switch kind {
	case "markdown":
		return fmt.Appendf(nil, "# %s\n\nThis file is part of the coop demo store.\n\n- item %d\n- item %d\n", seed, n%97, n%89)
	case "json":
		return fmt.Appendf(nil, "{\"name\": %q, \"seed\": %d, \"values\": [1, 2, 3]}\n", seed, n)
	case "reading":
		return fmt.Appendf(nil, "{\"sensor\": \"s-%02d\", \"t\": %d, \"value\": %d.%02d}\n", n%40, 1700000000+n%10000000, n%50, n%100)
	case "geojson":
		return fmt.Appendf(nil, `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-105.%d,40.%d]},"properties":{"name":%q}}]}`, n%1000, n%1000, seed)
	case "csv":
		var b strings.Builder
		b.WriteString("station,lat,lon,elevation_m\n")
		for i := range 20 {
			fmt.Fprintf(&b, "st-%02d,40.%04d,-105.%04d,%d\n", i, (n+uint32(i))%10000, (n*7+uint32(i))%10000, 1500+i*13)
		}
		return []byte(b.String())
	case "text":
		return []byte(strings.Repeat("Q: Where did you first see the snowpack change?\nA: Up by the ridge, in late March.\n", 8))
	case "xml":
		return fmt.Appendf(nil, "<?xml version=\"1.0\"?>\n<metadata><scene>%s</scene></metadata>\n", seed)
	case "pdf":
		return fmt.Appendf(nil, "%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%% %s\ntrailer << /Root 1 0 R >>\n%%%%EOF\n", seed)
	case "png":
		return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"), bytes.Repeat([]byte{byte(n)}, 64)...)
	case "tiff":
		return append([]byte("II*\x00\x08\x00\x00\x00"), bytes.Repeat([]byte{byte(n), byte(n >> 8)}, 256)...)
	case "zip":
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		if w, err := zw.Create("ridge-notes.txt"); err == nil {
			fmt.Fprintf(w, "photos of the ridge, %s\n", seed)
		}
		_ = zw.Close()
		return b.Bytes()
	case "parquet":
		return append(append([]byte("PAR1"), bytes.Repeat([]byte{byte(n)}, 128)...), []byte("PAR1")...)
	case "gzip":
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		fmt.Fprintf(zw, "time,wtmp,wvht\n2024-01-01T00:00Z,%d.1,1.%d\n", n%20, n%9)
		_ = zw.Close()
		return b.Bytes()
	}
	return []byte(seed)
}

package backend

import "testing"

func TestDetectContentType(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for _, c := range []struct {
		head []byte
		path string
		want string
	}{
		{png, "photos/a.txt", "image/png"},                                // content wins over the name
		{[]byte("hello"), "code/a.js", "text/javascript; charset=utf-8"},  // plain text: the extension says more
		{[]byte("hello"), "notes/a.zzz", "text/plain; charset=utf-8"},     // unknown extension: the content's type
		{[]byte("# Notes\n"), "notes.md", "text/markdown; charset=utf-8"}, // coop's table, not the machine's mime.types
		{[]byte("hello"), "t.CSV", "text/csv; charset=utf-8"},
		{[]byte{0, 1, 2}, "x.parquet", "application/vnd.apache.parquet"},
		{[]byte{0, 1, 2}, "scene.NC", "application/x-netcdf"},
		{[]byte{0, 1, 2}, "a.bin", "application/octet-stream"}, // not the machine's mime.types either
		{nil, "empty.dat", "text/plain"},
	} {
		if got := DetectContentType(c.head, c.path); got != c.want {
			t.Errorf("DetectContentType(%q, %q) = %q, want %q", c.head, c.path, got, c.want)
		}
	}
}

func TestGenericContentType(t *testing.T) {
	for ct, want := range map[string]bool{
		"": true, "binary/octet-stream": true, "application/octet-stream": true,
		"text/plain": false, "image/png": false,
	} {
		if got := GenericContentType(ct); got != want {
			t.Errorf("GenericContentType(%q) = %v, want %v", ct, got, want)
		}
	}
}

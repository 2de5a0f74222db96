package backend

import (
	"mime"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// SniffLen is how much of an object's head decides its content type.
const SniffLen = 3072

// DetectContentType names the MIME type of the object at p from its first
// bytes (up to SniffLen), falling back to p's extension when the content
// says nothing more specific than binary data or plain text. It is the
// one place every store, the repair and the demo name content types, so
// an object gets the same type whichever store holds it.
func DetectContentType(head []byte, p string) string {
	m := mimetype.Detect(head).String()
	if m == "application/octet-stream" || strings.HasPrefix(m, "text/plain") {
		if byExt := typeByExtension(path.Ext(p)); byExt != "" {
			return byExt
		}
	}
	return m
}

// typeByExtension names a type by extension: the formats a data platform
// holds from coop's own table, so that their type does not depend on the
// machine's mime.types, then the standard library's.
func typeByExtension(ext string) string {
	switch strings.ToLower(ext) {
	case ".md", ".markdown":
		return "text/markdown; charset=utf-8"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".tsv", ".tab":
		return "text/tab-separated-values; charset=utf-8"
	case ".geojson":
		return "application/geo+json"
	case ".parquet", ".geoparquet":
		return "application/vnd.apache.parquet"
	case ".tif", ".tiff":
		return "image/tiff"
	case ".yaml", ".yml":
		return "application/yaml"
	case ".toml":
		return "application/toml"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return mime.TypeByExtension(ext)
}

// GenericContentType reports whether a content type a store gave says
// nothing: none, or the generic type S3 servers answer for objects stored
// without one.
func GenericContentType(ct string) bool {
	return ct == "" || ct == "binary/octet-stream" || ct == "application/octet-stream"
}

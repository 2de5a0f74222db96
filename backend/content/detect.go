package content

import (
	"bytes"
	"path"
	"strings"

	"github.com/coopterm/coop/backend/content/highlight"
)

// byExtension maps a lower-case extension to its format.
var byExtension = map[string]Format{
	".txt": FormatText, ".text": FormatText, ".log": FormatText,
	".md": FormatMarkdown, ".markdown": FormatMarkdown,
	".json": FormatJSON, ".jsonld": FormatJSON, ".ipynb": FormatJSON,
	".geojson": FormatGeoJSON,
	".yaml":    FormatYAML, ".yml": FormatYAML,
	".toml": FormatTOML,
	".csv":  FormatCSV,
	".tsv":  FormatTSV, ".tab": FormatTSV,
	".parquet": FormatParquet, ".pq": FormatParquet, ".geoparquet": FormatParquet,
	".tif": FormatTIFF, ".tiff": FormatTIFF, ".gtiff": FormatTIFF,
	".png": FormatPNG,
	".jpg": FormatJPEG, ".jpeg": FormatJPEG,
	".gif":  FormatGIF,
	".webp": FormatWebP,
	".zip":  FormatZip, ".kmz": FormatZip,
	".fgb":     FormatFlatGeobuf,
	".pmtiles": FormatPMTiles,
}

// byName maps whole file names that say their format without an
// extension.
var byName = map[string]Format{
	"readme": FormatText, "license": FormatText, "licence": FormatText, "copying": FormatText,
	"notice": FormatText, "authors": FormatText, "changelog": FormatText,
	".zarray": FormatZarr, ".zmetadata": FormatZarr, ".zattrs": FormatJSON, ".zgroup": FormatJSON,
	"zarr.json": FormatZarr, "cmakelists.txt": FormatCode,
}

// fromName detects a format from a file name alone: a known name, a known
// extension, or a name coop highlights as code (FormatCode). "" when the
// name says nothing.
func fromName(name string) Format {
	base := strings.ToLower(path.Base(name))
	if f, ok := byName[base]; ok {
		return f
	}
	if f, ok := byExtension[path.Ext(base)]; ok {
		return f
	}
	if highlight.Match(base) != "" {
		return FormatCode
	}
	return ""
}

// magic is a signature at the start of a file.
type magic struct {
	prefix []byte
	format Format
}

var magics = []magic{
	{[]byte("PAR1"), FormatParquet},
	{[]byte("II*\x00"), FormatTIFF},
	{[]byte("MM\x00*"), FormatTIFF},
	{[]byte("II+\x00"), FormatTIFF},
	{[]byte("MM\x00+"), FormatTIFF},
	{[]byte("\x89PNG\r\n\x1a\n"), FormatPNG},
	{[]byte("\xff\xd8\xff"), FormatJPEG},
	{[]byte("GIF87a"), FormatGIF},
	{[]byte("GIF89a"), FormatGIF},
	{[]byte("PK\x03\x04"), FormatZip},
	{[]byte("PK\x05\x06"), FormatZip},
	{[]byte("fgb\x03"), FormatFlatGeobuf},
	{[]byte("PMTiles\x03"), FormatPMTiles},
}

// fromMagic detects a format from a file's first bytes; "" if none
// matches.
func fromMagic(head []byte) Format {
	for _, m := range magics {
		if bytes.HasPrefix(head, m.prefix) {
			return m.format
		}
	}
	if len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP" {
		return FormatWebP
	}
	return ""
}

// isText reports whether a file's first bytes look like text: no NUL
// byte, and few bytes that are neither printable nor common white space.
// Invalid UTF-8 alone does not make a file binary (Latin-1 text is still
// text, shown escaped).
func isText(head []byte) bool {
	if len(head) > 8<<10 {
		head = head[:8<<10]
	}
	odd := 0
	for _, c := range head {
		switch {
		case c == 0:
			return false
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b:
			odd++
		}
	}
	return odd*20 <= len(head)
}

package content

// Format names what a file holds, as `coop stat --json` spells it.
type Format string

// The formats this package knows. A format with a reader has a field of
// its own in Summary; the text formats share Summary.Text.
const (
	FormatEmpty      Format = "empty"
	FormatText       Format = "text"
	FormatMarkdown   Format = "markdown"
	FormatJSON       Format = "json"
	FormatGeoJSON    Format = "geojson"
	FormatYAML       Format = "yaml"
	FormatTOML       Format = "toml"
	FormatCode       Format = "code"
	FormatCSV        Format = "csv"
	FormatTSV        Format = "tsv"
	FormatParquet    Format = "parquet"
	FormatGeoParquet Format = "geoparquet"
	FormatTIFF       Format = "tiff"
	FormatGeoTIFF    Format = "geotiff"
	FormatZarr       Format = "zarr"
	FormatPNG        Format = "png"
	FormatJPEG       Format = "jpeg"
	FormatGIF        Format = "gif"
	FormatWebP       Format = "webp"
	FormatZip        Format = "zip"
	FormatFlatGeobuf Format = "flatgeobuf"
	FormatPMTiles    Format = "pmtiles"
	// FormatBinary is content that is not text, in no format known here.
	FormatBinary Format = "binary"
)

// Summary is what a preview found: the format, and the one field that
// describes it. A Summary may be shared through the cache: treat it as
// read-only.
type Summary struct {
	Format Format `json:"format"`
	// Size is the object's size in bytes (a folder's: 0).
	Size int64 `json:"size"`
	// MIME names binary content of no known format, as detected from its
	// first bytes ("application/x-hdf5").
	MIME string `json:"mime,omitempty"`

	Text       *Text       `json:"text,omitempty"`
	Table      *Table      `json:"table,omitempty"`
	Parquet    *Parquet    `json:"parquet,omitempty"`
	Raster     *Raster     `json:"raster,omitempty"`
	Zarr       *Zarr       `json:"zarr,omitempty"`
	Image      *Image      `json:"image,omitempty"`
	Zip        *Zip        `json:"zip,omitempty"`
	FlatGeobuf *FlatGeobuf `json:"flatgeobuf,omitempty"`
	PMTiles    *PMTiles    `json:"pmtiles,omitempty"`

	Stats
}

// Text is the beginning of a text file, made safe to print: control
// characters and invalid UTF-8 shown escaped, tabs expanded.
type Text struct {
	// Body is the text read (at most 64 KiB), ending at a whole line
	// when the file goes on; a JSON document that parsed whole is
	// re-indented.
	Body string `json:"body"`
	// Language is the syntax to highlight it with: a language of package
	// highlight (its names are chroma's: "Go", "Python"),
	// or "" for none.
	Language string `json:"language,omitempty"`
	// Lines counts Body's lines.
	Lines int `json:"lines"`
	// Truncated is set when the file goes on past Body.
	Truncated bool `json:"truncated,omitempty"`
	// Pretty is set when Body is JSON re-indented.
	Pretty bool `json:"pretty,omitempty"`
	// Escaped counts the bytes shown escaped (control characters,
	// invalid UTF-8).
	Escaped int `json:"escaped,omitempty"`
}

// Table is the start of a CSV or TSV file.
type Table struct {
	// Delimiter is the field separator found: ",", ";", "\t" or "|".
	Delimiter string `json:"delimiter"`
	// Columns is the header's field count (the widest row's, if wider).
	Columns int `json:"columns"`
	// Header is the first row; Rows the ones after it that were read.
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
	// Truncated is set when the file goes on past Rows.
	Truncated bool `json:"truncated,omitempty"`
}

// Image is what an image's header says.
type Image struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Color  string `json:"color_model"`
}

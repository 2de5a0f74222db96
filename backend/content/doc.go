// Package content tells what is inside an object — the columns and row
// count of a Parquet file, the size, bands and projection of a GeoTIFF,
// the shape of a Zarr array, the first lines of a text — from a few
// ranged reads, without downloading it.
//
// A format is detected from the name's extension, then from magic bytes.
// Each format has a small reader that asks only for the bytes it needs
// (a Parquet footer, a TIFF's IFDs, a zip's central directory) through
// Ranger, the one interface over the store's ranged GET. Every preview
// has a byte budget (Options.MaxBytes, 1 MiB by default); a file that
// would need more, or that lies about its own layout, gives a one-line
// error, never a hang, a panic or unbounded memory. Previewer caches
// summaries per object version.
//
// The package reads and describes; it draws nothing. Summary is plain
// data, for the browser's content section and `coop stat --json`; the
// render subpackage turns it into lines for a terminal.
package content

package content

import (
	"fmt"
	"strings"
)

// Raster is what a TIFF's header IFDs say about its image.
type Raster struct {
	Width  uint64 `json:"width"`
	Height uint64 `json:"height"`
	Bands  uint64 `json:"bands"`
	// SampleType is the type of one sample: "uint8", "int16",
	// "float32"; "mixed" if the bands differ.
	SampleType  string `json:"sample_type"`
	Compression string `json:"compression"`
	Photometric string `json:"photometric,omitempty"`
	// Interleave is "pixel" (samples of a pixel together) or "band".
	Interleave   string `json:"interleave,omitempty"`
	Tiled        bool   `json:"tiled"`
	TileWidth    uint64 `json:"tile_width,omitempty"`
	TileHeight   uint64 `json:"tile_height,omitempty"`
	RowsPerStrip uint64 `json:"rows_per_strip,omitempty"`
	// Overviews are the reduced-resolution images, largest first.
	Overviews []Level `json:"overviews"`
	Masks     int     `json:"masks,omitempty"`
	// Pages counts full-resolution images after the first (a
	// multi-page TIFF).
	Pages   int  `json:"pages,omitempty"`
	BigTIFF bool `json:"bigtiff,omitempty"`
	// CloudOptimized is set when the file is tiled and its IFDs come
	// before the image data, so a reader gets the layout in one read and
	// any tile in one more; Layout says why it is or is not.
	CloudOptimized bool   `json:"cloud_optimized"`
	Layout         string `json:"layout"`
	NoData         string `json:"nodata,omitempty"`
	// The georeferencing, when the file has GeoKeys or a model
	// transformation.
	Geo *GeoReference `json:"geo,omitempty"`
}

// Level is one overview.
type Level struct {
	Width  uint64 `json:"width"`
	Height uint64 `json:"height"`
}

// GeoReference is a GeoTIFF's coordinate system and placement.
type GeoReference struct {
	// EPSG is the CRS's EPSG code (0 if user-defined or absent).
	EPSG int `json:"epsg,omitempty"`
	// CRS names the coordinate system ("WGS 84 / UTM zone 33N").
	CRS string `json:"crs,omitempty"`
	// Model is "projected", "geographic" or "geocentric".
	Model string `json:"model,omitempty"`
	// PixelIsPoint is set when coordinates are of pixel centres.
	PixelIsPoint bool `json:"pixel_is_point,omitempty"`
	// PixelSize is [x, y] in CRS units; y is negative for north-up images.
	PixelSize []float64 `json:"pixel_size,omitempty"`
	// Origin is the upper-left corner, [x, y].
	Origin []float64 `json:"origin,omitempty"`
	// Bounds is [min x, min y, max x, max y].
	Bounds []float64 `json:"bounds,omitempty"`
}

var compressions = map[uint64]string{
	1: "none", 2: "CCITT RLE", 3: "CCITT G3", 4: "CCITT G4", 5: "LZW", 6: "old JPEG", 7: "JPEG", 8: "Deflate",
	32773: "PackBits", 32946: "Deflate", 34676: "SGILog", 34712: "JPEG 2000", 34887: "LERC", 34925: "LZMA",
	50000: "ZSTD", 50001: "WebP", 50002: "JPEG XL", 52546: "JPEG XL",
}

var photometrics = map[uint64]string{
	0: "min-is-white", 1: "min-is-black", 2: "RGB", 3: "palette", 4: "mask", 5: "CMYK", 6: "YCbCr", 8: "CIELab",
}

// readTIFF summarises a TIFF, GeoTIFF or cloud-optimized GeoTIFF from its
// header and IFDs.
func readTIFF(r *reader) (*Summary, error) {
	t, err := openTIFF(r)
	if err != nil {
		return nil, err
	}
	dirs, err := t.ifds()
	if err != nil {
		return nil, err
	}
	main := dirs[0]
	ras, err := t.image(main)
	if err != nil {
		return nil, err
	}
	ras.BigTIFF = t.big
	ras.Overviews = []Level{}
	allTiled := ras.Tiled
	for _, d := range dirs[1:] {
		kind, err := t.uint(d, tagNewSubfileType, 0)
		if err != nil {
			return nil, err
		}
		w, err := t.uint(d, tagImageWidth, 0)
		if err != nil {
			return nil, err
		}
		h, err := t.uint(d, tagImageLength, 0)
		if err != nil {
			return nil, err
		}
		switch {
		case kind&4 != 0:
			ras.Masks++
		case kind&1 != 0:
			ras.Overviews = append(ras.Overviews, Level{Width: w, Height: h})
		default:
			ras.Pages++
		}
		if _, tiled := d.entries[tagTileWidth]; !tiled {
			allTiled = false
		}
	}
	if err := t.layout(ras, dirs, allTiled); err != nil {
		return nil, err
	}
	if ras.NoData, err = t.ascii(main, tagGDALNoData, 64); err != nil {
		return nil, err
	}
	if ras.Geo, err = t.geoReference(main, ras.Width, ras.Height); err != nil {
		return nil, err
	}
	s := &Summary{Format: FormatTIFF, Size: r.size, Raster: ras}
	if ras.Geo != nil {
		s.Format = FormatGeoTIFF
	}
	return s, nil
}

// image describes one full-resolution IFD.
func (t *tiffFile) image(d ifd) (*Raster, error) {
	var ras Raster
	var err error
	get := func(tag uint16, def uint64) uint64 {
		if err != nil {
			return def
		}
		var v uint64
		v, err = t.uint(d, tag, def)
		return v
	}
	ras.Width, ras.Height = get(tagImageWidth, 0), get(tagImageLength, 0)
	ras.Bands = get(tagSamplesPerPixel, 1)
	comp, photo, planar := get(tagCompression, 1), get(tagPhotometric, 1<<32), get(tagPlanarConfig, 1)
	ras.TileWidth, ras.TileHeight = get(tagTileWidth, 0), get(tagTileLength, 0)
	if err != nil {
		return nil, err
	}
	if ras.Width == 0 || ras.Height == 0 {
		return nil, fmt.Errorf("%w: the TIFF image has no width or height", ErrMalformed)
	}
	ras.Compression = compressions[comp]
	if ras.Compression == "" {
		ras.Compression = fmt.Sprintf("code %d", comp)
	}
	ras.Photometric = photometrics[photo]
	ras.Interleave = "pixel"
	if planar == 2 {
		ras.Interleave = "band"
	}
	ras.Tiled = ras.TileWidth > 0 && ras.TileHeight > 0
	if !ras.Tiled {
		ras.TileWidth, ras.TileHeight = 0, 0
		if ras.RowsPerStrip, err = t.uint(d, tagRowsPerStrip, ras.Height); err != nil {
			return nil, err
		}
	}
	ras.SampleType, err = t.sampleType(d, ras.Bands)
	return &ras, err
}

// sampleType names the sample type from BitsPerSample and SampleFormat.
func (t *tiffFile) sampleType(d ifd, bands uint64) (string, error) {
	n := int(min(bands, 64))
	bits, err := t.uints(d, tagBitsPerSample, n)
	if err != nil {
		return "", err
	}
	formats, err := t.uints(d, tagSampleFormat, n)
	if err != nil {
		return "", err
	}
	name := func(i int) string {
		b, f := uint64(1), uint64(1)
		if i < len(bits) {
			b = bits[i]
		} else if len(bits) > 0 {
			b = bits[0]
		}
		if i < len(formats) {
			f = formats[i]
		} else if len(formats) > 0 {
			f = formats[0]
		}
		kind := map[uint64]string{1: "uint", 2: "int", 3: "float", 5: "complex int", 6: "complex float"}[f]
		if kind == "" {
			kind = "void"
		}
		if b == 1 && f == 1 {
			return "bit"
		}
		return fmt.Sprintf("%s%d", kind, b)
	}
	first := name(0)
	for i := 1; i < n; i++ {
		if name(i) != first {
			return "mixed", nil
		}
	}
	return first, nil
}

// maxOffsetsRead is how many tile or strip offsets of one IFD the layout
// check reads: enough to find where the data starts in any file that
// keeps its tiles in order.
const maxOffsetsRead = 8192

// layout decides whether the file is cloud-optimized: tiled, with every
// IFD (and the arrays the IFDs point at) before the first image data.
func (t *tiffFile) layout(ras *Raster, dirs []ifd, allTiled bool) error {
	dataStart := t.r.size
	for _, d := range dirs {
		tag := uint16(tagTileOffsets)
		if _, ok := d.entries[tag]; !ok {
			tag = tagStripOffsets
		}
		for _, e := range d.entries {
			t.ifdEnd = max(t.ifdEnd, e.end())
		}
		offs, err := t.uints(d, tag, maxOffsetsRead)
		if err != nil {
			return err
		}
		for _, o := range offs {
			if o > 0 && int64(o) < dataStart {
				dataStart = int64(o)
			}
		}
	}
	cog := strings.Contains(t.ghost, "LAYOUT=COG")
	switch {
	case !ras.Tiled:
		ras.Layout = "not cloud-optimized: stored in strips, not tiles"
	case !allTiled:
		ras.Layout = "not cloud-optimized: an overview or mask is stored in strips"
	case t.ifdEnd > dataStart:
		ras.Layout = fmt.Sprintf("not cloud-optimized: image data starts at byte %d, before the last IFD data ends (%d)", dataStart, t.ifdEnd)
	default:
		ras.CloudOptimized = true
		ras.Layout = "cloud-optimized: tiled, IFDs before the image data"
		if cog {
			ras.Layout += " (GDAL COG layout)"
		}
	}
	return nil
}

package content

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A small TIFF reader: the header and the chain of IFDs (image file
// directories), and the tag values a summary needs, read lazily through
// the preview's reader. No kept library reads only a TIFF's header from
// ranges: the standard one and x/image/tiff decode the image.

// tiffHead is how much of a TIFF the first read takes: the IFDs of a
// cloud-optimized GeoTIFF, overviews and tile offsets included, sit at the
// start, so that most previews are one request.
const tiffHead = 64 << 10

// Bounds on a TIFF's structure, far above real files.
const (
	maxIFDs       = 256
	maxIFDEntries = 4096
)

// TIFF tags this package reads.
const (
	tagNewSubfileType  = 254
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagPlanarConfig    = 284
	tagTileWidth       = 322
	tagTileLength      = 323
	tagTileOffsets     = 324
	tagSampleFormat    = 339
	tagPixelScale      = 33550
	tagTiepoint        = 33922
	tagTransformation  = 34264
	tagGeoKeys         = 34735
	tagGeoASCII        = 34737
	tagGDALNoData      = 42113
)

// tiffTypeSize is the byte size of each TIFF field type, by number.
var tiffTypeSize = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}

// tiffFile is an open TIFF: its byte order, flavour and reader.
type tiffFile struct {
	r      *reader
	order  binary.ByteOrder
	big    bool
	first  int64 // offset of the first IFD
	ghost  string
	ifdEnd int64 // the end of the last byte of IFD structure seen
}

// tiffEntry is one IFD entry: a tag and where its values are.
type tiffEntry struct {
	tag    uint16
	typ    uint16
	count  uint64
	inline []byte // the value bytes when they fit in the entry
	offset int64  // else where they are
	// bad is set when the values would run past the end of the file: an
	// error only if this package needs them.
	bad bool
}

// end is where an entry's out-of-line values end (0 if inline or bad).
func (e tiffEntry) end() int64 {
	if e.inline != nil || e.bad || e.offset == 0 {
		return 0
	}
	return e.offset + int64(e.count)*int64(tiffTypeSize[e.typ])
}

// ifd is one image directory: its entries by tag.
type ifd struct {
	offset  int64
	entries map[uint16]tiffEntry
}

func openTIFF(r *reader) (*tiffFile, error) {
	if err := r.prefetch(0, tiffHead); err != nil {
		return nil, err
	}
	h, err := r.at(0, 16)
	if err != nil {
		return nil, err
	}
	if len(h) < 8 {
		return nil, fmt.Errorf("%w: %d bytes is too small for a TIFF", ErrMalformed, len(h))
	}
	t := &tiffFile{r: r}
	switch string(h[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	default:
		return nil, fmt.Errorf("%w: not a TIFF file (no II or MM byte order mark)", ErrMalformed)
	}
	switch t.order.Uint16(h[2:]) {
	case 42:
		off, err := t.offset(uint64(t.order.Uint32(h[4:])))
		if err != nil {
			return nil, err
		}
		t.first, t.ifdEnd = off, 8
	case 43:
		if len(h) < 16 || t.order.Uint16(h[4:]) != 8 {
			return nil, fmt.Errorf("%w: a BigTIFF header with an odd offset size", ErrMalformed)
		}
		t.big = true
		off, err := t.offset(t.order.Uint64(h[8:]))
		if err != nil {
			return nil, err
		}
		t.first, t.ifdEnd = off, 16
	default:
		return nil, fmt.Errorf("%w: not a TIFF file (version %d)", ErrMalformed, t.order.Uint16(h[2:]))
	}
	t.ghost = t.ghostArea()
	return t, nil
}

// offset checks a file offset read from the file.
func (t *tiffFile) offset(v uint64) (int64, error) {
	if v > uint64(t.r.size) {
		return 0, fmt.Errorf("%w: the TIFF points at byte %d, past its end (%d bytes)", ErrMalformed, v, t.r.size)
	}
	return int64(v), nil
}

// ghostArea returns GDAL's structural metadata, which a cloud-optimized
// GeoTIFF written by GDAL keeps right after the header ("LAYOUT=COG…").
func (t *tiffFile) ghostArea() string {
	start := int64(8)
	if t.big {
		start = 16
	}
	const key = "GDAL_STRUCTURAL_METADATA_SIZE="
	b, err := t.r.at(start, int64(len(key))+6)
	if err != nil || string(b[:min(len(b), len(key))]) != key {
		return ""
	}
	var n int64
	if _, err := fmt.Sscanf(string(b[len(key):]), "%06d", &n); err != nil || n <= 0 || n > 4096 {
		return ""
	}
	body, err := t.r.at(start+int64(len(key))+len64(" bytes\n")+6, n)
	if err != nil {
		return ""
	}
	return string(body)
}

func len64(s string) int64 { return int64(len(s)) }

// ifds reads the chain of IFDs, refusing a loop or an endless chain.
func (t *tiffFile) ifds() ([]ifd, error) {
	var out []ifd
	seen := map[int64]bool{}
	for off := t.first; off != 0; {
		if seen[off] {
			return nil, fmt.Errorf("%w: the TIFF's IFD chain loops back to byte %d", ErrMalformed, off)
		}
		if len(out) == maxIFDs {
			return nil, fmt.Errorf("%w: the TIFF has more than %d IFDs", ErrMalformed, maxIFDs)
		}
		seen[off] = true
		d, next, err := t.readIFD(off)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
		off = next
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the TIFF has no image", ErrMalformed)
	}
	return out, nil
}

// readIFD reads the IFD at off and returns the offset of the next.
func (t *tiffFile) readIFD(off int64) (ifd, int64, error) {
	countSize, entrySize, ptrSize := int64(2), int64(12), int64(4)
	if t.big {
		countSize, entrySize, ptrSize = 8, 20, 8
	}
	b, err := t.r.at(off, countSize)
	if err != nil {
		return ifd{}, 0, err
	}
	if int64(len(b)) < countSize {
		return ifd{}, 0, fmt.Errorf("%w: the TIFF ends inside the IFD at byte %d", ErrMalformed, off)
	}
	var n uint64
	if t.big {
		n = t.order.Uint64(b)
	} else {
		n = uint64(t.order.Uint16(b))
	}
	if n == 0 || n > maxIFDEntries {
		return ifd{}, 0, fmt.Errorf("%w: the TIFF IFD at byte %d has %d entries", ErrMalformed, off, n)
	}
	size := countSize + int64(n)*entrySize + ptrSize
	body, err := t.r.at(off, size)
	if err != nil {
		return ifd{}, 0, err
	}
	if int64(len(body)) < size {
		return ifd{}, 0, fmt.Errorf("%w: the TIFF ends inside the IFD at byte %d", ErrMalformed, off)
	}
	t.ifdEnd = max(t.ifdEnd, off+size)
	d := ifd{offset: off, entries: make(map[uint16]tiffEntry, n)}
	for i := range int64(n) {
		e := t.entry(body[countSize+i*entrySize : countSize+(i+1)*entrySize])
		d.entries[e.tag] = e
	}
	var next uint64
	if t.big {
		next = t.order.Uint64(body[size-ptrSize:])
	} else {
		next = uint64(t.order.Uint32(body[size-ptrSize:]))
	}
	nextOff, err := t.offset(next)
	return d, nextOff, err
}

func (t *tiffFile) entry(b []byte) tiffEntry {
	e := tiffEntry{tag: t.order.Uint16(b), typ: t.order.Uint16(b[2:])}
	var inline []byte
	if t.big {
		e.count, inline = t.order.Uint64(b[4:]), b[12:20]
	} else {
		e.count, inline = uint64(t.order.Uint32(b[4:])), b[8:12]
	}
	size, known := tiffTypeSize[e.typ]
	if !known {
		return e // an unknown type: the tag is kept, its values unread
	}
	if e.count > math.MaxInt64/8 {
		e.bad = true
		return e
	}
	if e.count*uint64(size) <= uint64(len(inline)) {
		e.inline = inline
		return e
	}
	var ptr uint64
	if t.big {
		ptr = t.order.Uint64(inline)
	} else {
		ptr = uint64(t.order.Uint32(inline))
	}
	if ptr > uint64(t.r.size) || e.count*uint64(size) > uint64(t.r.size)-ptr {
		e.bad = true
		return e
	}
	e.offset = int64(ptr)
	return e
}

// values returns the raw bytes of at most maxCount of an entry's values
// and how many that is.
func (t *tiffFile) values(e tiffEntry, maxCount int) ([]byte, int, error) {
	size, known := tiffTypeSize[e.typ]
	if !known {
		return nil, 0, nil
	}
	if e.bad {
		return nil, 0, fmt.Errorf("%w: TIFF tag %d claims %d values, past the end of the file", ErrMalformed, e.tag, e.count)
	}
	n := int(min(e.count, uint64(maxCount)))
	if e.inline != nil {
		return e.inline[:n*size], n, nil
	}
	b, err := t.r.at(e.offset, int64(n*size))
	if err != nil {
		return nil, 0, err
	}
	if len(b) < n*size {
		return nil, 0, fmt.Errorf("%w: TIFF tag %d runs past the end of the file", ErrMalformed, e.tag)
	}
	return b, n, nil
}

// uints reads at most maxCount integer values of a tag (nil if absent or
// not an integer type).
func (t *tiffFile) uints(d ifd, tag uint16, maxCount int) ([]uint64, error) {
	e, ok := d.entries[tag]
	if !ok {
		return nil, nil
	}
	b, n, err := t.values(e, maxCount)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, 0, n)
	for i := range n {
		switch e.typ {
		case 1, 6, 7:
			out = append(out, uint64(b[i]))
		case 3, 8:
			out = append(out, uint64(t.order.Uint16(b[2*i:])))
		case 4, 9, 13:
			out = append(out, uint64(t.order.Uint32(b[4*i:])))
		case 16, 17, 18:
			out = append(out, t.order.Uint64(b[8*i:]))
		default:
			return nil, nil
		}
	}
	return out, nil
}

// uint reads the first value of an integer tag, or def.
func (t *tiffFile) uint(d ifd, tag uint16, def uint64) (uint64, error) {
	v, err := t.uints(d, tag, 1)
	if err != nil || len(v) == 0 {
		return def, err
	}
	return v[0], nil
}

// floats reads at most maxCount DOUBLE (or FLOAT) values of a tag.
func (t *tiffFile) floats(d ifd, tag uint16, maxCount int) ([]float64, error) {
	e, ok := d.entries[tag]
	if !ok || (e.typ != 11 && e.typ != 12) {
		return nil, nil
	}
	b, n, err := t.values(e, maxCount)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i := range out {
		if e.typ == 12 {
			out[i] = math.Float64frombits(t.order.Uint64(b[8*i:]))
		} else {
			out[i] = float64(math.Float32frombits(t.order.Uint32(b[4*i:])))
		}
	}
	return out, nil
}

// ascii reads at most maxLen bytes of an ASCII tag, without its final NUL.
func (t *tiffFile) ascii(d ifd, tag uint16, maxLen int) (string, error) {
	e, ok := d.entries[tag]
	if !ok || (e.typ != 2 && e.typ != 7) {
		return "", nil
	}
	b, _, err := t.values(e, maxLen)
	if err != nil {
		return "", err
	}
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return string(b), nil
}

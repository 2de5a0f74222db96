// Package contenttest writes the files content previews are tested on:
// GeoTIFFs with GeoKeys and overviews, GeoParquet, Zarr stores, CSVs,
// zips, FlatGeobuf and PMTiles headers, images. The writers are small and
// made for tests: uncompressed, deterministic, and able to stream a large
// file without holding it.
package contenttest

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"sort"
)

// TIFF describes a (Geo)TIFF to write: uncompressed, little-endian,
// chunky, with zeros for pixels.
type TIFF struct {
	Width, Height int
	// Bands defaults to 1; Bits (per sample) to 8. Float makes the
	// samples IEEE floats (SampleFormat 3).
	Bands, Bits int
	Float       bool
	// TileSize tiles every image in square tiles; 0 stores one strip.
	TileSize int
	// Overviews adds that many reduced-resolution images, each half the
	// size of the one before.
	Overviews int
	// EPSG adds GeoKeys naming this CRS, with PixelSize and Origin (the
	// upper-left corner) as ModelPixelScale and ModelTiepoint.
	EPSG      int
	PixelSize [2]float64
	Origin    [2]float64
	// Citation adds a GTCitationGeoKey.
	Citation string
	NoData   string
	// DataFirst puts the pixels before the IFDs: not cloud-optimized.
	DataFirst bool
	BigTIFF   bool
}

type tiffEntry struct {
	tag, typ uint16
	ints     []uint64
	floats   []float64
	text     string
}

func (e tiffEntry) count() int {
	switch e.typ {
	case 2:
		return len(e.text) + 1
	case 12:
		return len(e.floats)
	}
	return len(e.ints)
}

var typeSize = map[uint16]int{2: 1, 3: 2, 4: 4, 12: 8, 16: 8}

// tiffImage is one IFD's picture: its size and its tiles' (or strip's) sizes.
type tiffImage struct {
	w, h      int
	overview  bool
	chunks    int
	chunkSize int64
}

func (t TIFF) images() []tiffImage {
	bands, bits := max(t.Bands, 1), t.Bits
	if bits == 0 {
		bits = 8
	}
	var out []tiffImage
	w, h := t.Width, t.Height
	for i := 0; i <= t.Overviews; i++ {
		im := tiffImage{w: w, h: h, overview: i > 0}
		if t.TileSize > 0 {
			across, down := (w+t.TileSize-1)/t.TileSize, (h+t.TileSize-1)/t.TileSize
			im.chunks, im.chunkSize = across*down, int64(t.TileSize*t.TileSize*bands*bits/8)
		} else {
			im.chunks, im.chunkSize = 1, int64(w*h*bands*bits/8)
		}
		out = append(out, im)
		w, h = max(w/2, 1), max(h/2, 1)
	}
	return out
}

func (t TIFF) entries(im tiffImage, first bool, offsets []uint64) []tiffEntry {
	bands, bits := max(t.Bands, 1), t.Bits
	if bits == 0 {
		bits = 8
	}
	rep := func(v uint64, n int) []uint64 {
		out := make([]uint64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	off := uint16(4)
	if t.BigTIFF {
		off = 16
	}
	photometric := uint64(1)
	if bands == 3 {
		photometric = 2
	}
	format := uint64(1)
	if t.Float {
		format = 3
	}
	es := []tiffEntry{
		{tag: 256, typ: 4, ints: []uint64{uint64(im.w)}},
		{tag: 257, typ: 4, ints: []uint64{uint64(im.h)}},
		{tag: 258, typ: 3, ints: rep(uint64(bits), bands)},
		{tag: 259, typ: 3, ints: []uint64{1}},
		{tag: 262, typ: 3, ints: []uint64{photometric}},
		{tag: 277, typ: 3, ints: []uint64{uint64(bands)}},
		{tag: 284, typ: 3, ints: []uint64{1}},
		{tag: 339, typ: 3, ints: rep(format, bands)},
	}
	if im.overview {
		es = append(es, tiffEntry{tag: 254, typ: 4, ints: []uint64{1}})
	}
	if t.TileSize > 0 {
		es = append(es,
			tiffEntry{tag: 322, typ: 3, ints: []uint64{uint64(t.TileSize)}},
			tiffEntry{tag: 323, typ: 3, ints: []uint64{uint64(t.TileSize)}},
			tiffEntry{tag: 324, typ: off, ints: offsets},
			tiffEntry{tag: 325, typ: off, ints: rep(uint64(im.chunkSize), im.chunks)})
	} else {
		es = append(es,
			tiffEntry{tag: 273, typ: off, ints: offsets},
			tiffEntry{tag: 278, typ: 4, ints: []uint64{uint64(im.h)}},
			tiffEntry{tag: 279, typ: off, ints: []uint64{uint64(im.chunkSize)}})
	}
	if first && t.EPSG != 0 {
		es = append(es, t.geoEntries()...)
	}
	if first && t.NoData != "" {
		es = append(es, tiffEntry{tag: 42113, typ: 2, text: t.NoData})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].tag < es[j].tag })
	return es
}

// geographic lists the EPSG codes of geographic CRSs the writer knows.
var geographic = map[int]bool{4326: true, 4269: true, 4258: true, 4283: true, 7844: true}

func (t TIFF) geoEntries() []tiffEntry {
	model, key := uint64(1), uint64(3072)
	if geographic[t.EPSG] {
		model, key = 2, 2048
	}
	keys := [][4]uint64{{1024, 0, 1, model}, {1025, 0, 1, 1}, {key, 0, 1, uint64(t.EPSG)}}
	var ascii string
	if t.Citation != "" {
		ascii = t.Citation + "|"
		keys = append(keys, [4]uint64{1026, 34737, uint64(len(ascii)), 0})
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0] < keys[j][0] })
	dir := []uint64{1, 1, 0, uint64(len(keys))}
	for _, k := range keys {
		dir = append(dir, k[:]...)
	}
	es := []tiffEntry{
		{tag: 33550, typ: 12, floats: []float64{t.PixelSize[0], t.PixelSize[1], 0}},
		{tag: 33922, typ: 12, floats: []float64{0, 0, 0, t.Origin[0], t.Origin[1], 0}},
		{tag: 34735, typ: 3, ints: dir},
	}
	if ascii != "" {
		es = append(es, tiffEntry{tag: 34737, typ: 2, text: ascii})
	}
	return es
}

// encodeIFD writes one IFD at start, its out-of-line values after it,
// pointing at next.
func (t TIFF) encodeIFD(start int64, es []tiffEntry, next int64) []byte {
	le := binary.LittleEndian
	countSize, entrySize, ptrSize := 2, 12, 4
	if t.BigTIFF {
		countSize, entrySize, ptrSize = 8, 20, 8
	}
	inlineSize := ptrSize
	block := make([]byte, countSize+len(es)*entrySize+ptrSize)
	var extra bytes.Buffer
	extraAt := start + int64(len(block))
	putPtr := func(b []byte, v uint64) {
		if t.BigTIFF {
			le.PutUint64(b, v)
		} else {
			le.PutUint32(b, uint32(v))
		}
	}
	if t.BigTIFF {
		le.PutUint64(block, uint64(len(es)))
	} else {
		le.PutUint16(block, uint16(len(es)))
	}
	for i, e := range es {
		b := block[countSize+i*entrySize:]
		le.PutUint16(b, e.tag)
		le.PutUint16(b[2:], e.typ)
		putPtr(b[4:], uint64(e.count()))
		val := encodeValues(e)
		slot := b[4+ptrSize : 4+2*ptrSize]
		if len(val) <= inlineSize {
			copy(slot, val)
			continue
		}
		if extra.Len()%2 == 1 {
			extra.WriteByte(0)
		}
		putPtr(slot, uint64(extraAt+int64(extra.Len())))
		extra.Write(val)
	}
	putPtr(block[len(block)-ptrSize:], uint64(next))
	return append(block, extra.Bytes()...)
}

func encodeValues(e tiffEntry) []byte {
	le := binary.LittleEndian
	if e.typ == 2 {
		return append([]byte(e.text), 0)
	}
	size := typeSize[e.typ]
	out := make([]byte, e.count()*size)
	for i := range e.count() {
		switch e.typ {
		case 3:
			le.PutUint16(out[2*i:], uint16(e.ints[i]))
		case 4:
			le.PutUint32(out[4*i:], uint32(e.ints[i]))
		case 16:
			le.PutUint64(out[8*i:], e.ints[i])
		case 12:
			le.PutUint64(out[8*i:], math.Float64bits(e.floats[i]))
		}
	}
	return out
}

// layout places the IFDs and the pixel data: the structure bytes, where
// they go, and the pixel data's length (with the padding after it when
// the data comes first).
func (t TIFF) layout() (meta []byte, metaAt, dataLen int64) {
	imgs := t.images()
	hdr := int64(8)
	if t.BigTIFF {
		hdr = 16
	}
	for _, im := range imgs {
		dataLen += int64(im.chunks) * im.chunkSize
	}
	// Pass 1 sizes the IFDs (their size does not depend on the offsets
	// they hold); pass 2 writes them with the real offsets.
	var size int64
	for i, im := range imgs {
		n := int64(len(t.encodeIFD(0, t.entries(im, i == 0, make([]uint64, im.chunks)), 0)))
		size += n + n%2
	}
	metaAt, dataAt := hdr, hdr+size
	if t.DataFirst {
		dataLen += dataLen % 2
		metaAt, dataAt = hdr+dataLen, hdr
	}
	var buf bytes.Buffer
	at, data := metaAt, dataAt
	for i, im := range imgs {
		offsets := make([]uint64, im.chunks)
		for j := range offsets {
			offsets[j] = uint64(data)
			data += im.chunkSize
		}
		es := t.entries(im, i == 0, offsets)
		n := int64(len(t.encodeIFD(at, es, 0)))
		n += n % 2
		next := at + n
		if i == len(imgs)-1 {
			next = 0
		}
		b := t.encodeIFD(at, es, next)
		buf.Write(b)
		if len(b)%2 == 1 {
			buf.WriteByte(0)
		}
		at = next
	}
	return buf.Bytes(), metaAt, dataLen
}

// Build returns the file's size and a reader of its bytes, which streams
// the pixels (zeros) without holding them.
func (t TIFF) Build() (int64, io.Reader) {
	meta, metaAt, dataLen := t.layout()
	hdr := make([]byte, 8)
	copy(hdr, "II")
	if t.BigTIFF {
		hdr = make([]byte, 16)
		copy(hdr, "II")
		binary.LittleEndian.PutUint16(hdr[2:], 43)
		binary.LittleEndian.PutUint16(hdr[4:], 8)
		binary.LittleEndian.PutUint64(hdr[8:], uint64(metaAt))
	} else {
		binary.LittleEndian.PutUint16(hdr[2:], 42)
		binary.LittleEndian.PutUint32(hdr[4:], uint32(metaAt))
	}
	if t.DataFirst {
		return int64(len(hdr)+len(meta)) + dataLen, io.MultiReader(bytes.NewReader(hdr), Zeros(dataLen), bytes.NewReader(meta))
	}
	return int64(len(hdr)+len(meta)) + dataLen, io.MultiReader(bytes.NewReader(hdr), bytes.NewReader(meta), Zeros(dataLen))
}

// Bytes returns the whole file; for small images.
func (t TIFF) Bytes() []byte {
	_, r := t.Build()
	b, _ := io.ReadAll(r)
	return b
}

// Zeros is a reader of n zero bytes.
func Zeros(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

package content

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// A PMTiles v3 archive starts with a fixed 127-byte header; its JSON
// metadata usually follows within the first kilobytes. The go-pmtiles
// module carries a tile server and cloud SDKs; the header is fifteen
// fixed fields.

// PMTiles is what a PMTiles archive's header and metadata say.
type PMTiles struct {
	Version     int    `json:"version"`
	TileType    string `json:"tile_type"`
	Compression string `json:"tile_compression"`
	MinZoom     int    `json:"min_zoom"`
	MaxZoom     int    `json:"max_zoom"`
	// Bounds is [min lon, min lat, max lon, max lat].
	Bounds []float64 `json:"bounds"`
	// Center is [lon, lat, zoom].
	Center         []float64 `json:"center"`
	AddressedTiles uint64    `json:"addressed_tiles"`
	TileEntries    uint64    `json:"tile_entries"`
	TileContents   uint64    `json:"tile_contents"`
	Clustered      bool      `json:"clustered"`
	// From the metadata, when it could be read.
	Name         string   `json:"name,omitempty"`
	Description  string   `json:"description,omitempty"`
	Attribution  string   `json:"attribution,omitempty"`
	VectorLayers []string `json:"vector_layers,omitempty"`
}

const (
	pmtilesHeaderLen = 127
	pmtilesHead      = 64 << 10
	maxPMTilesMeta   = 64 << 10
	maxPMTilesJSON   = 256 << 10
)

var pmtilesCompressions = []string{"unknown", "none", "gzip", "brotli", "zstd"}

var pmtilesTileTypes = []string{"unknown", "mvt", "png", "jpeg", "webp", "avif", "mlt"}

func pick(names []string, i byte) string {
	if int(i) < len(names) {
		return names[i]
	}
	return fmt.Sprintf("code %d", i)
}

func readPMTiles(r *reader) (*Summary, error) {
	if err := r.prefetch(0, pmtilesHead); err != nil {
		return nil, err
	}
	h, err := r.at(0, pmtilesHeaderLen)
	if err != nil {
		return nil, err
	}
	if len(h) < pmtilesHeaderLen || string(h[:7]) != "PMTiles" {
		return nil, fmt.Errorf("%w: not a PMTiles archive (no header)", ErrMalformed)
	}
	if h[7] != 3 {
		return nil, fmt.Errorf("%w: PMTiles version %d (this reader knows version 3)", ErrMalformed, h[7])
	}
	le := binary.LittleEndian
	e7 := func(at int) float64 { return float64(int32(le.Uint32(h[at:]))) / 1e7 }
	p := &PMTiles{
		Version: 3, AddressedTiles: le.Uint64(h[72:]), TileEntries: le.Uint64(h[80:]), TileContents: le.Uint64(h[88:]),
		Clustered: h[96] == 1, Compression: pick(pmtilesCompressions, h[98]), TileType: pick(pmtilesTileTypes, h[99]),
		MinZoom: int(h[100]), MaxZoom: int(h[101]),
		Bounds: []float64{e7(102), e7(106), e7(110), e7(114)},
		Center: []float64{e7(119), e7(123), float64(h[118])},
	}
	metaOff, metaLen := le.Uint64(h[24:]), le.Uint64(h[32:])
	if metaLen > 0 && metaLen <= maxPMTilesMeta && metaOff <= uint64(r.size) && metaLen <= uint64(r.size)-metaOff {
		if raw, err := r.at(int64(metaOff), int64(metaLen)); err == nil {
			p.metadata(raw, h[97])
		}
	}
	return &Summary{Format: FormatPMTiles, Size: r.size, PMTiles: p}, nil
}

// metadata reads the archive's JSON metadata, uncompressed or gzipped; it
// is optional, so a problem with it leaves the fields empty.
func (p *PMTiles) metadata(raw []byte, compression byte) {
	var src io.Reader = bytes.NewReader(raw)
	switch compression {
	case 1:
	case 2:
		zr, err := gzip.NewReader(src)
		if err != nil {
			return
		}
		src = zr
	default:
		return
	}
	body, err := io.ReadAll(io.LimitReader(src, maxPMTilesJSON))
	if err != nil {
		return
	}
	var m struct {
		Name         string `json:"name"`
		Description  string `json:"description"`
		Attribution  string `json:"attribution"`
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	if json.Unmarshal(body, &m) != nil {
		return
	}
	p.Name, p.Description, p.Attribution = m.Name, m.Description, m.Attribution
	for _, l := range m.VectorLayers {
		p.VectorLayers = append(p.VectorLayers, l.ID)
	}
}

package content

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// A FlatGeobuf file starts with 8 magic bytes and a size-prefixed
// FlatBuffers table, its header. The FlatBuffers library needs generated
// code for the schema; for the dozen header fields a summary shows, a
// bounds-checked table reader is smaller.

// FlatGeobuf is what a FlatGeobuf file's header says.
type FlatGeobuf struct {
	Name         string `json:"name,omitempty"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
	GeometryType string `json:"geometry_type"`
	HasZ         bool   `json:"has_z,omitempty"`
	HasM         bool   `json:"has_m,omitempty"`
	Features     uint64 `json:"features"`
	// IndexNodeSize is the packed R-tree's node size; 0 means no index.
	IndexNodeSize uint16 `json:"index_node_size"`
	// Envelope is [min x, min y, max x, max y] (more with z, m).
	Envelope []float64  `json:"envelope,omitempty"`
	Columns  []FGBField `json:"columns"`
	// CRS is "ORG:CODE" ("EPSG:4326"), else the CRS's name; "" if none.
	CRS     string `json:"crs,omitempty"`
	CRSName string `json:"crs_name,omitempty"`
	EPSG    int    `json:"epsg,omitempty"`
}

// FGBField is one attribute column.
type FGBField struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
}

const (
	fgbMagicLen   = 8
	maxFGBColumns = 4096
)

var fgbGeometryTypes = []string{
	"Unknown", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
	"GeometryCollection", "CircularString", "CompoundCurve", "CurvePolygon", "MultiCurve", "MultiSurface",
	"Curve", "Surface", "PolyhedralSurface", "TIN", "Triangle",
}

var fgbColumnTypes = []string{
	"byte", "ubyte", "bool", "short", "ushort", "int", "uint", "long", "ulong", "float", "double",
	"string", "json", "datetime", "binary",
}

func readFlatGeobuf(r *reader) (*Summary, error) {
	if err := r.prefetch(0, 64<<10); err != nil {
		return nil, err
	}
	head, err := r.at(0, fgbMagicLen+4)
	if err != nil {
		return nil, err
	}
	if len(head) < fgbMagicLen+4 || string(head[:3]) != "fgb" || head[3] != 3 || string(head[4:7]) != "fgb" {
		return nil, fmt.Errorf("%w: not a FlatGeobuf file (no fgb3 magic)", ErrMalformed)
	}
	n := int64(binary.LittleEndian.Uint32(head[fgbMagicLen:]))
	if n > r.size-fgbMagicLen-4 {
		return nil, fmt.Errorf("%w: the FlatGeobuf header claims %d bytes, more than the file holds", ErrMalformed, n)
	}
	if n > r.limit {
		return nil, r.overBudget("the FlatGeobuf header of", n)
	}
	buf, err := r.at(fgbMagicLen+4, n)
	if err != nil {
		return nil, err
	}
	f, err := decodeFGBHeader(buf)
	if err != nil {
		return nil, fmt.Errorf("%w: the FlatGeobuf header is not valid: %w", ErrMalformed, err)
	}
	return &Summary{Format: FormatFlatGeobuf, Size: r.size, FlatGeobuf: f}, nil
}

func decodeFGBHeader(buf []byte) (*FlatGeobuf, error) {
	fb := flatbuf(buf)
	root, err := fb.root()
	if err != nil {
		return nil, err
	}
	f := &FlatGeobuf{Columns: []FGBField{}, IndexNodeSize: 16}
	var first error // the first problem, reported once the rest is read
	note := func(err error) {
		if first == nil {
			first = err
		}
	}
	str := func(t fbTable, i int) string {
		s, err := t.str(i)
		note(err)
		return s
	}
	f.Name, f.Title, f.Description = str(root, 0), str(root, 11), str(root, 12)
	if gt := root.uint8(2, 0); int(gt) < len(fgbGeometryTypes) {
		f.GeometryType = fgbGeometryTypes[gt]
	} else {
		f.GeometryType = "type " + strconv.Itoa(int(gt))
	}
	f.HasZ, f.HasM = root.uint8(3, 0) != 0, root.uint8(4, 0) != 0
	f.Features = root.uint64(8, 0)
	f.IndexNodeSize = root.uint16(9, 16)
	if env, n, err := root.vector(1, 8); err == nil {
		for i := range min(n, 8) {
			f.Envelope = append(f.Envelope, math.Float64frombits(binary.LittleEndian.Uint64(fb[env+8*i:])))
		}
	} else {
		note(err)
	}
	cols, n, err := root.vector(7, 4)
	note(err)
	if n > maxFGBColumns {
		return nil, fmt.Errorf("%d columns", n)
	}
	for i := range n {
		c, err := fb.tableAt(cols + 4*i)
		if err != nil {
			return nil, err
		}
		typ := "type " + strconv.Itoa(int(c.uint8(1, 0)))
		if t := c.uint8(1, 0); int(t) < len(fgbColumnTypes) {
			typ = fgbColumnTypes[t]
		}
		f.Columns = append(f.Columns, FGBField{Name: str(c, 0), Type: typ, Nullable: c.uint8(7, 1) != 0})
	}
	if crs, ok, err := root.table(10); err != nil {
		return nil, err
	} else if ok {
		org, code, name, cs := str(crs, 0), crs.int32(1, 0), str(crs, 2), str(crs, 5)
		f.CRSName = name
		switch {
		case org != "" && code != 0:
			f.CRS = org + ":" + strconv.Itoa(int(code))
		case org != "" && cs != "":
			f.CRS = org + ":" + cs
		case code != 0:
			f.CRS = "EPSG:" + strconv.Itoa(int(code))
		default:
			f.CRS = name
		}
		f.EPSG = epsgOf(f.CRS)
		if f.CRSName == "" && f.EPSG != 0 {
			f.CRSName = EPSGName(f.EPSG)
		}
	}
	return f, first
}

// flatbuf is a FlatBuffers buffer, read with every offset checked.
type flatbuf []byte

// fbTable is a table in a flatbuf: its position and its vtable's.
type fbTable struct {
	fb     flatbuf
	pos    int
	vtable int
	vtSize int
}

var errFBBounds = errors.New("an offset points outside the header")

func (fb flatbuf) u32(at int) (int, error) {
	if at < 0 || at+4 > len(fb) {
		return 0, errFBBounds
	}
	return int(binary.LittleEndian.Uint32(fb[at:])), nil
}

func (fb flatbuf) root() (fbTable, error) { return fb.tableAt(0) }

// tableAt follows the offset stored at at to a table.
func (fb flatbuf) tableAt(at int) (fbTable, error) {
	off, err := fb.u32(at)
	if err != nil {
		return fbTable{}, err
	}
	pos := at + off
	if pos < 0 || pos+4 > len(fb) {
		return fbTable{}, errFBBounds
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(fb[pos:])))
	if vt < 0 || vt+4 > len(fb) {
		return fbTable{}, errFBBounds
	}
	size := int(binary.LittleEndian.Uint16(fb[vt:]))
	if size < 4 || vt+size > len(fb) {
		return fbTable{}, errFBBounds
	}
	return fbTable{fb: fb, pos: pos, vtable: vt, vtSize: size}, nil
}

// field returns where field i is, or -1 if absent, checking that n bytes
// fit there.
func (t fbTable) field(i, n int) int {
	slot := 4 + 2*i
	if slot+2 > t.vtSize {
		return -1
	}
	off := int(binary.LittleEndian.Uint16(t.fb[t.vtable+slot:]))
	if off == 0 || t.pos+off+n > len(t.fb) {
		return -1
	}
	return t.pos + off
}

func (t fbTable) uint8(i int, def uint8) uint8 {
	if at := t.field(i, 1); at >= 0 {
		return t.fb[at]
	}
	return def
}

func (t fbTable) uint16(i int, def uint16) uint16 {
	if at := t.field(i, 2); at >= 0 {
		return binary.LittleEndian.Uint16(t.fb[at:])
	}
	return def
}

func (t fbTable) int32(i int, def int32) int32 {
	if at := t.field(i, 4); at >= 0 {
		return int32(binary.LittleEndian.Uint32(t.fb[at:]))
	}
	return def
}

func (t fbTable) uint64(i int, def uint64) uint64 {
	if at := t.field(i, 8); at >= 0 {
		return binary.LittleEndian.Uint64(t.fb[at:])
	}
	return def
}

// vector returns where field i's vector's elements start and how many
// there are, each elem bytes long; 0, 0 if absent.
func (t fbTable) vector(i, elem int) (int, int, error) {
	at := t.field(i, 4)
	if at < 0 {
		return 0, 0, nil
	}
	off, err := t.fb.u32(at)
	if err != nil {
		return 0, 0, err
	}
	n, err := t.fb.u32(at + off)
	if err != nil {
		return 0, 0, err
	}
	start := at + off + 4
	if n > (len(t.fb)-start)/elem {
		return 0, 0, errFBBounds
	}
	return start, n, nil
}

func (t fbTable) str(i int) (string, error) {
	start, n, err := t.vector(i, 1)
	if err != nil || n == 0 {
		return "", err
	}
	return string(t.fb[start : start+n]), nil
}

func (t fbTable) table(i int) (fbTable, bool, error) {
	at := t.field(i, 4)
	if at < 0 {
		return fbTable{}, false, nil
	}
	tb, err := t.fb.tableAt(at)
	return tb, err == nil, err
}

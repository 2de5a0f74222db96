package contenttest

import (
	"encoding/binary"
	"math"
	"slices"
)

// A minimal FlatBuffers writer: each table is laid out as its vtable,
// then the table, then what its fields point at, so that every offset
// points forward as the format requires of unsigned offsets.

// FB values a table field can hold.
type (
	FBU8     uint8
	FBU16    uint16
	FBI32    int32
	FBU64    uint64
	FBString string
	FBF64s   []float64
	FBTable  map[int]any
	FBTables []FBTable
)

// FBBuffer builds a buffer whose root is t.
func FBBuffer(t FBTable) []byte {
	b := make([]byte, 4)
	pos := writeTable(&b, t)
	binary.LittleEndian.PutUint32(b, uint32(pos))
	return b
}

func fieldSize(v any) int {
	switch v.(type) {
	case FBU8:
		return 1
	case FBU16:
		return 2
	case FBU64:
		return 8
	}
	return 4
}

// writeTable appends t (vtable first) and what it points at, and returns
// the table's position.
func writeTable(b *[]byte, t FBTable) int {
	le := binary.LittleEndian
	ids := make([]int, 0, len(t))
	for id := range t {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	n := 0
	if len(ids) > 0 {
		n = ids[len(ids)-1] + 1
	}
	vt := len(*b)
	vtSize := 4 + 2*n
	*b = append(*b, make([]byte, vtSize)...)
	pos := len(*b)
	tblSize := 4
	offsets := map[int]int{}
	for _, id := range ids {
		offsets[id] = tblSize
		tblSize += fieldSize(t[id])
	}
	*b = append(*b, make([]byte, tblSize)...)
	le.PutUint16((*b)[vt:], uint16(vtSize))
	le.PutUint16((*b)[vt+2:], uint16(tblSize))
	le.PutUint32((*b)[pos:], uint32(int32(pos-vt)))
	for _, id := range ids {
		le.PutUint16((*b)[vt+4+2*id:], uint16(offsets[id]))
		at := pos + offsets[id]
		switch v := t[id].(type) {
		case FBU8:
			(*b)[at] = byte(v)
		case FBU16:
			le.PutUint16((*b)[at:], uint16(v))
		case FBI32:
			le.PutUint32((*b)[at:], uint32(v))
		case FBU64:
			le.PutUint64((*b)[at:], uint64(v))
		case FBString:
			target := len(*b)
			*b = le.AppendUint32(*b, uint32(len(v)))
			*b = append(append(*b, v...), 0)
			le.PutUint32((*b)[at:], uint32(target-at))
		case FBF64s:
			target := len(*b)
			*b = le.AppendUint32(*b, uint32(len(v)))
			for _, f := range v {
				*b = le.AppendUint64(*b, math.Float64bits(f))
			}
			le.PutUint32((*b)[at:], uint32(target-at))
		case FBTable:
			child := writeTable(b, v)
			le.PutUint32((*b)[at:], uint32(child-at))
		case FBTables:
			target := len(*b)
			*b = le.AppendUint32(*b, uint32(len(v)))
			slots := len(*b)
			*b = append(*b, make([]byte, 4*len(v))...)
			for i, c := range v {
				child := writeTable(b, c)
				le.PutUint32((*b)[slots+4*i:], uint32(child-(slots+4*i)))
			}
			le.PutUint32((*b)[at:], uint32(target-at))
		}
	}
	return pos
}

// FGBHeader is the header table of the FlatGeobuf fixture: 1,234
// multipolygons with two columns, in EPSG:4326.
var FGBHeader = FBTable{
	0:  FBString("parcels"),
	1:  FBF64s{-10, 40, 10, 50},
	2:  FBU8(6),
	7:  FBTables{{0: FBString("id"), 1: FBU8(7), 7: FBU8(0)}, {0: FBString("owner"), 1: FBU8(11)}},
	8:  FBU64(1234),
	9:  FBU16(16),
	10: FBTable{0: FBString("EPSG"), 1: FBI32(4326), 2: FBString("WGS 84")},
	11: FBString("Parcels"),
}

// FlatGeobuf is a FlatGeobuf file with header h, followed by a few bytes
// standing for the index and features.
func FlatGeobuf(h FBTable) []byte {
	buf := FBBuffer(h)
	out := []byte("fgb\x03fgb\x01")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(buf)))
	out = append(out, buf...)
	return append(out, make([]byte, 256)...)
}

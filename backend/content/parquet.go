package content

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/coopterm/coop/internal/humanize"
)

// Parquet is what a Parquet file's footer says.
type Parquet struct {
	Rows      int64 `json:"rows"`
	RowGroups int   `json:"row_groups"`
	// Columns counts the leaf columns (a struct's fields each count).
	Columns int `json:"columns"`
	// Schema is the top-level fields, nested fields within them.
	Schema []Field `json:"schema"`
	// Compression lists the codecs of the column chunks, in the order
	// first met ("zstd", "snappy").
	Compression []string `json:"compression"`
	// CompressedBytes and UncompressedBytes add up the column chunks.
	CompressedBytes   int64      `json:"compressed_bytes"`
	UncompressedBytes int64      `json:"uncompressed_bytes"`
	CreatedBy         string     `json:"created_by,omitempty"`
	Version           int32      `json:"version"`
	Metadata          []KeyValue `json:"metadata,omitempty"`
	// Geo is the GeoParquet "geo" metadata, when there is one.
	Geo *GeoParquet `json:"geo,omitempty"`
	// GeoError says why a "geo" entry could not be read.
	GeoError    string `json:"geo_error,omitempty"`
	FooterBytes int64  `json:"footer_bytes"`
}

// Field is one node of a Parquet schema.
type Field struct {
	Name string `json:"name"`
	// Type is the physical type of a leaf ("INT64",
	// "FIXED_LEN_BYTE_ARRAY(16)"); "" for a group.
	Type string `json:"type,omitempty"`
	// Logical is the logical (or, in older files, converted) type:
	// "STRING", "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", "LIST".
	Logical string `json:"logical_type,omitempty"`
	// Repetition is "required", "optional" or "repeated".
	Repetition string  `json:"repetition"`
	Fields     []Field `json:"fields,omitempty"`
}

// KeyValue is one entry of key-value metadata, in file order.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Bounds on what a footer may hold for this package to decode it: far
// above real files of the size a preview budget allows, far below what
// would let a forged footer use much memory.
var parquetLimits = thriftLimits{depth: 32, structs: 1 << 17}

const maxSchemaDepth = 64

// parquetTail is how much of the end of a Parquet file the first read
// takes: the footer of most files fits, so the whole preview is one
// request.
const parquetTail = 64 << 10

// footer is the subset of format.FileMetaData a summary needs: the
// decoder skips the rest (statistics, indexes, encodings), which keeps
// the memory a footer costs close to its size.
type footer struct {
	Version          int32                  `thrift:"1,optional"`
	Schema           []format.SchemaElement `thrift:"2,optional"`
	NumRows          int64                  `thrift:"3,optional"`
	RowGroups        []rowGroup             `thrift:"4,optional"`
	KeyValueMetadata []format.KeyValue      `thrift:"5,optional"`
	CreatedBy        string                 `thrift:"6,optional"`
}

type rowGroup struct {
	Columns []columnChunk `thrift:"1,optional"`
}

type columnChunk struct {
	MetaData columnMeta `thrift:"3,optional"`
}

type columnMeta struct {
	Codec                 format.CompressionCodec `thrift:"4,optional"`
	TotalUncompressedSize int64                   `thrift:"6,optional"`
	TotalCompressedSize   int64                   `thrift:"7,optional"`
}

// readParquet reads a Parquet file's footer: the last 8 bytes (the
// footer's length and the magic), then the footer, both usually from one
// read of the file's tail.
func readParquet(r *reader) (*Summary, error) {
	if r.size < 12 {
		return nil, fmt.Errorf("%w: %d bytes is too small for a Parquet file", ErrMalformed, r.size)
	}
	if err := r.prefetch(r.size-min(r.size, parquetTail), parquetTail); err != nil {
		return nil, err
	}
	tail, err := r.at(r.size-8, 8)
	if err != nil {
		return nil, err
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return nil, fmt.Errorf("%w: the Parquet footer is encrypted", ErrMalformed)
	default:
		return nil, fmt.Errorf("%w: not a Parquet file (no PAR1 at the end)", ErrMalformed)
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	if n > r.size-12 {
		return nil, fmt.Errorf("%w: the Parquet footer claims %s, more than the %s file holds",
			ErrMalformed, humanize.Bytes(n), humanize.Bytes(r.size))
	}
	if n > r.limit {
		return nil, r.overBudget("the Parquet footer of", n)
	}
	raw, err := r.at(r.size-8-n, n)
	if err != nil {
		return nil, err
	}
	md, err := decodeFooter(raw)
	if err != nil {
		return nil, err
	}
	p, err := describeParquet(md)
	if err != nil {
		return nil, err
	}
	p.FooterBytes = n
	s := &Summary{Format: FormatParquet, Size: r.size, Parquet: p}
	if p.Geo != nil {
		s.Format = FormatGeoParquet
	}
	return s, nil
}

// decodeFooter decodes a footer with the Parquet library's thrift decoder,
// once checkThrift has bounded what it may allocate.
func decodeFooter(raw []byte) (md *footer, err error) {
	if err := checkThrift(raw, parquetLimits); err != nil {
		return nil, fmt.Errorf("%w: the Parquet footer is not valid: %w", ErrMalformed, err)
	}
	defer func() {
		// The decoder is not ours; whatever it trips on stays one error.
		if p := recover(); p != nil {
			md, err = nil, fmt.Errorf("%w: the Parquet footer is not valid: %v", ErrMalformed, p)
		}
	}()
	md = new(footer)
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), raw, md); err != nil {
		return nil, fmt.Errorf("%w: the Parquet footer is not valid: %w", ErrMalformed, err)
	}
	return md, nil
}

func describeParquet(md *footer) (*Parquet, error) {
	p := &Parquet{Rows: md.NumRows, RowGroups: len(md.RowGroups), CreatedBy: md.CreatedBy, Version: md.Version}
	if len(md.Schema) == 0 {
		return nil, fmt.Errorf("%w: the Parquet footer has no schema", ErrMalformed)
	}
	b := schemaBuilder{elems: md.Schema}
	root := md.Schema[0]
	b.next = 1
	fields, err := b.children(int(root.NumChildren.V), 1)
	if err != nil {
		return nil, err
	}
	if b.next != len(md.Schema) {
		return nil, fmt.Errorf("%w: the Parquet schema has %d elements outside its tree", ErrMalformed, len(md.Schema)-b.next)
	}
	p.Schema, p.Columns = fields, b.leaves
	for _, rg := range md.RowGroups {
		for _, c := range rg.Columns {
			codec := strings.ToLower(c.MetaData.Codec.String())
			if !slices.Contains(p.Compression, codec) {
				p.Compression = append(p.Compression, codec)
			}
			p.CompressedBytes += c.MetaData.TotalCompressedSize
			p.UncompressedBytes += c.MetaData.TotalUncompressedSize
		}
	}
	if p.Compression == nil {
		p.Compression = []string{}
	}
	for _, kv := range md.KeyValueMetadata {
		p.Metadata = append(p.Metadata, KeyValue{Key: kv.Key, Value: kv.Value})
		if kv.Key == "geo" {
			p.Geo, err = parseGeo([]byte(kv.Value))
			if err != nil {
				p.GeoError = err.Error()
			}
		}
	}
	return p, nil
}

// schemaBuilder turns the depth-first list of schema elements into a
// tree, checking each element's child count against what is left.
type schemaBuilder struct {
	elems  []format.SchemaElement
	next   int
	leaves int
}

func (b *schemaBuilder) children(n, depth int) ([]Field, error) {
	if depth > maxSchemaDepth {
		return nil, fmt.Errorf("%w: the Parquet schema is nested deeper than %d", ErrMalformed, maxSchemaDepth)
	}
	if n < 0 || n > len(b.elems)-b.next {
		return nil, fmt.Errorf("%w: a Parquet schema element claims %d children, %d elements are left",
			ErrMalformed, n, len(b.elems)-b.next)
	}
	fields := make([]Field, 0, n)
	for range n {
		if b.next >= len(b.elems) {
			return nil, fmt.Errorf("%w: the Parquet schema ends inside a group", ErrMalformed)
		}
		e := b.elems[b.next]
		b.next++
		f := Field{Name: e.Name, Repetition: "required", Logical: logicalType(e)}
		if rep, ok := e.RepetitionType.Get(); ok {
			f.Repetition = strings.ToLower(rep.String())
		}
		if kids, ok := e.NumChildren.Get(); ok && kids > 0 {
			sub, err := b.children(int(kids), depth+1)
			if err != nil {
				return nil, err
			}
			f.Fields = sub
		} else {
			b.leaves++
			f.Type = physicalType(e)
		}
		fields = append(fields, f)
	}
	return fields, nil
}

func physicalType(e format.SchemaElement) string {
	t, ok := e.Type.Get()
	if !ok {
		return "?"
	}
	if t == format.FixedLenByteArray {
		return fmt.Sprintf("%s(%d)", t, e.TypeLength.V)
	}
	return t.String()
}

// convertedTypes names the deprecated converted types, by number, for
// files written before logical types.
var convertedTypes = []string{
	"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS", "TIME_MICROS",
	"TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64", "INT_8",
	"INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL",
}

func logicalType(e format.SchemaElement) string {
	if s := e.LogicalType.String(); s != "" {
		return s
	}
	ct, ok := e.ConvertedType.Get()
	if !ok || ct < 0 || int(ct) >= len(convertedTypes) {
		return ""
	}
	name := convertedTypes[ct]
	if name == "DECIMAL" {
		return fmt.Sprintf("DECIMAL(%d,%d)", e.Precision.V, e.Scale.V)
	}
	return name
}

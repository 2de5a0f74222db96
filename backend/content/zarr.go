package content

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Zarr describes a Zarr store, group or array, from its metadata
// documents: .zarray, .zgroup, .zattrs and the consolidated .zmetadata
// (v2), or zarr.json (v3).
type Zarr struct {
	Version int `json:"version"`
	// Node is "array" or "group".
	Node string `json:"node"`
	// Array describes the array, when Node is "array".
	Array *ZarrArray `json:"array,omitempty"`
	// Arrays are a group's arrays (nested ones named by their path),
	// Groups its subgroups; at most MaxZarrMembers in all, More set when
	// there are others.
	Arrays []ZarrArray `json:"arrays,omitempty"`
	Groups []string    `json:"groups,omitempty"`
	More   bool        `json:"more,omitempty"`
	// Consolidated is set when the members came from consolidated
	// metadata (one document for the whole hierarchy).
	Consolidated bool       `json:"consolidated,omitempty"`
	Attributes   []KeyValue `json:"attributes,omitempty"`
}

// ZarrArray describes one array.
type ZarrArray struct {
	Name   string  `json:"name,omitempty"`
	Shape  []int64 `json:"shape"`
	Chunks []int64 `json:"chunks"`
	// DType is the data type, spelled the NumPy way ("float32",
	// "int16", "datetime64[ns]").
	DType string `json:"dtype"`
	// Codecs are the compressor and filters (v2) or the codec chain
	// (v3): "blosc(zstd, level 5)", "sharding(inner chunks 64×64: bytes, zstd)".
	Codecs     []string   `json:"codecs"`
	FillValue  string     `json:"fill_value,omitempty"`
	Order      string     `json:"order,omitempty"`
	Dimensions []string   `json:"dimensions,omitempty"`
	Attributes []KeyValue `json:"attributes,omitempty"`
}

// MaxZarrMembers is the most arrays and groups a group preview lists.
const MaxZarrMembers = 100

// maxAttrValue bounds the JSON of one attribute value kept for display.
const maxAttrValue = 512

// zarrV2Array is the .zarray document.
type zarrV2Array struct {
	Shape      []int64           `json:"shape"`
	Chunks     []int64           `json:"chunks"`
	DType      json.RawMessage   `json:"dtype"`
	Compressor json.RawMessage   `json:"compressor"`
	Filters    []json.RawMessage `json:"filters"`
	FillValue  json.RawMessage   `json:"fill_value"`
	Order      string            `json:"order"`
}

// zarrV3 is the zarr.json document, array or group.
type zarrV3 struct {
	ZarrFormat int             `json:"zarr_format"`
	NodeType   string          `json:"node_type"`
	Shape      []int64         `json:"shape"`
	DataType   json.RawMessage `json:"data_type"`
	ChunkGrid  struct {
		Configuration struct {
			ChunkShape []int64 `json:"chunk_shape"`
		} `json:"configuration"`
	} `json:"chunk_grid"`
	Codecs         []json.RawMessage `json:"codecs"`
	FillValue      json.RawMessage   `json:"fill_value"`
	DimensionNames []*string         `json:"dimension_names"`
	Attributes     json.RawMessage   `json:"attributes"`
	Consolidated   *struct {
		Metadata map[string]json.RawMessage `json:"metadata"`
	} `json:"consolidated_metadata"`
}

// zarrError names a metadata document that could not be read.
func zarrError(doc string, err error) error {
	return fmt.Errorf("%w: %s is not valid Zarr metadata: %w", ErrMalformed, doc, err)
}

// parseZarrV2Array reads a .zarray document.
func parseZarrV2Array(name string, raw []byte) (ZarrArray, error) {
	var d zarrV2Array
	if err := json.Unmarshal(raw, &d); err != nil {
		return ZarrArray{}, zarrError(".zarray", err)
	}
	a := ZarrArray{Name: name, Shape: orEmpty(d.Shape), Chunks: orEmpty(d.Chunks), DType: v2DType(d.DType),
		FillValue: compactJSON(d.FillValue), Order: d.Order, Codecs: []string{}}
	for _, f := range d.Filters {
		a.Codecs = append(a.Codecs, codecName(f, "id"))
	}
	if len(d.Compressor) > 0 && string(d.Compressor) != "null" {
		a.Codecs = append(a.Codecs, codecName(d.Compressor, "id"))
	}
	return a, nil
}

// parseZarrV3 reads a zarr.json document.
func parseZarrV3(raw []byte) (zarrV3, error) {
	var d zarrV3
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, zarrError("zarr.json", err)
	}
	if d.ZarrFormat != 3 {
		return d, zarrError("zarr.json", fmt.Errorf("zarr_format is %d, not 3", d.ZarrFormat))
	}
	return d, nil
}

// array describes a v3 array document.
func (d zarrV3) array(name string) ZarrArray {
	a := ZarrArray{Name: name, Shape: orEmpty(d.Shape), Chunks: orEmpty(d.ChunkGrid.Configuration.ChunkShape),
		DType: v3DType(d.DataType), FillValue: compactJSON(d.FillValue), Codecs: codecChain(d.Codecs),
		Attributes: attributes(d.Attributes)}
	for _, n := range d.DimensionNames {
		if n == nil {
			a.Dimensions = append(a.Dimensions, "")
		} else {
			a.Dimensions = append(a.Dimensions, *n)
		}
	}
	return a
}

// codecChain names each codec of a v3 chain.
func codecChain(codecs []json.RawMessage) []string {
	out := make([]string, 0, len(codecs))
	for _, c := range codecs {
		out = append(out, codecName(c, "name"))
	}
	return out
}

// codecName describes one codec or compressor: its name, and the settings
// people compare (level, inner compressor, shard chunks).
func codecName(raw json.RawMessage, key string) string {
	var c map[string]json.RawMessage
	if json.Unmarshal(raw, &c) != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return "?"
	}
	var name string
	_ = json.Unmarshal(c[key], &name)
	conf := c
	if cfg, ok := c["configuration"]; ok {
		conf = nil
		_ = json.Unmarshal(cfg, &conf)
	}
	var parts []string
	if name == "sharding_indexed" {
		var shape []int64
		var inner []json.RawMessage
		_ = json.Unmarshal(conf["chunk_shape"], &shape)
		_ = json.Unmarshal(conf["codecs"], &inner)
		return fmt.Sprintf("sharding(inner chunks %s: %s)", dims(shape), strings.Join(codecChain(inner), ", "))
	}
	if v := conf["cname"]; v != nil {
		parts = append(parts, strings.Trim(string(v), `"`))
	}
	for _, k := range []string{"clevel", "level"} {
		if v := conf[k]; v != nil {
			parts = append(parts, "level "+string(v))
		}
	}
	if v := conf["endian"]; v != nil {
		parts = append(parts, strings.Trim(string(v), `"`))
	}
	if len(parts) == 0 {
		return name
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// dims renders a shape as 64×64.
func dims(shape []int64) string {
	s := make([]string, len(shape))
	for i, n := range shape {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, "×")
}

// v2DTypes spells NumPy type codes the way people read them.
var v2DTypes = map[byte]string{'f': "float", 'i': "int", 'u': "uint", 'c': "complex", 'b': "bool"}

// v2DType renders a v2 dtype: "<f4" is float32, "|S10" bytes of 10.
func v2DType(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var fields []json.RawMessage
		if json.Unmarshal(raw, &fields) == nil {
			return fmt.Sprintf("structured (%d fields)", len(fields))
		}
		return compactJSON(raw)
	}
	code := strings.TrimLeft(s, "<>|=")
	if len(code) < 2 {
		return s
	}
	n, err := strconv.Atoi(code[1:])
	switch {
	case code[0] == 'b' && code == "b1":
		return "bool"
	case err == nil && v2DTypes[code[0]] != "":
		return fmt.Sprintf("%s%d", v2DTypes[code[0]], n*8)
	case code[0] == 'S' && err == nil:
		return fmt.Sprintf("bytes[%d]", n)
	case code[0] == 'U' && err == nil:
		return fmt.Sprintf("unicode[%d]", n)
	case code[0] == 'M':
		return "datetime64" + code[2:]
	case code[0] == 'm':
		return "timedelta64" + code[2:]
	}
	return s
}

// v3DType renders a v3 data_type: a name, or an extension's object.
func v3DType(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var ext struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(raw, &ext) == nil && ext.Name != "" {
		return ext.Name
	}
	return compactJSON(raw)
}

// attributes lists a JSON object's keys in order of name, each value as
// compact JSON, cut at maxAttrValue.
func attributes(raw json.RawMessage) []KeyValue {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]KeyValue, 0, len(keys))
	for _, k := range keys {
		out = append(out, KeyValue{Key: k, Value: compactJSON(m[k])})
	}
	return out
}

// compactJSON renders a JSON value on one line, cut at maxAttrValue; ""
// for an absent or invalid value. Numbers keep their digits.
func compactJSON(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return cut(s, maxAttrValue)
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return ""
	}
	return cut(b.String(), maxAttrValue)
}

// cut shortens s to at most n bytes, on a rune boundary, with an ellipsis.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xc0 != 0x80 }

func orEmpty(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

package metadoc

import (
	"bytes"
	"io"
	"slices"
	"strings"

	"github.com/coopterm/coop/backend"
)

// Doc is a document held in memory as its raw entries: for documents
// small enough to read whole, and as the reference the streaming paths
// are tested against. It serves the same reads as an index.
type Doc struct {
	Head     backend.MetadataHead
	raw      map[string][]byte
	keys     []string // sorted unless unsorted is set
	unsorted bool
}

// sorted sorts the keys Add appended.
func (d *Doc) sorted() []string {
	if d.unsorted {
		slices.Sort(d.keys)
		d.unsorted = false
	}
	return d.keys
}

// Load reads a whole document (see Scan); where a path repeats, the last
// entry wins, as encoding/json decides.
func Load(r io.Reader) (*Doc, error) {
	d := &Doc{raw: map[string][]byte{}}
	head, err := Scan(r, func(e Entry) error {
		d.raw[e.Path] = bytes.Clone(e.Raw)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Head = head
	d.keys = make([]string, 0, len(d.raw))
	for k := range d.raw {
		d.keys = append(d.keys, k)
	}
	slices.Sort(d.keys)
	return d, nil
}

// Len is the number of entries.
func (d *Doc) Len() int { return len(d.raw) }

// Entry decodes the entry of path (see backend.MetadataView).
func (d *Doc) Entry(path string) (backend.ObjectMeta, bool, error) {
	raw, ok := d.raw[path]
	if !ok {
		return backend.ObjectMeta{}, false, nil
	}
	m, err := backend.DecodeObjectMeta(raw)
	return m, true, err
}

// Under calls fn for the entries below folder (see backend.MetadataView).
func (d *Doc) Under(folder string, fn func(string, backend.EntryType) bool) error {
	prefix := ""
	if folder != "" {
		prefix = folder + "/"
	}
	keys := d.sorted()
	i, _ := slices.BinarySearch(keys, prefix)
	for ; i < len(keys) && strings.HasPrefix(keys[i], prefix); i++ {
		if keys[i] == folder {
			continue
		}
		if !fn(keys[i], EntryType(d.raw[keys[i]])) {
			break
		}
	}
	return nil
}

// Source yields every entry in byte order.
func (d *Doc) Source() Source {
	return func(yield func(string, []byte) error) error {
		for _, k := range d.sorted() {
			if err := yield(k, d.raw[k]); err != nil {
				return err
			}
		}
		return nil
	}
}

// Walk calls fn with pages of the decoded entries at folder and below.
func (d *Doc) Walk(folder string, fn func([]backend.MetadataEntry) error) error {
	keys := d.sorted()
	start := 0
	if folder != "" {
		start, _ = slices.BinarySearch(keys, folder)
	}
	var page []backend.MetadataEntry
	for _, k := range keys[start:] {
		if !backend.Within(k, folder) {
			if folder != "" && k > folder+"0" {
				break
			}
			continue
		}
		m, err := backend.DecodeObjectMeta(d.raw[k])
		if err != nil {
			return err
		}
		page = append(page, backend.MetadataEntry{Path: k, Meta: m})
		if len(page) == backend.DefaultMetadataPage {
			if err := fn(page); err != nil {
				return err
			}
			page = page[:0]
		}
	}
	if len(page) > 0 {
		return fn(page)
	}
	return nil
}

// FolderPage returns one page of the entries directly in folder.
func (d *Doc) FolderPage(folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
	return FolderPage(folder, req, d.scan)
}

// scan is the document's ScanFunc, over its sorted paths.
func (d *Doc) scan(from string, fn func(path string, raw []byte) (string, bool, error)) error {
	keys := d.sorted()
	i, _ := slices.BinarySearch(keys, from)
	for i < len(keys) {
		skip, stop, err := fn(keys[i], d.raw[keys[i]])
		if err != nil || stop {
			return err
		}
		if skip > keys[i] {
			j, _ := slices.BinarySearch(keys[i+1:], skip)
			i += 1 + j
			continue
		}
		i++
	}
	return nil
}

// EntryType reads just the type of a raw entry, "" if it has none or
// the entry is not an object: without decoding the rest of it.
func EntryType(raw []byte) backend.EntryType {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return ""
	}
	i = skipWS(raw, i+1)
	var typ backend.EntryType
	for i < len(raw) && raw[i] == '"' {
		end, err := scanString(raw, i, true)
		if err != nil {
			return ""
		}
		key := raw[i:end]
		i = skipWS(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return ""
		}
		i = skipWS(raw, i+1)
		n, err := scanValue(raw[i:], true, 0)
		if err != nil {
			return ""
		}
		if string(key) == `"type"` || (bytes.IndexByte(key, '\\') >= 0 && decodedIs(key, "type")) {
			// The last wins, as when decoding; the common types without
			// a string made for each entry.
			switch v := raw[i : i+n]; {
			case string(v) == `"file"`:
				typ = backend.TypeFile
			case string(v) == `"directory"`:
				typ = backend.TypeDirectory
			case raw[i] != '"':
				typ = ""
			default:
				if s, err := decodeString(v); err == nil {
					typ = backend.EntryType(s)
				} else {
					typ = ""
				}
			}
		}
		i = skipWS(raw, i+n)
		if i < len(raw) && raw[i] == ',' {
			i = skipWS(raw, i+1)
		}
	}
	return typ
}

// decodedIs reports whether the JSON string key decodes to want.
func decodedIs(key []byte, want string) bool {
	s, err := decodeString(key)
	return err == nil && s == want
}

// NewDoc is an empty document.
func NewDoc() *Doc { return &Doc{raw: map[string][]byte{}} }

// Add sets the entry of path, encoding m.
func (d *Doc) Add(path string, m backend.ObjectMeta) error {
	raw, err := m.AppendJSON(nil)
	if err != nil {
		return err
	}
	if _, ok := d.raw[path]; !ok {
		d.keys = append(d.keys, path)
		d.unsorted = true
	}
	d.raw[path] = raw
	return nil
}

// Apply makes d the document a merge of d with writes produces.
func (d *Doc) Apply(writes []backend.PlannedEntry) error {
	for _, w := range writes {
		if w.Meta == nil {
			delete(d.raw, w.Path)
			continue
		}
		raw, err := w.Meta.AppendJSON(nil)
		if err != nil {
			return err
		}
		d.raw[w.Path] = raw
	}
	keys := make([]string, 0, len(d.raw))
	i := 0
	for _, k := range d.sorted() {
		for ; i < len(writes) && writes[i].Path < k; i++ {
			if writes[i].Meta != nil {
				keys = append(keys, writes[i].Path)
			}
		}
		if i < len(writes) && writes[i].Path == k {
			i++
			if writes[i-1].Meta == nil {
				continue
			}
		}
		keys = append(keys, k)
	}
	for ; i < len(writes); i++ {
		if writes[i].Meta != nil {
			keys = append(keys, writes[i].Path)
		}
	}
	d.keys = keys
	return nil
}

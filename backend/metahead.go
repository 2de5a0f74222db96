package backend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
)

// The top-level fields of a document coop writes itself: they cannot be
// set by a batch (SetHeadField), only stamped by the store.
var ownHeadFields = []string{fieldRepositoryID, fieldAccountID, fieldLastUpdated, fieldObjects}

// SetHeadField sets the document's top-level field name to the JSON
// value v, or removes the field if v is nil. These are the fields other
// tools keep beside the entries, which every rewrite otherwise keeps as
// they are; a migration copies them with this. The value is written
// compacted (whitespace outside strings dropped, nothing else changed:
// numbers keep every digit). The fields coop writes itself
// (repository_id, account_id, last_updated, objects) cannot be set, and
// Validate refuses a value that is not JSON. The last call for a name
// wins.
func (b *MetadataBatch) SetHeadField(name string, v json.RawMessage) {
	if b.head == nil {
		b.head = map[string]json.RawMessage{}
	}
	if v == nil {
		b.head[name] = nil
		return
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		b.head[name] = bytes.Clone(v) // kept for Validate to refuse
		return
	}
	b.head[name] = buf.Bytes()
}

// HeadFields returns the top-level fields the batch sets (a nil value
// removes its field).
func (b *MetadataBatch) HeadFields() map[string]json.RawMessage { return maps.Clone(b.head) }

// validateHead checks the top-level fields the batch sets.
func (b *MetadataBatch) validateHead() error {
	for _, name := range slices.Sorted(maps.Keys(b.head)) {
		v := b.head[name]
		switch {
		case slices.Contains(ownHeadFields, name):
			return fmt.Errorf("%w top-level field %q: coop writes it itself", ErrInvalid, name)
		case !utf8.ValidString(name):
			return fmt.Errorf("%w top-level field %q: not UTF-8", ErrInvalid, name)
		case v != nil && !json.Valid(v):
			return fmt.Errorf("%w top-level field %q: the value is not JSON", ErrInvalid, name)
		}
	}
	return nil
}

// ApplyHead returns head with the batch's top-level fields set or
// removed (head itself is not changed), and whether that changed it: a
// field set to the value it has, compared compacted, is no change.
func (b *MetadataBatch) ApplyHead(head MetadataHead) (MetadataHead, bool) {
	if len(b.head) == 0 {
		return head, false
	}
	out := head
	out.Extra = maps.Clone(head.Extra)
	changed := false
	for name, v := range b.head {
		old, had := out.Extra[name]
		switch {
		case v == nil && had:
			delete(out.Extra, name)
			changed = true
		case v == nil:
		case !had || !SameJSON(old, v):
			if out.Extra == nil {
				out.Extra = map[string]json.RawMessage{}
			}
			out.Extra[name] = v
			changed = true
		}
	}
	return out, changed
}

// SameJSON reports whether two JSON texts are the same once compacted:
// equal but for whitespace outside strings. Numbers are compared as
// written (1.0 is not 1), and so are object keys' order.
func SameJSON(a, b []byte) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

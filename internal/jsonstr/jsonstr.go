// Package jsonstr writes JSON strings by hand, byte for byte as
// encoding/json writes them, for encoders of fixed records (metadata
// entries, audit lines) that reflection made slow.
package jsonstr

import "encoding/json"

// Append appends s as a JSON string the way encoding/json does: as it is
// between quotes when plain, else by encoding/json itself.
func Append(buf []byte, s string) []byte {
	if Plain(s) {
		buf = append(buf, '"')
		buf = append(buf, s...)
		return append(buf, '"')
	}
	q, _ := json.Marshal(s) // a string always encodes
	return append(buf, q...)
}

// Plain reports whether encoding/json writes s unchanged between quotes:
// printable ASCII without a quote, a backslash or the characters it
// escapes for HTML (<, >, &).
func Plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

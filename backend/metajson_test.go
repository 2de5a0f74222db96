package backend

import (
	"encoding/json"
	"errors"
	"testing"
)

// plainJSONString is a shortcut past json.Unmarshal for the strings of an
// entry: wherever it answers, it must answer as json.Unmarshal does.
func FuzzPlainJSONString(f *testing.F) {
	for _, s := range []string{`""`, `"a.csv"`, `"2024-01-15T10:00:00Z"`, `"é ü 日本"`, `"a\"b"`, `"a\\nb"`,
		`"\u00e9"`, "\"tab\there\"", "\"bad \xff utf8\"", `"unterminated`, `"`, `12`, `null`, `"a"b"`, "\"\x7f\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		got, ok := plainJSONString(v)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatalf("plainJSONString(%q) = %q, but json.Unmarshal fails: %v", v, got, err)
		}
		if got != want {
			t.Fatalf("plainJSONString(%q) = %q, json.Unmarshal %q", v, got, want)
		}
	})
}

// An entry is decoded the same through the shortcuts as through
// json.Unmarshal, and text that is not JSON at all is still an error
// while JSON that is not an object is marked, not failed.
func TestDecodeObjectMetaShortcuts(t *testing.T) {
	raw := []byte(`{"id":"x","type":"file","size":3,"mime_type":"text/csv","created_at":"2024-01-15T10:00:00Z",` +
		`"updated_at":"2024-01-15T10:00:00.5+01:00","checksum":"ab\u0063","metadata":{},"x":"é"}`)
	m, err := DecodeObjectMeta(raw)
	if err != nil || m.Problem != "" {
		t.Fatalf("DecodeObjectMeta: %v, problem %q", err, m.Problem)
	}
	if m.ID != "x" || m.Type != TypeFile || m.Size != 3 || m.MimeType != "text/csv" || m.Checksum != "abc" ||
		m.CreatedAt.Format("15:04:05.0") != "10:00:00.0" || m.UpdatedAt.Format("15:04:05.0") != "09:00:00.5" ||
		m.Metadata == nil || len(m.Metadata) != 0 || string(m.Extra["x"]) != `"é"` {
		t.Errorf("DecodeObjectMeta = %+v", m)
	}
	for _, bad := range []string{`{"id":`, `{"id":"x"} trailing`, "", `{"a":1,}`} {
		if _, err := DecodeObjectMeta([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodeObjectMeta(%q): %v, want ErrInvalid", bad, err)
		}
	}
	for _, odd := range []string{`[1]`, `"x"`, `null`, `12`} {
		m, err := DecodeObjectMeta([]byte(odd))
		if err != nil || m.Problem == "" || string(m.Raw) != odd {
			t.Errorf("DecodeObjectMeta(%q) = problem %q raw %q, %v; want it marked, kept, no error", odd, m.Problem, m.Raw, err)
		}
	}
}

// coopEntry is an entry as coop writes it.
var coopEntry = []byte(`{"id":"0b5e1a4c-7f3d-4a8e-9c2b-1d6f0e3a5b7c","type":"file","size":16,"mime_type":"application/octet-stream",` +
	`"created_at":"2026-12-05T03:33:10.123456789Z","updated_at":"2026-12-05T03:33:10.123456789Z",` +
	`"checksum":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","metadata":{}}`)

// Decoding an entry as coop writes it allocates no more than the entry's
// own fields need: no second validating pass, no decoder for an empty
// metadata object, no reflection for plain strings. (A recursive delete
// of 10,000 objects decodes each removed entry once.)
func TestDecodeObjectMetaAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := DecodeObjectMeta(coopEntry); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.0f allocations per entry", allocs)
	if allocs > 50 {
		t.Errorf("%.0f allocations to decode one entry, want at most 50", allocs)
	}
}

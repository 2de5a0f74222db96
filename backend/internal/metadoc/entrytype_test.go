package metadoc

import (
	"testing"

	"github.com/coopterm/coop/backend"
)

// EntryType tells the type a decoding would, the last of repeated keys
// winning, and allocates nothing for a file's entry (it made a string
// for the type, and an error for each number it passed): a recursive
// delete's lookups read thousands.
func TestEntryTypeAsDecoded(t *testing.T) {
	for raw, want := range map[string]backend.EntryType{
		`{"type":"file","size":1}`:            backend.TypeFile,
		`{ "size": 1, "type" : "directory" }`: backend.TypeDirectory,
		`{"type":"\u0066ile"}`:                backend.TypeFile,
		`{"\u0074ype":"file"}`:                backend.TypeFile,
		`{"type":"link"}`:                     "link",
		`{"type":"file","type":"directory"}`:  backend.TypeDirectory,
		`{"type":"directory","type":1}`:       "",
		`{"type":7}`:                          "",
		`[]`:                                  "",
		`{"size":1}`:                          "",
	} {
		if got := EntryType([]byte(raw)); got != want {
			t.Errorf("EntryType(%s) = %q, want %q", raw, got, want)
		}
	}
	raw := []byte(`{"type":"file","size":1,"checksum":"sha256:00","mod_time":"2026-01-01T00:00:00Z"}`)
	if n := testing.AllocsPerRun(100, func() { _ = EntryType(raw) }); n != 0 {
		t.Errorf("EntryType of a file made %v allocations, want 0", n)
	}
}

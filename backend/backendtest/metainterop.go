package backendtest

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// writeRaw replaces ref's metadata document by raw, as another tool would.
func (h Hooks) writeRaw(t *testing.T, s backend.Store, ref backend.RepoRef, raw []byte) {
	t.Helper()
	switch {
	case h.WriteRawMetadata != nil:
		h.WriteRawMetadata(t, s, ref, raw)
	case h.CorruptMetadata != nil && string(raw) == CorruptMetadataContent:
		h.CorruptMetadata(t, s, ref)
	default:
		t.Fatal("backendtest: Hooks.WriteRawMetadata is required to check documents other tools wrote")
	}
}

// readRaw reads ref's metadata document as stored.
func (h Hooks) readRaw(t *testing.T, s backend.Store, ref backend.RepoRef) []byte {
	t.Helper()
	if h.ReadRawMetadata == nil {
		t.Fatal("backendtest: Hooks.ReadRawMetadata is required to check what a store writes")
	}
	return h.ReadRawMetadata(t, s, ref)
}

func (c *suite) metadataInterop(t *testing.T) {
	run(t, "ForeignDocumentRoundTrip", c, func(t *testing.T, s backend.Store) { testForeignRoundTrip(t, s, c.hooks) })
	run(t, "ForeignEntriesRead", c, func(t *testing.T, s backend.Store) { testForeignEntriesRead(t, s, c.hooks) })
	run(t, "HeadFields", c, func(t *testing.T, s backend.Store) { testHeadFields(t, s, c.hooks) })
}

// foreignDocument is a document as other tools write it: fields coop
// does not know at every level (before and after the objects), nested
// maps, nulls, numbers no float64 holds, times in other ISO 8601 forms,
// and entries coop cannot read.
const foreignDocument = `{
  "schema": {"version": 3, "tags": ["a", null, {"deep": [1, 2.50, 1e400]}]},
  "repository_id": "written-by-another-tool",
  "objects": {
    "keep.csv": {"id": "k1", "type": "file", "size": 12, "mime_type": "text/csv",
      "created_at": "2024-01-15T10:00:00.123456", "updated_at": 1705312800,
      "checksum": "ab12", "etag": "\"abc\"", "x_null": null,
      "x_nested": {"a": {"b": [1, {"c": null}]}},
      "metadata": {"big": 123456789012345678901234567890, "pi": 3.14159265358979323846264338327950288,
                   "none": null, "list": [1, "two", {"three": 3}]}},
    "day.txt": {"id": "d1", "type": "file", "size": 1, "created_at": "2024-01-15", "updated_at": "2024-01-15 10:00:00+02:00", "metadata": {}},
    "broken.txt": {"id": "b1", "type": "file", "size": "a lot", "created_at": "yesterday", "metadata": {}},
    "number.txt": 42,
    "null.txt": null,
    "touched.txt": {"id": "t1", "type": "file", "size": 5, "created_at": "2023-06-01T00:00:00Z", "etag": "old",
                    "metadata": {"owner": "someone", "count": 98765432109876543210}}
  },
  "big_after": 98765432109876543210987654321,
  "empty": {},
  "last_updated": "2024-01-15T10:00:00"
}`

// decodeNumbers decodes JSON keeping numbers exact.
func decodeNumbers(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return v
}

func testForeignRoundTrip(t *testing.T, s backend.Store, h Hooks) {
	ref := newRepo(t, s)
	h.writeRaw(t, s, ref, []byte(foreignDocument))
	now := baseTime.Add(48 * time.Hour)
	b := backend.NewMetadataBatch(now)
	b.Stored(backend.ObjectInfo{Path: "touched.txt", Size: 6, ContentType: "text/plain", Checksum: "sha256:" + strings.Repeat("1", 64)})
	b.Stored(backend.ObjectInfo{Path: "new/file.txt", Size: 1, ContentType: "text/plain"})
	_, err := s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)

	before, after := decodeNumbers(t, []byte(foreignDocument)), decodeNumbers(t, h.readRaw(t, s, ref))
	if after["repository_id"] != ref.RepositoryID || after["account_id"] != ref.AccountID {
		t.Errorf("the rewrite did not stamp the document: %v %v", after["repository_id"], after["account_id"])
	}
	for _, k := range []string{"repository_id", "account_id", "last_updated", "objects"} {
		delete(before, k)
	}
	objsAfter, _ := after["objects"].(map[string]any)
	for _, k := range []string{"repository_id", "account_id", "last_updated", "objects"} {
		delete(after, k)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("top-level fields coop does not know changed:\nbefore %v\nafter  %v", before, after)
	}
	objsBefore := decodeNumbers(t, []byte(foreignDocument))["objects"].(map[string]any)
	for _, p := range []string{"keep.csv", "day.txt", "broken.txt", "number.txt", "null.txt"} {
		got, ok := objsAfter[p]
		if !ok {
			t.Errorf("entry %s was dropped", p)
			continue
		}
		if !reflect.DeepEqual(got, objsBefore[p]) {
			t.Errorf("entry %s changed:\nbefore %v\nafter  %v", p, objsBefore[p], got)
		}
	}
	touched, _ := objsAfter["touched.txt"].(map[string]any)
	meta, _ := touched["metadata"].(map[string]any)
	if touched["etag"] != "old" || touched["id"] != "t1" || touched["size"] != json.Number("6") ||
		meta["count"] != json.Number("98765432109876543210") || touched["created_at"] != "2023-06-01T00:00:00Z" {
		t.Errorf("replaced entry = %v; want size 6 with the id, creation time, metadata and unknown fields of the old one", touched)
	}
	if got := slices.Sorted(maps.Keys(objsAfter)); !slices.Equal(got, []string{"broken.txt", "day.txt", "keep.csv", "new", "new/file.txt", "null.txt", "number.txt", "touched.txt"}) {
		t.Errorf("entries after = %v", got)
	}
}

func testForeignEntriesRead(t *testing.T, s backend.Store, h Hooks) {
	ref := newRepo(t, s)
	h.writeRaw(t, s, ref, []byte(foreignDocument))
	keep, err := s.ReadObjectMetadata(ctx(t), ref, "keep.csv")
	must(t, err)
	if keep.Problem != "" || !keep.CreatedAt.Equal(time.Date(2024, 1, 15, 10, 0, 0, 123456000, time.UTC)) ||
		!keep.UpdatedAt.Equal(time.Unix(1705312800, 0)) || string(keep.Extra["etag"]) != `"\"abc\""` {
		t.Errorf("keep.csv = %s", describe(keep))
	}
	if got := keep.Metadata["big"]; got != json.Number("123456789012345678901234567890") {
		t.Errorf("a big number in custom metadata read as %v (%T)", got, got)
	}
	day, err := s.ReadObjectMetadata(ctx(t), ref, "day.txt")
	must(t, err)
	if day.Problem != "" || !day.CreatedAt.Equal(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)) || !day.UpdatedAt.Equal(time.Date(2024, 1, 15, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("day.txt = %s", describe(day))
	}
	for _, p := range []string{"broken.txt", "number.txt", "null.txt"} {
		m, err := s.ReadObjectMetadata(ctx(t), ref, p)
		if err != nil {
			t.Errorf("%s: %v, want the entry marked with its problem", p, err)
			continue
		}
		if m.Problem == "" || len(m.Raw) == 0 {
			t.Errorf("%s read with no problem: %s", p, describe(m))
		}
	}
	broken, _ := s.ReadObjectMetadata(ctx(t), ref, "broken.txt")
	if !strings.Contains(broken.Problem, "size") || !strings.Contains(broken.Problem, "created_at") || broken.ID != "b1" {
		t.Errorf("broken.txt problem %q (id %q): want size and created_at named, and the id read", broken.Problem, broken.ID)
	}
	n := 0
	head, err := s.ReadMetadata(ctx(t), ref, "", func(page []backend.MetadataEntry) error {
		n += len(page)
		return nil
	})
	must(t, err)
	if n != 6 || head.RepositoryID != "written-by-another-tool" || string(head.Extra["big_after"]) != "98765432109876543210987654321" {
		t.Errorf("walk gave %d entries, head %+v", n, head)
	}
}

func jsonNumber(s string) json.Number { return json.Number(s) }

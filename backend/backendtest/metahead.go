package backendtest

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// rawFields decodes a document's top level into its fields as written.
func rawFields(t *testing.T, doc []byte) map[string]json.RawMessage {
	t.Helper()
	var f map[string]json.RawMessage
	if err := json.Unmarshal(doc, &f); err != nil {
		t.Fatalf("the document is not JSON: %v\n%s", err, doc)
	}
	return f
}

// testHeadFields sets, replaces and removes top-level fields beside the
// entries (MetadataBatch.SetHeadField): values kept exactly, entries and
// other fields untouched, coop's own fields refused, a repository with
// no document given one.
func testHeadFields(t *testing.T, s backend.Store, h Hooks) {
	ref := newRepo(t, s)
	h.writeRaw(t, s, ref, []byte(foreignDocument))
	before := rawFields(t, h.readRaw(t, s, ref))

	const (
		schema = `{"version": 4, "tags": [ "b", {"deep": [ 123456789012345678901234567890, 2.50, 1e400, null ] } ] }`
		added  = `[{"run": 98765432109876543210, "ok": true, "note": null, "nested": {"a": {"b": []}}}]`
	)
	b := backend.NewMetadataBatch(time.Time{})
	b.SetHeadField("schema", json.RawMessage(schema))
	b.SetHeadField("x_pipeline", json.RawMessage(added))
	b.SetHeadField("empty", nil)
	b.SetHeadField("not_there", nil)
	res, err := s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)
	if !res.Written || len(res.Changes) != 0 {
		t.Errorf("result %+v: want the document written with no entry changed", res)
	}
	after := rawFields(t, h.readRaw(t, s, ref))
	for name, want := range map[string]string{"schema": schema, "x_pipeline": added, "big_after": string(before["big_after"])} {
		if !backend.SameJSON(after[name], []byte(want)) {
			t.Errorf("top-level %s = %s, want %s", name, after[name], want)
		}
	}
	if _, ok := after["empty"]; ok {
		t.Errorf("top-level empty not removed: %s", after["empty"])
	}
	if _, ok := after["not_there"]; ok {
		t.Error("removing an absent field added it")
	}
	if !slices.Equal(slices.Sorted(maps.Keys(decodeNumbers(t, after["objects"]))), slices.Sorted(maps.Keys(decodeNumbers(t, before["objects"])))) ||
		!maps.EqualFunc(decodeNumbers(t, after["objects"]), decodeNumbers(t, before["objects"]), func(a, b any) bool { return describe(a) == describe(b) }) {
		t.Errorf("entries changed:\nbefore %s\nafter  %s", before["objects"], after["objects"])
	}
	head, err := s.ReadMetadata(ctx(t), ref, "", func([]backend.MetadataEntry) error { return nil })
	must(t, err)
	if !backend.SameJSON(head.Extra["schema"], []byte(schema)) || !backend.SameJSON(head.Extra["x_pipeline"], []byte(added)) || head.Extra["empty"] != nil {
		t.Errorf("head read back: %s", head.Extra)
	}

	// The head comes back even when fn stops the walk at once.
	stop := errors.New("stop")
	head, err = s.ReadMetadata(ctx(t), ref, "", func([]backend.MetadataEntry) error { return stop })
	if !errors.Is(err, stop) || !backend.SameJSON(head.Extra["schema"], []byte(schema)) {
		t.Errorf("walk stopped by fn: %v, head %s; want fn's error and the head", err, head.Extra)
	}

	// The same values again change nothing.
	again := backend.NewMetadataBatch(time.Time{})
	again.SetHeadField("schema", json.RawMessage(schema))
	again.SetHeadField("empty", nil)
	res, err = s.UpdateMetadata(ctx(t), ref, again)
	must(t, err)
	if res.Written {
		t.Error("setting the values the document has rewrote it")
	}

	// coop's own fields, and values that are not JSON, are refused.
	written := h.readRaw(t, s, ref)
	for name, v := range map[string]string{"objects": `{}`, "repository_id": `"other"`, "last_updated": `"2020-01-01T00:00:00Z"`, "x_bad": `{"a":`} {
		bad := backend.NewMetadataBatch(time.Time{})
		bad.SetHeadField(name, json.RawMessage(v))
		if _, err := s.UpdateMetadata(ctx(t), ref, bad); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("setting top-level %s to %s: %v, want ErrInvalid", name, v, err)
		}
	}
	if got := h.readRaw(t, s, ref); string(got) != string(written) {
		t.Errorf("a refused batch changed the document:\n%s\n%s", written, got)
	}

	// A repository with no document gets one with the fields, and the
	// entries of its base.
	fresh := newRepo(t, s)
	fb := backend.NewMetadataBatch(baseTime)
	fb.SetHeadField("x_pipeline", json.RawMessage(added))
	fb.SetBase(func(_ context.Context, emit func(backend.MetadataEntry) error) error {
		return emit(backend.MetadataEntry{Path: "a.txt", Meta: backend.ObjectMeta{ID: "a1", Type: backend.TypeFile, Size: 1, CreatedAt: baseTime, UpdatedAt: baseTime}})
	})
	_, err = s.UpdateMetadata(ctx(t), fresh, fb)
	must(t, err)
	got := rawFields(t, h.readRaw(t, s, fresh))
	if !backend.SameJSON(got["x_pipeline"], []byte(added)) || len(decodeNumbers(t, got["objects"])) != 1 {
		t.Errorf("new document: x_pipeline %s, objects %s", got["x_pipeline"], got["objects"])
	}
}

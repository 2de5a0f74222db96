package backendtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coopterm/coop/backend"
)

func (c *suite) metadata(t *testing.T) {
	run(t, "Missing", c, testMetadataMissing)
	run(t, "RoundTrip", c, testMetadataRoundTrip)
	run(t, "JSONShape", c, testMetadataJSONShape)
	run(t, "SetAndRemoveObject", c, testMetadataSetRemove)
	run(t, "FailedUpdateWritesNothing", c, testMetadataFnError)
	run(t, "ConcurrentWriters", c, testMetadataConcurrent)
	run(t, "Invalid", c, testMetadataInvalid)
	run(t, "Corrupt", c, func(t *testing.T, s backend.Store) { testMetadataCorrupt(t, s, c.hooks) })
}

func sampleMeta(p string) backend.ObjectMeta {
	return backend.ObjectMeta{
		ID: "id-" + p, Type: backend.TypeFile, Size: 1234, MimeType: "text/csv",
		CreatedAt: baseTime, UpdatedAt: baseTime.Add(90 * 1e9), Checksum: "sha256:" + strings.Repeat("ab", 32),
		Metadata: map[string]any{"source": "survey", "rows": 42.0, "nested": map[string]any{"ok": true, "list": []any{"x", 1.0}}},
	}
}

func testMetadataMissing(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	_, err := s.ReadMetadata(ctx(t), ref)
	wantErr(t, "ReadMetadata of a new repository", err, backend.ErrMetadataMissing)
	put(t, s, ref, "file.txt", "objects alone do not make a metadata file")
	_, err = s.ReadMetadata(ctx(t), ref)
	wantErr(t, "ReadMetadata after a put", err, backend.ErrMetadataMissing)
}

func testMetadataRoundTrip(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	calls := 0
	must(t, s.UpdateMetadata(ctx(t), ref, func(m *backend.SourceMetadata) error {
		calls++
		if m.Objects == nil {
			return errors.New("UpdateMetadata passed a nil Objects map on a missing file")
		}
		if len(m.Objects) != 0 {
			return fmt.Errorf("missing file gave %d objects", len(m.Objects))
		}
		m.Objects["data/table.csv"] = sampleMeta("data/table.csv")
		m.Objects["data"] = backend.ObjectMeta{ID: "dir", Type: backend.TypeDirectory, Metadata: map[string]any{}}
		return nil
	}))
	if calls != 1 {
		t.Errorf("fn called %d times", calls)
	}
	m, err := s.ReadMetadata(ctx(t), ref)
	must(t, err)
	if m.RepositoryID != ref.RepositoryID || m.AccountID != ref.AccountID || m.LastUpdated.IsZero() {
		t.Errorf("header = %q %q %v", m.RepositoryID, m.AccountID, m.LastUpdated)
	}
	want := sampleMeta("data/table.csv")
	got := m.Objects["data/table.csv"]
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("times = %v %v, want %v %v", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entry = %s\nwant %s", describe(got), describe(want))
	}
	if d := m.Objects["data"]; d.Type != backend.TypeDirectory || d.ID != "dir" {
		t.Errorf("directory entry = %s", describe(d))
	}
	before := m.LastUpdated
	must(t, s.UpdateMetadata(ctx(t), ref, func(m *backend.SourceMetadata) error {
		if len(m.Objects) != 2 {
			return fmt.Errorf("second update saw %d objects, want 2", len(m.Objects))
		}
		return nil
	}))
	m2, err := s.ReadMetadata(ctx(t), ref)
	must(t, err)
	if m2.LastUpdated.Before(before) {
		t.Errorf("LastUpdated went back: %v -> %v", before, m2.LastUpdated)
	}
}

// The file keeps the platform's field names, whatever Go calls them.
func testMetadataJSONShape(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "a.csv", ptr(sampleMeta("a.csv"))))
	m, err := s.ReadMetadata(ctx(t), ref)
	must(t, err)
	data, err := json.Marshal(m)
	must(t, err)
	var doc map[string]any
	must(t, json.Unmarshal(data, &doc))
	if got := slices.Sorted(maps.Keys(doc)); !slices.Equal(got, []string{"account_id", "last_updated", "objects", "repository_id"}) {
		t.Errorf("document keys = %v", got)
	}
	entry, _ := doc["objects"].(map[string]any)["a.csv"].(map[string]any)
	if got := slices.Sorted(maps.Keys(entry)); !slices.Equal(got, []string{"checksum", "created_at", "id", "metadata", "mime_type", "size", "type", "updated_at"}) {
		t.Errorf("entry keys = %v", got)
	}
	if entry["type"] != "file" || entry["size"] != 1234.0 {
		t.Errorf("entry = %v", entry)
	}
	// coop's one addition, the CRC-32C, is kept when set.
	withCRC := sampleMeta("b.csv")
	withCRC.CRC32C = "0a1b2c3d"
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "b.csv", &withCRC))
	m, err = s.ReadMetadata(ctx(t), ref)
	must(t, err)
	if got := m.Objects["b.csv"].CRC32C; got != "0a1b2c3d" {
		t.Errorf("crc32c read back as %q", got)
	}
}

func testMetadataSetRemove(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	for _, p := range []string{"x/1.txt", "x/2.txt", "y.txt"} {
		must(t, s.UpdateObjectMetadata(ctx(t), ref, p, ptr(sampleMeta(p))))
	}
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "x/1.txt", nil))
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "never/there.txt", nil))
	upd := sampleMeta("y.txt")
	upd.Size = 99
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "y.txt", &upd))
	m, err := s.ReadMetadata(ctx(t), ref)
	must(t, err)
	if got := slices.Sorted(maps.Keys(m.Objects)); !slices.Equal(got, []string{"x/2.txt", "y.txt"}) {
		t.Errorf("objects = %v", got)
	}
	if m.Objects["y.txt"].Size != 99 {
		t.Errorf("y.txt size = %d, want 99", m.Objects["y.txt"].Size)
	}
}

func testMetadataFnError(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	boom := errors.New("boom")
	err := s.UpdateMetadata(ctx(t), ref, func(m *backend.SourceMetadata) error {
		m.Objects["x"] = sampleMeta("x")
		return boom
	})
	wantErr(t, "UpdateMetadata with a failing fn", err, boom)
	_, err = s.ReadMetadata(ctx(t), ref)
	wantErr(t, "ReadMetadata after a failed first update", err, backend.ErrMetadataMissing)
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "kept", ptr(sampleMeta("kept"))))
	err = s.UpdateMetadata(ctx(t), ref, func(m *backend.SourceMetadata) error {
		delete(m.Objects, "kept")
		return boom
	})
	wantErr(t, "UpdateMetadata with a failing fn", err, boom)
	m, err := s.ReadMetadata(ctx(t), ref)
	must(t, err)
	if _, ok := m.Objects["kept"]; !ok || len(m.Objects) != 1 {
		t.Errorf("failed update changed objects to %v", slices.Collect(maps.Keys(m.Objects)))
	}
}

func testMetadataConcurrent(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	const writers = 32
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			p := fmt.Sprintf("w/%02d.bin", i)
			if err := s.UpdateObjectMetadata(ctx(t), ref, p, ptr(sampleMeta(p))); err != nil {
				errs <- fmt.Errorf("writer %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	m, err := s.ReadMetadata(ctx(t), ref)
	must(t, err)
	if len(m.Objects) != writers {
		t.Errorf("%d of %d concurrent updates kept: %v", len(m.Objects), writers, slices.Sorted(maps.Keys(m.Objects)))
	}
}

func testMetadataInvalid(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	for _, p := range []string{"", "a/../b", "/abs", "x\x1by"} {
		err := s.UpdateObjectMetadata(ctx(t), ref, p, ptr(sampleMeta("p")))
		wantErr(t, fmt.Sprintf("UpdateObjectMetadata(%q)", p), err, backend.ErrInvalid)
	}
	bad := backend.RepoRef{AccountID: "../etc", RepositoryID: ref.RepositoryID}
	_, err := s.ReadMetadata(ctx(t), bad)
	wantErr(t, "ReadMetadata of an invalid ref", err, backend.ErrInvalid)
	err = s.UpdateMetadata(ctx(t), bad, func(*backend.SourceMetadata) error { return nil })
	wantErr(t, "UpdateMetadata of an invalid ref", err, backend.ErrInvalid)
	_, err = s.ReadMetadata(ctx(t), ref)
	wantErr(t, "ReadMetadata after rejected updates", err, backend.ErrMetadataMissing)
}

func testMetadataCorrupt(t *testing.T, s backend.Store, h Hooks) {
	if h.CorruptMetadata == nil {
		t.Fatal("backendtest: Hooks.CorruptMetadata is required to check that a corrupt metadata file is reported and never overwritten")
	}
	ref := newRepo(t, s)
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "a.txt", ptr(sampleMeta("a.txt"))))
	h.CorruptMetadata(t, s, ref)
	_, err := s.ReadMetadata(ctx(t), ref)
	wantErr(t, "ReadMetadata of a corrupt file", err, backend.ErrMetadataCorrupt)
	var doc backend.SourceMetadata
	if reason := json.Unmarshal([]byte(CorruptMetadataContent), &doc); err != nil && !strings.Contains(err.Error(), reason.Error()) {
		t.Errorf("corrupt error %q does not give the reason %q", err, reason)
	}
	called := false
	err = s.UpdateMetadata(ctx(t), ref, func(m *backend.SourceMetadata) error {
		called = true
		m.Objects = map[string]backend.ObjectMeta{}
		return nil
	})
	wantErr(t, "UpdateMetadata over a corrupt file", err, backend.ErrMetadataCorrupt)
	if called {
		t.Error("UpdateMetadata ran fn on a corrupt file")
	}
	err = s.UpdateObjectMetadata(ctx(t), ref, "b.txt", ptr(sampleMeta("b.txt")))
	wantErr(t, "UpdateObjectMetadata over a corrupt file", err, backend.ErrMetadataCorrupt)
	_, err = s.ReadMetadata(ctx(t), ref)
	wantErr(t, "ReadMetadata after refused updates", err, backend.ErrMetadataCorrupt)
}

func ptr[T any](v T) *T { return &v }

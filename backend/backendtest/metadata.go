package backendtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

func (c *suite) metadata(t *testing.T) {
	run(t, "Missing", c, testMetadataMissing)
	run(t, "RoundTrip", c, testMetadataRoundTrip)
	run(t, "EmptyBatchWritesNothing", c, testMetadataEmptyBatch)
	run(t, "Lookup", c, testMetadataLookup)
	run(t, "FolderPages", c, testMetadataFolderPages)
	run(t, "WalkUnderFolder", c, testMetadataWalk)
	run(t, "SetAndRemoveObject", c, testMetadataSetRemove)
	run(t, "Rules", c, testMetadataRules)
	run(t, "BaseWhenMissing", c, testMetadataBase)
	run(t, "ConcurrentWriters", c, testMetadataConcurrent)
	run(t, "Invalid", c, testMetadataInvalid)
	run(t, "Corrupt", c, func(t *testing.T, s backend.Store) { testMetadataCorrupt(t, s, c.hooks) })
	c.metadataInterop(t)
}

func sampleMeta(p string) backend.ObjectMeta {
	return backend.ObjectMeta{
		ID: "id-" + p, Type: backend.TypeFile, Size: 1234, MimeType: "text/csv",
		CreatedAt: baseTime, UpdatedAt: baseTime.Add(90 * time.Second), Checksum: "sha256:" + strings.Repeat("ab", 32),
		Metadata: map[string]any{"source": "survey", "rows": jsonNumber("42"), "nested": map[string]any{"ok": true, "list": []any{"x", jsonNumber("1")}}},
	}
}

// load reads the whole document of ref.
func load(t *testing.T, s backend.Store, ref backend.RepoRef) backend.SourceMetadata {
	t.Helper()
	m, err := backend.LoadMetadata(ctx(t), s, ref)
	must(t, err)
	return m
}

// setAll writes entries in one batch.
func setAll(t *testing.T, s backend.Store, ref backend.RepoRef, entries map[string]backend.ObjectMeta) backend.MetadataResult {
	t.Helper()
	b := backend.NewMetadataBatch(baseTime)
	for _, p := range slices.Sorted(maps.Keys(entries)) {
		b.Set(p, entries[p])
	}
	res, err := s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)
	return res
}

func testMetadataMissing(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	check := func(when string) {
		t.Helper()
		_, err := s.ReadMetadata(ctx(t), ref, "", func([]backend.MetadataEntry) error { return nil })
		wantErr(t, "ReadMetadata "+when, err, backend.ErrMetadataMissing)
		_, err = s.ReadObjectMetadata(ctx(t), ref, "file.txt")
		wantErr(t, "ReadObjectMetadata "+when, err, backend.ErrMetadataMissing)
		_, err = s.ReadFolderMetadata(ctx(t), ref, "", backend.PageRequest{})
		wantErr(t, "ReadFolderMetadata "+when, err, backend.ErrMetadataMissing)
	}
	check("of a new repository")
	put(t, s, ref, "file.txt", "objects alone do not make a metadata file")
	check("after a put")
}

func testMetadataRoundTrip(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	res := setAll(t, s, ref, map[string]backend.ObjectMeta{
		"data/table.csv": sampleMeta("data/table.csv"),
		"data":           {ID: "dir", Type: backend.TypeDirectory, Metadata: map[string]any{}},
	})
	if !res.Written || len(res.Changes) != 2 {
		t.Errorf("result = %+v, want written with 2 changes", res)
	}
	m := load(t, s, ref)
	if m.RepositoryID != ref.RepositoryID || m.AccountID != ref.AccountID || m.LastUpdated.IsZero() {
		t.Errorf("header = %q %q %v", m.RepositoryID, m.AccountID, m.LastUpdated)
	}
	want := sampleMeta("data/table.csv")
	if got := m.Objects["data/table.csv"]; !sameMeta(got, want) {
		t.Errorf("entry = %s\nwant %s", describe(got), describe(want))
	}
	if d := m.Objects["data"]; d.Type != backend.TypeDirectory || d.ID != "dir" {
		t.Errorf("directory entry = %s", describe(d))
	}
	// coop's one addition, the CRC-32C, is kept when set.
	withCRC := sampleMeta("b.csv")
	withCRC.CRC32C = "0a1b2c3d"
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "b.csv", &withCRC))
	got, err := s.ReadObjectMetadata(ctx(t), ref, "b.csv")
	must(t, err)
	if got.CRC32C != "0a1b2c3d" {
		t.Errorf("crc32c read back as %q", got.CRC32C)
	}
	if m2 := load(t, s, ref); m2.LastUpdated.Before(m.LastUpdated) {
		t.Errorf("LastUpdated went back: %v -> %v", m.LastUpdated, m2.LastUpdated)
	}
}

// sameMeta compares two entries, times by instant.
func sameMeta(a, b backend.ObjectMeta) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		return false
	}
	a.CreatedAt, a.UpdatedAt = b.CreatedAt, b.UpdatedAt
	if len(a.Metadata) == 0 && len(b.Metadata) == 0 { // coop writes none as {}
		a.Metadata, b.Metadata = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

func testMetadataEmptyBatch(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	res, err := s.UpdateMetadata(ctx(t), ref, backend.NewMetadataBatch(time.Time{}))
	must(t, err)
	if res.Written {
		t.Error("an empty batch was written")
	}
	_, err = s.ReadObjectMetadata(ctx(t), ref, "x")
	wantErr(t, "ReadObjectMetadata after an empty batch", err, backend.ErrMetadataMissing)
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "kept", ptr(sampleMeta("kept"))))
	before := load(t, s, ref)
	// Removing what is not there changes nothing, and writes nothing.
	b := backend.NewMetadataBatch(time.Time{})
	b.Delete("never/there")
	res, err = s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)
	if res.Written || len(res.Changes) != 0 {
		t.Errorf("a batch that changes nothing: %+v", res)
	}
	if after := load(t, s, ref); !after.LastUpdated.Equal(before.LastUpdated) {
		t.Errorf("the document was rewritten: last_updated %v -> %v", before.LastUpdated, after.LastUpdated)
	}
}

func testMetadataLookup(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	setAll(t, s, ref, map[string]backend.ObjectMeta{"a/b.txt": sampleMeta("a/b.txt"), "a": {ID: "a", Type: backend.TypeDirectory}})
	got, err := s.ReadObjectMetadata(ctx(t), ref, "a/b.txt")
	must(t, err)
	if !sameMeta(got, sampleMeta("a/b.txt")) {
		t.Errorf("ReadObjectMetadata = %s", describe(got))
	}
	_, err = s.ReadObjectMetadata(ctx(t), ref, "a/none.txt")
	wantErr(t, "ReadObjectMetadata of a path with no entry", err, backend.ErrNotFound)
	// The lookup sees every write at once.
	upd := sampleMeta("a/b.txt")
	upd.Size = 7
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "a/b.txt", &upd))
	if got, err := s.ReadObjectMetadata(ctx(t), ref, "a/b.txt"); err != nil || got.Size != 7 {
		t.Errorf("after an update: %v size %d, want 7", err, got.Size)
	}
}

func testMetadataFolderPages(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	entries := map[string]backend.ObjectMeta{"f": {ID: "f", Type: backend.TypeDirectory}}
	var want []string
	for i := range 25 {
		p := fmt.Sprintf("f/%02d.txt", i)
		entries[p] = sampleMeta(p)
		want = append(want, p)
	}
	// Deeper entries and names that sort between a folder and its
	// contents are not children of f.
	for _, p := range []string{"f/sub", "f/sub/deep.txt", "f.txt", "f0", "f/sub.txt"} {
		entries[p] = sampleMeta(p)
	}
	entries["f/sub"] = backend.ObjectMeta{ID: "sub", Type: backend.TypeDirectory}
	want = append(want, "f/sub", "f/sub.txt")
	slices.Sort(want)
	setAll(t, s, ref, entries)
	got := collect(t, 4, func(e backend.MetadataEntry) string { return e.Path }, func(req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
		return s.ReadFolderMetadata(ctx(t), ref, "f", req)
	})
	var paths []string
	for _, e := range got {
		paths = append(paths, e.Path)
		if !sameMeta(e.Meta, entries[e.Path]) {
			t.Errorf("entry %s = %s", e.Path, describe(e.Meta))
		}
	}
	if !slices.Equal(paths, want) {
		t.Errorf("folder f = %v\nwant %v", paths, want)
	}
	root, err := s.ReadFolderMetadata(ctx(t), ref, "", backend.PageRequest{})
	must(t, err)
	var names []string
	for _, e := range root.Items {
		names = append(names, e.Path)
	}
	if !slices.Equal(names, []string{"f", "f.txt", "f0"}) {
		t.Errorf("root = %v", names)
	}
}

func testMetadataWalk(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	entries := map[string]backend.ObjectMeta{}
	for _, p := range []string{"a", "a/1", "a/b", "a/b/2", "a.txt", "a0", "b"} {
		entries[p] = sampleMeta(p)
	}
	setAll(t, s, ref, entries)
	walk := func(folder string) []string {
		var got []string
		_, err := s.ReadMetadata(ctx(t), ref, folder, func(page []backend.MetadataEntry) error {
			for _, e := range page {
				got = append(got, e.Path)
			}
			return nil
		})
		must(t, err)
		return got
	}
	if got, want := walk(""), []string{"a", "a.txt", "a/1", "a/b", "a/b/2", "a0", "b"}; !slices.Equal(got, want) {
		t.Errorf("walk of everything = %v, want %v (byte order)", got, want)
	}
	if got, want := walk("a"), []string{"a", "a/1", "a/b", "a/b/2"}; !slices.Equal(got, want) {
		t.Errorf("walk of a = %v, want %v", got, want)
	}
	if got, want := walk("a/b/2"), []string{"a/b/2"}; !slices.Equal(got, want) {
		t.Errorf("walk of one file = %v, want %v", got, want)
	}
	boom := errors.New("boom")
	_, err := s.ReadMetadata(ctx(t), ref, "", func([]backend.MetadataEntry) error { return boom })
	wantErr(t, "ReadMetadata with a failing fn", err, boom)
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
	m := load(t, s, ref)
	if got := slices.Sorted(maps.Keys(m.Objects)); !slices.Equal(got, []string{"x/2.txt", "y.txt"}) {
		t.Errorf("objects = %v", got)
	}
	if m.Objects["y.txt"].Size != 99 {
		t.Errorf("y.txt size = %d, want 99", m.Objects["y.txt"].Size)
	}
}

// The rules of MetadataBatch hold on every store: stored objects get
// folder entries above them, removals drop the folders they leave empty.
func testMetadataRules(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	info := func(p string) backend.ObjectInfo {
		return backend.ObjectInfo{Path: p, Size: 3, ContentType: "text/plain", Checksum: "sha256:" + strings.Repeat("0", 64), CRC32C: "00000000"}
	}
	b := backend.NewMetadataBatch(baseTime)
	for _, p := range []string{"a/b/1.txt", "a/b/2.txt", "a/c/3.txt", "top.txt"} {
		b.Stored(info(p))
	}
	res, err := s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)
	for _, f := range []string{"", "a", "a/b", "a/c"} {
		if _, ok := res.Folders[f]; !ok {
			t.Errorf("result folders %v lack %q", slices.Sorted(maps.Keys(res.Folders)), f)
		}
	}
	m := load(t, s, ref)
	if got := slices.Sorted(maps.Keys(m.Objects)); !slices.Equal(got, []string{"a", "a/b", "a/b/1.txt", "a/b/2.txt", "a/c", "a/c/3.txt", "top.txt"}) {
		t.Fatalf("after storing: %v", got)
	}
	if miss := m.MissingFolders(); len(miss) != 0 {
		t.Errorf("missing folders %v", miss)
	}
	first := m.Objects["a/b/1.txt"]
	first.Metadata = map[string]any{"kept": "yes"}
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "a/b/1.txt", &first))
	later := baseTime.Add(time.Hour)
	b = backend.NewMetadataBatch(later)
	b.Stored(info("a/b/1.txt")) // replaced: keeps id, creation and custom metadata
	b.Removed("a/c/3.txt")      // a/c is left empty
	_, err = s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)
	m = load(t, s, ref)
	got := m.Objects["a/b/1.txt"]
	if got.ID != first.ID || !got.CreatedAt.Equal(first.CreatedAt) || !got.UpdatedAt.Equal(later) || got.Metadata["kept"] != "yes" {
		t.Errorf("replaced entry = %s, want id, creation and metadata of %s", describe(got), describe(first))
	}
	if _, ok := m.Objects["a/c"]; ok {
		t.Error("folder a/c left empty was kept")
	}
	b = backend.NewMetadataBatch(later)
	b.Removed("a/b/1.txt")
	b.Removed("a/b/2.txt")
	b.Prune("a")
	_, err = s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)
	if got := slices.Sorted(maps.Keys(load(t, s, ref).Objects)); !slices.Equal(got, []string{"top.txt"}) {
		t.Errorf("after removing a's files: %v", got)
	}
}

// A repository with objects and no document gets the base's entries in
// the same write as the first change.
func testMetadataBase(t *testing.T, s backend.Store) {
	ref := newRepo(t, s)
	calls := 0
	b := backend.NewMetadataBatch(baseTime)
	b.SetBase(func(_ context.Context, emit func(backend.MetadataEntry) error) error {
		calls++
		for _, p := range []string{"old/1.txt", "old/2.txt"} {
			if err := emit(backend.MetadataEntry{Path: p, Meta: sampleMeta(p)}); err != nil {
				return err
			}
		}
		return nil
	})
	b.Stored(backend.ObjectInfo{Path: "new.txt", Size: 1})
	_, err := s.UpdateMetadata(ctx(t), ref, b)
	must(t, err)
	m := load(t, s, ref)
	if got := slices.Sorted(maps.Keys(m.Objects)); !slices.Equal(got, []string{"new.txt", "old/1.txt", "old/2.txt"}) {
		t.Errorf("first document = %v", got)
	}
	if calls != 1 {
		t.Errorf("base called %d times, want 1", calls)
	}
	b2 := backend.NewMetadataBatch(baseTime)
	b2.SetBase(func(context.Context, func(backend.MetadataEntry) error) error {
		return errors.New("the base of a repository that has a document was asked for")
	})
	b2.Stored(backend.ObjectInfo{Path: "second.txt", Size: 1})
	_, err = s.UpdateMetadata(ctx(t), ref, b2)
	must(t, err)
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
	m := load(t, s, ref)
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
	b := backend.NewMetadataBatch(time.Time{})
	b.Set("ok.txt", sampleMeta("ok.txt"))
	b.Set("", sampleMeta("empty"))
	_, err := s.UpdateMetadata(ctx(t), ref, b)
	wantErr(t, "UpdateMetadata with an empty path", err, backend.ErrInvalid)
	bad := backend.RepoRef{AccountID: "../etc", RepositoryID: ref.RepositoryID}
	_, err = s.ReadMetadata(ctx(t), bad, "", func([]backend.MetadataEntry) error { return nil })
	wantErr(t, "ReadMetadata of an invalid ref", err, backend.ErrInvalid)
	_, err = s.ReadObjectMetadata(ctx(t), bad, "x")
	wantErr(t, "ReadObjectMetadata of an invalid ref", err, backend.ErrInvalid)
	ok := backend.NewMetadataBatch(time.Time{})
	ok.Set("x", sampleMeta("x"))
	_, err = s.UpdateMetadata(ctx(t), bad, ok)
	wantErr(t, "UpdateMetadata of an invalid ref", err, backend.ErrInvalid)
	_, err = s.ReadObjectMetadata(ctx(t), ref, "ok.txt")
	wantErr(t, "ReadObjectMetadata after rejected updates", err, backend.ErrMetadataMissing)
}

func testMetadataCorrupt(t *testing.T, s backend.Store, h Hooks) {
	ref := newRepo(t, s)
	must(t, s.UpdateObjectMetadata(ctx(t), ref, "a.txt", ptr(sampleMeta("a.txt"))))
	h.writeRaw(t, s, ref, []byte(CorruptMetadataContent))
	_, err := s.ReadMetadata(ctx(t), ref, "", func([]backend.MetadataEntry) error { return nil })
	wantErr(t, "ReadMetadata of a corrupt file", err, backend.ErrMetadataCorrupt)
	_, err = s.ReadObjectMetadata(ctx(t), ref, "a.txt")
	wantErr(t, "ReadObjectMetadata of a corrupt file", err, backend.ErrMetadataCorrupt)
	b := backend.NewMetadataBatch(time.Time{})
	b.Delete("a.txt")
	_, err = s.UpdateMetadata(ctx(t), ref, b)
	wantErr(t, "UpdateMetadata over a corrupt file", err, backend.ErrMetadataCorrupt)
	err = s.UpdateObjectMetadata(ctx(t), ref, "b.txt", ptr(sampleMeta("b.txt")))
	wantErr(t, "UpdateObjectMetadata over a corrupt file", err, backend.ErrMetadataCorrupt)
	if got := h.readRaw(t, s, ref); string(got) != CorruptMetadataContent {
		t.Errorf("the corrupt file was overwritten with %q", got)
	}
}

func ptr[T any](v T) *T { return &v }

package local

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

// docStamp is the stamp of ref's metadata file now.
func docStamp(t *testing.T, s *Store, ref backend.RepoRef) fileStamp {
	t.Helper()
	f, _, err := s.openDoc(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := openStamp(f)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A document coop writes is indexed as it is written: the next read, in
// this process or another, builds nothing; another process's write is
// noticed, and nothing is lost.
func TestWrittenDocumentIsIndexed(t *testing.T) {
	a, ref := newTestStore(t)
	b, err := Open(a.Root())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	bulk := backend.NewMetadataBatch(time.Time{})
	for i := range 3000 {
		p := fmt.Sprintf("bulk/%05d-%s", i, strings.Repeat("x", 60))
		bulk.Set(p, backend.ObjectMeta{ID: p, Type: backend.TypeFile, Checksum: strings.Repeat("c", 71)})
	}
	if _, err = a.UpdateMetadata(ctx, ref, bulk); err != nil {
		t.Fatal(err)
	}
	idx := filepath.Join(a.indexDir(ref), metaindex.IdxName(docStamp(t, a, ref).id()))
	before, err := os.Stat(idx)
	if err != nil {
		t.Fatalf("the written document has no index: %v", err)
	}
	if _, err := b.ReadObjectMetadata(ctx, ref, "bulk/00007-"+strings.Repeat("x", 60)); err != nil {
		t.Fatal(err)
	}
	if after, err := os.Stat(idx); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("another store built the index again: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.UpdateObjectMetadata(ctx, ref, "from-a-1", &backend.ObjectMeta{ID: "a1"}))
	must(b.UpdateObjectMetadata(ctx, ref, "from-b", &backend.ObjectMeta{ID: "b"})) // replaces the file behind a's back
	must(a.UpdateObjectMetadata(ctx, ref, "from-a-2", &backend.ObjectMeta{ID: "a2"}))
	// A batch that cannot be written (an unknown field that is not JSON)
	// fails, and leaves the document and its index as they were.
	failing := backend.NewMetadataBatch(time.Time{})
	failing.Delete("from-b")
	failing.Set("bad", backend.ObjectMeta{ID: "bad", Extra: map[string]json.RawMessage{"x": json.RawMessage("{")}})
	if _, err := a.UpdateMetadata(ctx, ref, failing); err == nil {
		t.Fatal("a batch that cannot be encoded was written")
	}
	must(a.UpdateObjectMetadata(ctx, ref, "from-a-3", &backend.ObjectMeta{ID: "a3"}))
	m, err := backend.LoadMetadata(ctx, b, ref)
	must(err)
	for _, p := range []string{"from-a-1", "from-b", "from-a-2", "from-a-3"} {
		if _, ok := m.Objects[p]; !ok {
			t.Errorf("%s lost", p)
		}
	}
	if len(m.Objects) != 3004 {
		t.Errorf("%d objects, want 3004", len(m.Objects))
	}
	ents, _ := os.ReadDir(a.indexDir(ref))
	if len(ents) != 1 {
		t.Errorf("index folder holds %d files, want the current version's only", len(ents))
	}
}

// sameSizeDoc is a document of exactly n bytes whose entry x has id id.
func sameSizeDoc(id string, n int) []byte {
	doc := fmt.Sprintf(`{"objects": {"x": {"id": %q, "type": "file"}}, "pad": ""}`, id)
	return []byte(strings.Replace(doc, `"pad": ""`, `"pad": "`+strings.Repeat(".", n-len(doc))+`"`, 1))
}

// A document another tool replaces between two reads, keeping its size,
// is never served from the old index: replaced by a rename, or rewritten
// in place at once.
func TestIndexNotStaleAfterReplacement(t *testing.T) {
	s, ref := newTestStore(t)
	ctx := t.Context()
	p, err := s.metadataPath(ref)
	if err != nil {
		t.Fatal(err)
	}
	read := func() string {
		t.Helper()
		m, err := s.ReadObjectMetadata(ctx, ref, "x")
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	write := func(id string) {
		t.Helper()
		if err := os.WriteFile(p, sameSizeDoc(id, 200), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("first")
	if got := read(); got != "first" {
		t.Fatalf("read %q", got)
	}
	write("other") // in place: same inode, same size
	if got := read(); got != "other" {
		t.Fatalf("after an in-place rewrite of the same size: read %q, want other", got)
	}
	tmp := p + ".tool"
	if err := os.WriteFile(tmp, sameSizeDoc("third", 200), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "third" {
		t.Fatalf("after a replacement by rename: read %q, want third", got)
	}
}

// When a change keeps even the stamp (a file system that ticks slowly),
// the index's checksum catches it: a version indexed before the document
// settled is checked against the bytes.
func TestIndexCheckedWhileTheStampMayLie(t *testing.T) {
	s, ref := newTestStore(t)
	ctx := t.Context()
	p, err := s.metadataPath(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, sameSizeDoc("first", 200), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := s.version(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	st := docStamp(t, s, ref)
	h.Release()
	if err := os.WriteFile(p, sameSizeDoc("other", 200), 0o644); err != nil {
		t.Fatal(err)
	}
	// Ask with the old stamp, as a file system that kept it would give.
	f, _, err := s.openDoc(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h = s.versions.Get(s.indexDir(ref), st.ident())
	if h == nil {
		t.Fatal("the version is not kept")
	}
	st.mtime = time.Now().UnixNano() // not settled: the index may be older than a change
	if _, err := s.checked(h, f, st, s.indexDir(ref)); err == nil {
		t.Fatal("a document changed under an index that could not tell was served from it")
	}
	if s.versions.Get(s.indexDir(ref), st.ident()) != nil {
		t.Error("the out-of-date version was kept")
	}
}

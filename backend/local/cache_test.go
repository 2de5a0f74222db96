package local

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/coopterm/coop/backend"
)

func newTestStore(t *testing.T) (*Store, backend.RepoRef) {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ref := backend.RepoRef{AccountID: "acct", RepositoryID: "repo"}
	if err := s.CreateAccount(t.Context(), backend.Account{ID: ref.AccountID, Type: backend.AccountUser}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRepository(t.Context(), backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID}); err != nil {
		t.Fatal(err)
	}
	return s, ref
}

// fill makes n empty files named f00000... in dir.
func fill(t testing.TB, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%06d", i)))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// Paging reuses one sorted listing while the folder is unchanged, and
// notices a change made behind the Store's back (by another process).
func TestListingCache(t *testing.T) {
	s, ref := newTestStore(t)
	s.cache.racyWindow = 50 * time.Millisecond
	dir := filepath.Join(s.repoDir(ref), "big")
	fill(t, dir, 2500)
	time.Sleep(60 * time.Millisecond) // let the folder's times settle

	var got []string
	req := backend.PageRequest{Limit: 1000}
	for {
		page, err := s.ListObjects(t.Context(), ref, "big", req)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			got = append(got, e.Name)
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	if len(got) != 2500 || got[0] != "f000000" || got[2499] != "f002499" {
		t.Fatalf("listed %d names, %v…", len(got), got[:3])
	}
	if s.cache.builds != 1 {
		t.Errorf("3 pages built the listing %d times, want 1", s.cache.builds)
	}

	if err := os.WriteFile(filepath.Join(dir, "g-added-elsewhere"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListObjects(t.Context(), ref, "big", backend.PageRequest{Cursor: req.Cursor})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(page.Items); n != 501 || page.Items[n-1].Name != "g-added-elsewhere" {
		t.Errorf("after an outside change the last page has %d entries", n)
	}
}

// A listing taken right after the folder changed is not reused: a second
// change within the clock's granularity could leave the folder's times
// as they were.
func TestListingCacheSkipsRacyListings(t *testing.T) {
	s, ref := newTestStore(t)
	dir := filepath.Join(s.repoDir(ref), "fresh")
	fill(t, dir, 10)
	for range 3 {
		if _, err := s.ListObjects(t.Context(), ref, "fresh", backend.PageRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if s.cache.builds != 0 {
		t.Errorf("a listing of a just-changed folder was cached")
	}
}

func TestEntryNameSharesPath(t *testing.T) {
	s, ref := newTestStore(t)
	if _, err := s.PutObject(t.Context(), ref, "deep/er/file.txt", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListObjects(t.Context(), ref, "deep/er", backend.PageRequest{})
	if err != nil || len(page.Items) != 1 {
		t.Fatal(page, err)
	}
	e := page.Items[0]
	if e.Name != "file.txt" || e.Path != "deep/er/file.txt" {
		t.Fatalf("entry %+v", e)
	}
	if unsafe.StringData(e.Name) != unsafe.StringData(e.Path[len("deep/er/"):]) {
		t.Error("Entry.Name does not share Entry.Path's memory")
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newDirCache(2)
	for i, k := range []string{"/a", "/b", "/a", "/c"} {
		if _, ok := c.get(k, dirStamp{ino: 1}); !ok {
			c.put(k, dirStamp{ino: 1}, []string{fmt.Sprint(i)}, true)
		}
	}
	if _, ok := c.get("/b", dirStamp{ino: 1}); ok {
		t.Error("/b should have been evicted")
	}
	if _, ok := c.get("/a", dirStamp{ino: 1}); !ok {
		t.Error("/a was used last and should stay")
	}
	if _, ok := c.get("/a", dirStamp{ino: 2}); ok {
		t.Error("a changed stamp must miss")
	}
	c.invalidate("/a")
	if _, ok := c.get("/a", dirStamp{ino: 1}); ok {
		t.Error("invalidated listing still served")
	}
}

// A large metadata document is kept after a write, and still re-read when
// another Store (another process) has replaced the file since.
func TestMetadataDocCache(t *testing.T) {
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
	if !a.docs.Holds(ref) {
		t.Fatal("a large document was not kept after writing it")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(a.UpdateObjectMetadata(ctx, ref, "from-a-1", &backend.ObjectMeta{ID: "a1"})) // served from the cache
	must(b.UpdateObjectMetadata(ctx, ref, "from-b", &backend.ObjectMeta{ID: "b"}))    // replaces the file behind a's back
	must(a.UpdateObjectMetadata(ctx, ref, "from-a-2", &backend.ObjectMeta{ID: "a2"})) // must notice and re-read
	// A batch that cannot be written (an unknown field that is not JSON)
	// fails, and leaves no half-applied document in the cache.
	failing := backend.NewMetadataBatch(time.Time{})
	failing.Delete("from-b")
	failing.Set("bad", backend.ObjectMeta{ID: "bad", Extra: map[string]json.RawMessage{"x": json.RawMessage("{")}})
	if _, err := a.UpdateMetadata(ctx, ref, failing); err == nil {
		t.Fatal("a batch that cannot be encoded was written")
	}
	must(a.UpdateObjectMetadata(ctx, ref, "from-a-3", &backend.ObjectMeta{ID: "a3"})) // after a failed write: no half-edited document
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
}

package local

import (
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

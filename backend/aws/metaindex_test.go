package aws

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// A document is fetched from S3 only when no index of its version is at
// hand: not by the writer for its next write, not by another process on
// the same machine (it shares the cache folder), only by a store with a
// cache folder of its own, and by the others once that one has written.
func TestMetadataIsReadOncePerVersion(t *testing.T) {
	cfg := testConfig(t)
	proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = proxy.URL
	s1 := openStore(t, cfg)
	s2 := openStore(t, cfg) // another process on the same machine
	elsewhere := cfg
	elsewhere.CacheDir = t.TempDir()
	s3 := openStore(t, elsewhere) // another machine
	if err := s1.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s1)
	add := func(s *Store, paths ...string) {
		t.Helper()
		b := backend.NewMetadataBatch(time.Time{})
		for _, p := range paths {
			b.Set(p, backend.ObjectMeta{ID: p, Type: backend.TypeFile, Checksum: "sha256:" + p, Metadata: map[string]any{}})
		}
		if _, err := s.UpdateMetadata(t.Context(), ref, b); err != nil {
			t.Fatal(err)
		}
	}
	var many []string
	for i := range 3000 {
		many = append(many, fmt.Sprintf("data/%06d.json", i))
	}
	add(s1, many...)
	const suffix = "/" + backend.MetadataFileName
	proxy.WatchSuffix("GetObject", suffix)
	gets := func(want int, when string) {
		t.Helper()
		if n := proxy.CountSuffix("GetObject", suffix); n != want {
			t.Errorf("%s: %d GETs of the document, want %d", when, n, want)
		}
	}
	add(s1, "a")
	gets(0, "the writer writing again")
	add(s2, "b")
	add(s1, "c")
	gets(0, "two stores sharing a cache folder")
	add(s3, "d")
	gets(1, "a store with its own cache folder")
	add(s1, "e")
	gets(2, "after a write from elsewhere")
	md, err := backend.LoadMetadata(t.Context(), s3, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "b", "c", "d", "e", many[0], many[len(many)-1]} {
		if _, ok := md.Objects[p]; !ok {
			t.Errorf("entry %q lost", p)
		}
	}
	if len(md.Objects) != 3005 {
		t.Errorf("%d entries, want 3005", len(md.Objects))
	}
}

// A writer that has the document's version open writes with one request:
// the PUT, conditional on the ETag it holds, with no HEAD before it. When
// another writer got there first, the PUT fails its condition and the
// write reads the new version and applies its batch again: nothing is
// lost.
func TestMetadataWriteTrustsTheVersionItHolds(t *testing.T) {
	cfg := testConfig(t)
	proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = proxy.URL
	s1 := openStore(t, cfg)
	elsewhere := cfg
	elsewhere.CacheDir = t.TempDir()
	s2 := openStore(t, elsewhere) // another machine
	if err := s1.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s1)
	add := func(s *Store, p string) {
		t.Helper()
		b := backend.NewMetadataBatch(time.Time{})
		b.Set(p, backend.ObjectMeta{ID: p, Type: backend.TypeFile, Checksum: "sha256:" + p, Metadata: map[string]any{}})
		if _, err := s.UpdateMetadata(t.Context(), ref, b); err != nil {
			t.Fatal(err)
		}
	}
	const suffix = "/" + backend.MetadataFileName
	add(s1, "a")
	for _, op := range []string{"HeadObject", "PutObject", "GetObject"} {
		proxy.WatchSuffix(op, suffix)
	}
	count := func(when string, heads, puts, gets int) {
		t.Helper()
		h, p, g := proxy.CountSuffix("HeadObject", suffix), proxy.CountSuffix("PutObject", suffix), proxy.CountSuffix("GetObject", suffix)
		if h != heads || p != puts || g != gets {
			t.Errorf("%s: %d HEADs, %d PUTs, %d GETs of the document; want %d, %d, %d", when, h, p, g, heads, puts, gets)
		}
	}
	add(s1, "b")
	count("the writer writing again", 0, 1, 0)
	add(s2, "c") // s2 has no version yet: HEAD (none held), GET, PUT
	count("another machine", 1, 2, 1)
	add(s1, "d") // s1's version is out of date: PUT refused, HEAD, GET, PUT
	count("the writer after a write from elsewhere", 2, 4, 2)
	md, err := backend.LoadMetadata(t.Context(), s2, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Objects) != 4 {
		t.Errorf("entries %v, want a, b, c and d", md.Objects)
	}
}

// The cache folder is bounded: a store that adds an index to it removes
// the folders nobody used for a month (here another endpoint's, as a
// test server's old port leaves behind), and reading a cached version
// marks it used, so a repository read every day keeps its index.
func TestIndexCacheIsSweptAndKeepsWhatIsRead(t *testing.T) {
	cfg := testConfig(t)
	s1 := openStore(t, cfg)
	if err := s1.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	ref := newRepo(t, s1)
	b := backend.NewMetadataBatch(time.Time{})
	b.Set("a", backend.ObjectMeta{ID: "a", Type: backend.TypeFile, Checksum: "sha256:a", Metadata: map[string]any{}})
	if _, err := s1.UpdateMetadata(t.Context(), ref, b); err != nil {
		t.Fatal(err)
	}
	// Make the repository's cached version look unused for 40 days, and
	// leave another endpoint's folder just as old.
	long := time.Now().Add(-40 * 24 * time.Hour)
	dir := s1.indexDir(ref)
	stale := filepath.Join(cfg.CacheDir, "00000000deadbeef", "acct", "repo")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "v-0.idx"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, stale} {
		ents, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if err := os.Chtimes(filepath.Join(d, e.Name()), long, long); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(d, long, long); err != nil {
			t.Fatal(err)
		}
	}
	_ = os.Remove(filepath.Join(cfg.CacheDir, ".swept"))
	// Another process reads the repository from the shared cache...
	s2 := openStore(t, cfg)
	if _, err := backend.LoadMetadata(t.Context(), s2, ref); err != nil {
		t.Fatal(err)
	}
	// ...and a third builds an index of a new one: the sweep runs.
	ref2 := backend.RepoRef{AccountID: ref.AccountID, RepositoryID: "more"}
	if err := s1.CreateRepository(t.Context(), backend.Repository{ID: ref2.RepositoryID, AccountID: ref2.AccountID, Title: "More"}); err != nil {
		t.Fatal(err)
	}
	s3 := openStore(t, cfg)
	b = backend.NewMetadataBatch(time.Time{})
	b.Set("b", backend.ObjectMeta{ID: "b", Type: backend.TypeFile, Checksum: "sha256:b", Metadata: map[string]any{}})
	if _, err := s3.UpdateMetadata(t.Context(), ref2, b); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("another endpoint's folder unused for 40 days is kept")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("the folder of a repository read just now is removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.CacheDir, ".swept")); err != nil {
		t.Errorf("no sweep: %v", err)
	}
}

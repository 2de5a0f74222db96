package aws

import (
	"fmt"
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

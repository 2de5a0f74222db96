package aws

import (
	"fmt"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// A large metadata document written by this Store is not read again for
// the next update, unless another writer changed it meanwhile; and then
// nothing is lost.
func TestLargeMetadataIsNotReadAgain(t *testing.T) {
	cfg := testConfig(t)
	proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = proxy.URL
	s1 := openStore(t, cfg)
	s2 := openStore(t, cfg) // another process, in effect
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
	add(s1, many...) // well over docCacheMin once encoded
	const suffix = "/" + backend.MetadataFileName
	proxy.WatchSuffix("GetObject", suffix)

	add(s1, "a")
	if n := proxy.CountSuffix("GetObject", suffix); n != 0 {
		t.Errorf("the writer read its own document again (%d GETs)", n)
	}
	add(s2, "b")
	add(s1, "c") // its cached copy is stale now: If-Match fails, it reads
	if n := proxy.CountSuffix("GetObject", suffix); n != 2 {
		t.Errorf("%d GETs, want 2 (one per writer that had no fresh copy)", n)
	}
	md, err := backend.LoadMetadata(t.Context(), s2, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "b", "c", many[0], many[len(many)-1]} {
		if _, ok := md.Objects[p]; !ok {
			t.Errorf("entry %q lost", p)
		}
	}
	if len(md.Objects) != 3003 {
		t.Errorf("%d entries, want 3003", len(md.Objects))
	}
}

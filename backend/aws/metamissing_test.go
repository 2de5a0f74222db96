package aws

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// A repository found without a document a moment ago gets its first
// document with a PUT conditional on there being none, without asking
// S3 again first (an upload's check found it missing beside the
// transfers). A document another writer made meanwhile is not lost: S3
// refuses that PUT, and the write reads the document and applies the
// batch to it.
func TestMissingDocumentWrittenWithoutHeadFirst(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	proxy := testservers.StartFaultProxy(t, cfg.EndpointURL)
	cfg.EndpointURL = proxy.URL
	s := openStore(t, cfg)
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	other := openStore(t, func() Config { c := cfg; c.CacheDir = t.TempDir(); return c }())
	ref := newRepo(t, s)
	write := func(s *Store, p string) {
		t.Helper()
		b := backend.NewMetadataBatch(time.Time{})
		b.Set(p, backend.ObjectMeta{ID: p, Type: backend.TypeFile, Checksum: "sha256:" + p, Metadata: map[string]any{}})
		if _, err := s.UpdateMetadata(t.Context(), ref, b); err != nil {
			t.Fatal(err)
		}
	}
	missing := func() {
		t.Helper()
		if _, err := s.ReadObjectMetadata(t.Context(), ref, "x"); !errors.Is(err, backend.ErrMetadataMissing) {
			t.Fatalf("ReadObjectMetadata of a repository without a document: %v, want ErrMetadataMissing", err)
		}
	}

	missing()
	heads := proxy.Count("HeadObject")
	write(s, "a")
	if n := proxy.Count("HeadObject") - heads; n != 0 {
		t.Errorf("the first write after the document was found missing asked S3 %d times first, want none", n)
	}

	// Another writer makes a document between the check and the write.
	ref2 := backend.RepoRef{AccountID: ref.AccountID, RepositoryID: "second"}
	if err := s.CreateRepository(t.Context(), backend.Repository{ID: ref2.RepositoryID, AccountID: ref2.AccountID, Title: "Second"}); err != nil {
		t.Fatal(err)
	}
	ref = ref2
	missing()
	write(other, "from-elsewhere")
	write(s, "mine")
	doc, err := backend.LoadMetadata(t.Context(), s, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"from-elsewhere", "mine"} {
		if _, ok := doc.Objects[p]; !ok {
			t.Errorf("the document lacks %s: %v", p, doc.Objects)
		}
	}
}

// What a store remembers of missing documents is bounded however many
// repositories its clients name (coop serve runs for weeks), and the
// repository seen last is still remembered.
func TestMissingDocumentsBounded(t *testing.T) {
	var d missingDocs
	for i := range 3 * missingMax {
		d.seen(fmt.Sprintf("acct/repo-%d", i))
		if len(d.m) > missingMax {
			t.Fatalf("after %d repositories %d remembered, bound %d", i+1, len(d.m), missingMax)
		}
	}
	if !d.recent(fmt.Sprintf("acct/repo-%d", 3*missingMax-1)) {
		t.Error("the repository seen last is not remembered")
	}
	// Full: out of date entries go, the fresh ones stay.
	for k := range d.m {
		d.m[k] = time.Now().Add(-missingTrusted)
	}
	d.seen("acct/fresh")
	if len(d.m) != 1 || !d.recent("acct/fresh") {
		t.Errorf("out of date entries kept: %d remembered", len(d.m))
	}
}

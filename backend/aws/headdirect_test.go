package aws

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// statRequests makes the three requests of a `coop stat` that go to S3:
// the object's HEAD, its first bytes and the document's HEAD.
func statRequests(t testing.TB, s *Store, ref backend.RepoRef) func() {
	return func() {
		if _, err := s.StatObject(t.Context(), ref, "a/f.csv"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetObjectHead(t.Context(), ref, "a/f.csv", 64<<10); err != nil {
			t.Fatal(err)
		}
		if _, err := s.headMetadata(t.Context(), ref); err != nil {
			t.Fatal(err)
		}
	}
}

// putStatFixture stores a/f.csv (10 KiB) and a metadata document in ref.
func putStatFixture(t testing.TB, s *Store, ref backend.RepoRef) []byte {
	t.Helper()
	data := bytes.Repeat([]byte("a,b\n1,2\n"), 1280)
	if _, err := s.PutObject(t.Context(), ref, "a/f.csv", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	b := backend.NewMetadataBatch(time.Time{})
	b.Set("a/f.csv", backend.ObjectMeta{ID: "f", Type: backend.TypeFile, Size: int64(len(data)), Metadata: map[string]any{}})
	if _, err := s.UpdateMetadata(t.Context(), ref, b); err != nil {
		t.Fatal(err)
	}
	return data
}

// A stat's three S3 requests are signed and sent by the store, not
// through the SDK's pipeline (see headDirect): their allocations, the
// transport's included, stay under a bound the pipeline went well over
// (about 1,260 for the three through the SDK, 420 sent directly).
func TestStatRequestsAllocations(t *testing.T) {
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its requests through the SDK")
	}
	putStatFixture(t, s, ref)
	run := statRequests(t, s, ref)
	for range 3 {
		run() // the connections, the pools, the signing key
	}
	s.direct.off.Store(true)
	t.Logf("SDK: %.0f", testing.AllocsPerRun(30, run))
	s.direct.off.Store(false)
	allocs := testing.AllocsPerRun(30, run)
	t.Logf("%.0f allocations for a HEAD, a ranged GET and the document's HEAD", allocs)
	if allocs > 700 {
		t.Errorf("%.0f allocations for a stat's three S3 requests, want at most 700", allocs)
	}
}

// What the store tells of an object, a folder, a missing path and a
// document is the same whether it sent the requests itself or through the
// SDK.
func TestStatRequestsAnswerAsTheSDK(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its requests through the SDK")
	}
	data := putStatFixture(t, s, ref)
	type answer struct {
		File, Folder  backend.ObjectInfo
		Missing       string
		Head          []byte
		HeadInfo      backend.ObjectInfo
		Short         []byte
		HeadMissing   string
		ETag          string
		NoDocumentErr string
	}
	other := backend.RepoRef{AccountID: ref.AccountID, RepositoryID: "other"} // no document
	ask := func() answer {
		var a answer
		var err error
		if a.File, err = s.StatObject(t.Context(), ref, "a/f.csv"); err != nil {
			t.Fatal(err)
		}
		if a.Folder, err = s.StatObject(t.Context(), ref, "a"); err != nil {
			t.Fatal(err)
		}
		_, err = s.StatObject(t.Context(), ref, "a/none.csv")
		if !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("stat of a missing file: %v, want not found", err)
		}
		a.Missing = err.Error()
		if a.Head, a.HeadInfo, err = s.GetObjectHead(t.Context(), ref, "a/f.csv", 100); err != nil {
			t.Fatal(err)
		}
		if a.Short, _, err = s.GetObjectHead(t.Context(), ref, "a/f.csv", 1<<20); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.GetObjectHead(t.Context(), ref, "a/none.csv", 100)
		if !errors.Is(err, backend.ErrNotFound) {
			t.Fatalf("first bytes of a missing file: %v, want not found", err)
		}
		a.HeadMissing = err.Error()
		if a.ETag, err = s.headMetadata(t.Context(), ref); err != nil {
			t.Fatal(err)
		}
		_, err = s.headMetadata(t.Context(), other)
		if !errors.Is(err, backend.ErrMetadataMissing) {
			t.Fatalf("HEAD of a missing document: %v, want missing", err)
		}
		a.NoDocumentErr = err.Error()
		return a
	}
	direct := ask()
	s.direct.off.Store(true)
	sdk := ask()
	if !reflect.DeepEqual(direct, sdk) {
		t.Fatalf("sent by the store:\n%+v\nby the SDK:\n%+v", direct, sdk)
	}
	if direct.File.Size != int64(len(data)) || direct.File.Checksum == "" || direct.File.ETag == "" || direct.File.ModTime.IsZero() {
		t.Errorf("stat of the file: %+v, want its size, checksum, ETag and time", direct.File)
	}
	if !bytes.Equal(direct.Head, data[:100]) || direct.HeadInfo.Size != int64(len(data)) || !bytes.Equal(direct.Short, data) {
		t.Errorf("first bytes: %q (size %d), want the object's first 100 of %d", direct.Head, direct.HeadInfo.Size, len(data))
	}
	if !strings.HasPrefix(direct.ETag, `"`) {
		t.Errorf("document ETag %q, want S3's, quotes and all (the index's name)", direct.ETag)
	}
}

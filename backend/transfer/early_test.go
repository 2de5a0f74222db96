package transfer

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// metaAfterGet is a store whose metadata is read only once a ranged GET
// was sent (or after a while, for code that waits for the metadata
// first: then early stays false), and that counts whole GETs.
type metaAfterGet struct {
	backend.Store
	once   sync.Once
	ranged chan struct{}
	early  atomic.Bool // the metadata was read after a GET
	gets   atomic.Int32
}

func (s *metaAfterGet) ReadMetadata(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	select {
	case <-s.ranged:
		s.early.Store(true)
	case <-time.After(5 * time.Second):
	case <-ctx.Done():
		return backend.MetadataHead{}, ctx.Err()
	}
	return s.Store.ReadMetadata(ctx, repo, folder, fn)
}

func (s *metaAfterGet) GetObject(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, backend.ObjectInfo, error) {
	s.gets.Add(1)
	return s.Store.GetObject(ctx, repo, p)
}

func (s *metaAfterGet) Capabilities() backend.Capabilities {
	c := backend.CapabilitiesOf(s.Store)
	c.RangeGet = signalRange{s, c.RangeGet}
	return c
}

type signalRange struct {
	s    *metaAfterGet
	base backend.RangeGetter
}

func (r signalRange) GetObjectRange(ctx context.Context, repo backend.RepoRef, p string, off, n int64, etag string) (io.ReadCloser, error) {
	r.s.once.Do(func() { close(r.s.ranged) })
	return r.base.GetObjectRange(ctx, repo, p, off, n, etag)
}

// A folder's small files are asked for before the metadata's checksums
// are read (the document may have to be fetched: see fetch) from a store
// that serves ranges (S3: a ranged GET is one without the store's
// checksum, which the SDK would hash again), and each is
// checked all the same once they are: against the metadata's checksum,
// a wrong one failing the file with nothing written; a file the
// metadata records no checksum for is asked for again with the store's
// own.
func TestEarlyDownloadsAreCheckedOnceTheMetadataIsRead(t *testing.T) {
	files := map[string][]byte{"a.txt": content("a", 5000), "none.txt": content("n", 6000), "wrong.txt": content("w", 7000)}
	t.Parallel()
	e := newAWS(t)
	src := t.TempDir()
	writeFiles(t, src, files)
	q := newQueue(t, e, Options{})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "d"})[0], Done)
	editEntries(t, e, func(m *backend.ObjectMeta) {
		switch m.Size {
		case 6000:
			m.Checksum, m.CRC32C = "", ""
		case 7000:
			m.Checksum, m.CRC32C = sha([]byte("something else")), ""
		}
	})
	s := &metaAfterGet{Store: e.store, ranged: make(chan struct{})}
	q = New(t.Context(), s, Options{RetryBase: 20 * time.Millisecond})
	t.Cleanup(func() { _ = q.Close() })
	dst := t.TempDir()
	j := run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "d"})[0]
	if !s.early.Load() {
		t.Error("the metadata was read before any file was asked for")
	}
	wantState(t, q, j, Failed)
	errs := q.ItemErrors(j.ID)
	if len(errs) != 1 || !errors.Is(errs[0], ErrChecksum) || !strings.Contains(errs[0].Error(), "wrong.txt") {
		t.Errorf("item errors %v, want wrong.txt's checksum mismatch", errs)
	}
	for name, b := range files {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if name == "wrong.txt" {
			if !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: %v, want nothing written", name, err)
			}
			continue
		}
		if err != nil || string(got) != string(b) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	if n := s.gets.Load(); n != 1 {
		t.Errorf("%d whole GETs, want one: none.txt's, with the store's checksum", n)
	}
	if ents, _ := os.ReadDir(dst); len(ents) != 2 {
		t.Errorf("%d files in the folder, want a.txt and none.txt alone", len(ents))
	}
}

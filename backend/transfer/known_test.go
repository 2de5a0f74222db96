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

// watchedStore counts a download's lookups of the object and can hold
// the metadata read until the object's content is asked for: a download
// that waited for the metadata before starting would then wait for the
// whole hold, and say so in held.
type watchedStore struct {
	backend.Store
	stats atomic.Int32
	hold  bool
	once  sync.Once
	got   chan struct{} // closed by the first GetObject or ranged read
	held  atomic.Bool   // a metadata read gave up waiting
}

func newWatchedStore(s backend.Store, hold bool) *watchedStore {
	return &watchedStore{Store: s, hold: hold, got: make(chan struct{})}
}

// Capabilities are the wrapped store's; a ranged read starts the content
// as GetObject does.
func (s *watchedStore) Capabilities() backend.Capabilities {
	c := backend.CapabilitiesOf(s.Store)
	if c.RangeGet != nil {
		c.RangeGet = watchedRange{s, c.RangeGet}
	}
	return c
}

type watchedRange struct {
	s    *watchedStore
	base backend.RangeGetter
}

func (r watchedRange) GetObjectRange(ctx context.Context, repo backend.RepoRef, p string, off, n int64, etag string) (io.ReadCloser, error) {
	r.s.once.Do(func() { close(r.s.got) })
	return r.base.GetObjectRange(ctx, repo, p, off, n, etag)
}

func (s *watchedStore) StatObject(ctx context.Context, repo backend.RepoRef, p string) (backend.ObjectInfo, error) {
	s.stats.Add(1)
	return s.Store.StatObject(ctx, repo, p)
}

func (s *watchedStore) GetObject(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, backend.ObjectInfo, error) {
	s.once.Do(func() { close(s.got) })
	return s.Store.GetObject(ctx, repo, p)
}

func (s *watchedStore) ReadMetadata(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	if s.hold {
		select {
		case <-s.got:
		case <-time.After(10 * time.Second):
			s.held.Store(true)
		case <-ctx.Done():
		}
	}
	return s.Store.ReadMetadata(ctx, repo, folder, fn)
}

// A file download whose object the caller already knows (Spec.Object)
// does not look the object up again, starts before the metadata is read,
// and still checks the content against the metadata's checksum, whichever
// form it records; a large one reads its ranges by the known version.
func TestDownloadOfAKnownObject(t *testing.T) {
	small, big := []byte("station,value\nst-42,7\n"), content("big", 2*rangePart+5)
	files := map[string][]byte{"s.txt": small, "big.bin": big}
	cases := []struct {
		name string
		edit func(m *backend.ObjectMeta)
		want State
	}{
		{"as recorded", func(*backend.ObjectMeta) {}, Done},
		{"SHA-256 only", func(m *backend.ObjectMeta) { m.CRC32C = "" }, Done},
		{"SHA-256 differs", func(m *backend.ObjectMeta) {
			m.CRC32C, m.Checksum = "", sha([]byte("something else"))
		}, Failed},
		{"CRC-32C differs", func(m *backend.ObjectMeta) {
			m.CRC32C = backend.FormatCRC32C(backend.UpdateCRC32C(0, []byte("something else")))
		}, Failed},
		{"no checksum", func(m *backend.ObjectMeta) { m.CRC32C, m.Checksum = "", "" }, Done},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		writeFiles(t, src, files)
		up := newQueue(t, e, Options{})
		wantState(t, up, run(t, up, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "d"})[0], Done)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				editEntries(t, e, func(m *backend.ObjectMeta) {
					for _, b := range files {
						if m.Size == int64(len(b)) {
							m.Checksum, m.CRC32C = sha(b), backend.FormatCRC32C(backend.UpdateCRC32C(0, b))
						}
					}
					c.edit(m)
				})
				for _, name := range []string{"s.txt", "big.bin"} {
					info, err := e.store.StatObject(t.Context(), testRepo, "d/"+name)
					if err != nil {
						t.Fatal(err)
					}
					ws := newWatchedStore(e.store, name == "s.txt")
					q := newQueue(t, &env{name: e.name, store: ws}, Options{})
					dst := filepath.Join(t.TempDir(), name)
					j := run(t, q, Spec{Kind: DownloadFile, Repo: testRepo, Local: dst, Remote: "d/" + name, Object: &info})[0]
					wantState(t, q, j, c.want)
					if n := ws.stats.Load(); n != 0 {
						t.Errorf("%s: %d lookups of the known object, want none", name, n)
					}
					if ws.held.Load() {
						t.Errorf("%s: the download waited for the metadata before it started", name)
					}
					got, err := os.ReadFile(dst)
					if c.want == Failed {
						if errs := q.ItemErrors(j.ID); len(errs) != 1 || !errors.Is(errs[0], ErrChecksum) {
							t.Errorf("%s: item errors %v, want a checksum mismatch", name, errs)
						}
						if err == nil {
							t.Errorf("%s: a file that failed its check was written", name)
						}
						continue
					}
					if err != nil || string(got) != string(files[name]) {
						t.Errorf("%s: %d bytes, %v; want the object", name, len(got), err)
					}
				}
			})
		}
	})
}

// Without a known object the download looks it up, as before.
func TestDownloadLooksUpAnUnknownObject(t *testing.T) {
	e := newLocal(t)
	src := t.TempDir()
	writeFiles(t, src, map[string][]byte{"s.txt": []byte("s")})
	up := newQueue(t, e, Options{})
	wantState(t, up, run(t, up, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "d"})[0], Done)
	ws := newWatchedStore(e.store, false)
	q := newQueue(t, &env{name: e.name, store: ws}, Options{})
	dst := filepath.Join(t.TempDir(), "s.txt")
	wantState(t, q, run(t, q, Spec{Kind: DownloadFile, Repo: testRepo, Local: dst, Remote: "d/s.txt"})[0], Done)
	if n := ws.stats.Load(); n != 1 {
		t.Errorf("%d lookups, want 1", n)
	}
	if _, err := q.Submit(Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "d", Object: &backend.ObjectInfo{}}); err == nil || !strings.Contains(err.Error(), "file download") {
		t.Errorf("a known object on a folder download: %v, want refused", err)
	}
}

package transfer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// listHeld holds every listing until the store has stored `after`
// objects, and counts the objects read back.
type listHeld struct {
	backend.Store
	after   int32
	stored  atomic.Int32
	reads   atomic.Int32
	release chan struct{}
	once    sync.Once
}

func (l *listHeld) PutObject(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	info, err := l.Store.PutObject(ctx, repo, p, r, size)
	if err == nil && l.stored.Add(1) == l.after {
		l.once.Do(func() { close(l.release) })
	}
	return info, err
}

func (l *listHeld) ListObjects(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	select {
	case <-l.release:
	case <-ctx.Done():
		return backend.Page[backend.Entry]{}, ctx.Err()
	}
	return l.Store.ListObjects(ctx, repo, folder, req)
}

func (l *listHeld) GetObject(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, backend.ObjectInfo, error) {
	if !strings.HasSuffix(p, backend.MetadataFileName) {
		l.reads.Add(1)
	}
	return l.Store.GetObject(ctx, repo, p)
}

// The first metadata write into a repository with no document records
// the objects already there, but not those the queue itself stored
// meanwhile (their entries are the next write's): an upload does not
// read back its own files. The listing is held until every file is
// stored, so that it finds all of them.
func TestFirstWriteDoesNotReadBackTheUpload(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	const n = 40
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("f%02d.txt", i)] = content(fmt.Sprint(i), 1000+i)
	}
	src := t.TempDir()
	writeFiles(t, src, files)
	// One object from elsewhere, which the first write must record.
	if _, err := e.store.PutObject(t.Context(), testRepo, "other/kept.txt", strings.NewReader("kept"), 4); err != nil {
		t.Fatal(err)
	}
	held := &listHeld{Store: e.store, after: n, release: make(chan struct{})}
	q := New(context.Background(), held, Options{Workers: 4, MetadataInterval: time.Millisecond, RetryBase: 20 * time.Millisecond})
	t.Cleanup(func() { _ = q.Close() })
	j := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "up", Policy: Overwrite})[0]
	wantState(t, q, j, Done)
	got := checkMetadata(t, e.store, testRepo)
	if len(got) != n+1 {
		t.Errorf("the document has %d entries, want %d (the upload's and the object already there)", len(got), n+1)
	}
	// The one object from elsewhere, and at most the files in flight
	// when they were listed (stored, their entries not yet pending): with
	// 4 workers, 4. The old way read back all of them.
	if r := held.reads.Load(); r > 1+4 {
		t.Errorf("the first write read %d objects back, want at most 5 (the one already there and the files in flight): it read the upload's own files", r)
	}
}

// listFirst holds every upload until the repository has been listed (or
// a while has passed, which the test reports), and counts the listings.
type listFirst struct {
	backend.Store
	listed   chan struct{}
	once     sync.Once
	lists    atomic.Int32
	unlisted atomic.Int32 // uploads that went without a listing first
}

func (l *listFirst) PutObject(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	select {
	case <-l.listed:
	case <-time.After(3 * time.Second):
		l.unlisted.Add(1)
	}
	return l.Store.PutObject(ctx, repo, p, r, size)
}

func (l *listFirst) ListObjects(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	page, err := l.Store.ListObjects(ctx, repo, folder, req)
	l.lists.Add(1)
	l.once.Do(func() { close(l.listed) })
	return page, err
}

// An upload into a repository with no document lists the objects already
// there (for its first metadata write) beside its transfers, not after
// them: at a distance that is a round trip less before the write. The
// store here lets no upload through until it has been listed.
func TestFirstWriteListsBesideTheUploads(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	files := map[string][]byte{}
	for i := range 8 {
		files[fmt.Sprintf("f%02d.txt", i)] = content(fmt.Sprint(i), 100+i)
	}
	src := t.TempDir()
	writeFiles(t, src, files)
	if _, err := e.store.PutObject(t.Context(), testRepo, "other/kept.txt", strings.NewReader("kept"), 4); err != nil {
		t.Fatal(err)
	}
	held := &listFirst{Store: e.store, listed: make(chan struct{})}
	q := New(context.Background(), held, Options{Workers: 4, RetryBase: 20 * time.Millisecond})
	t.Cleanup(func() { _ = q.Close() })
	j := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "up", Policy: Overwrite})[0]
	wantState(t, q, j, Done)
	if n := held.unlisted.Load(); n > 0 {
		t.Errorf("%d uploads went before the repository was listed: the first write's listing waited for them", n)
	}
	if got := checkMetadata(t, e.store, testRepo); len(got) != len(files)+1 {
		t.Errorf("the document has %d entries, want %d (the upload's and the object already there)", len(got), len(files)+1)
	}
}

// warmed records what a queue asked a store to warm up.
type warmed struct {
	backend.Store
	asked atomic.Int32
}

func (w *warmed) WarmUp(n int) { w.asked.Store(int32(n)) }

// Preparing an upload warms up the connections of its first wave — its
// files up to the workers at once, and the listing and the clean-up
// beside them — and asks whether the repository has a document, before
// the job is submitted.
func TestPrepareWarmsUpTheFirstWave(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	for _, c := range []struct{ files, workers, want int }{{5, 16, 7}, {40, 16, 18}} {
		files := map[string][]byte{}
		for i := range c.files {
			files[fmt.Sprintf("d%d/f%02d.txt", i%3, i)] = content(fmt.Sprint(i), 10)
		}
		src := t.TempDir()
		writeFiles(t, src, files)
		w := &warmed{Store: e.store}
		q := New(context.Background(), w, Options{Workers: c.workers})
		q.Prepare(Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "up", Policy: Overwrite})
		if got := int(w.asked.Load()); got != c.want {
			t.Errorf("%d files, %d workers: warmed up %d connections, want %d", c.files, c.workers, got, c.want)
		}
		_ = q.Close()
	}
}

// A download of a path said to be a folder warms up the connections of
// its first wave — the workers at once, besides the three requests
// already asked for — while the listing's first answer is awaited.
func TestExpectFolderWarmsUpTheFirstWave(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	w := &warmed{Store: e.store}
	pf := StartDownload(context.Background(), w, testRepo, "up")
	defer pf.Close()
	pf.ExpectFolder(w, 16)
	if got := int(w.asked.Load()); got != 19 {
		t.Errorf("warmed up %d connections, want 19 (16 workers and the 3 first requests)", got)
	}
	// A store that cannot warm up anything is left alone.
	pf.ExpectFolder(e.store, 16)
}

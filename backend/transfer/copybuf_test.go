package transfer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// A download of many small files reuses its copy buffers: what it
// allocates per file is well below the file's size (a fresh buffer per
// file, as before, is at least the size: 89 KB in all per file of
// 64 KiB, against 16 KB now; 33 KB with -race, under which sync.Pool
// drops a quarter of what it is given). Not parallel: the count is of
// the whole process.
func TestSmallDownloadsReuseTheirBuffers(t *testing.T) {
	const n, size = 200, 64 << 10
	e := newLocal(t)
	q := newQueue(t, e, Options{Workers: 8})
	src := filepath.Join(t.TempDir(), "src")
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("f%03d", i)] = content(fmt.Sprint(i), size)
	}
	writeFiles(t, src, files)
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "small"})[0], Done)
	warm := filepath.Join(t.TempDir(), "warm") // the pool's first buffers
	wantState(t, q, run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: warm, Remote: "small"})[0], Done)

	dst := filepath.Join(t.TempDir(), "dst")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	j := run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "small"})[0]
	runtime.ReadMemStats(&after)
	wantState(t, q, j, Done)
	sameFiles(t, dst, files)
	perFile := (after.TotalAlloc - before.TotalAlloc) / n
	t.Logf("%d bytes allocated per file of %d", perFile, size)
	if perFile >= size*3/4 {
		t.Errorf("%d bytes allocated per downloaded file of %d: its copy buffer is not reused", perFile, size)
	}
}

// heldStore holds every GetObject's body after its first half until
// release is closed, and reports on arrived when a body got there.
type heldStore struct {
	backend.Store
	arrived chan struct{}
	release chan struct{}
}

// Capabilities are none of the wrapped store's: downloads use GetObject.
func (s *heldStore) Capabilities() backend.Capabilities { return backend.Capabilities{} }

func (s *heldStore) GetObject(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, backend.ObjectInfo, error) {
	rc, info, err := s.Store.GetObject(ctx, repo, p)
	if err != nil {
		return rc, info, err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, info, err
	}
	half := len(b) / 2
	r := io.MultiReader(bytes.NewReader(b[:half]), readerFunc(func(p []byte) (int, error) {
		select {
		case s.arrived <- struct{}{}:
		default:
		}
		<-s.release
		return 0, io.EOF
	}), bytes.NewReader(b[half:]))
	return io.NopCloser(r), info, nil
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// A small file's download makes no file on disk until all of its bytes
// have arrived: then one file is made, written once and renamed (and a
// download that fails before makes none).
func TestSmallDownloadWritesOnceItsBytesAreIn(t *testing.T) {
	e := newLocal(t)
	body := content("held", 64<<10)
	src := filepath.Join(t.TempDir(), "src")
	writeFiles(t, src, map[string][]byte{"f": body})
	up := newQueue(t, e, Options{})
	wantState(t, up, run(t, up, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "held"})[0], Done)

	hs := &heldStore{Store: e.store, arrived: make(chan struct{}, 1), release: make(chan struct{})}
	q := New(context.Background(), hs, Options{RetryBase: 20 * time.Millisecond})
	t.Cleanup(func() { _ = q.Close() })
	dst := filepath.Join(t.TempDir(), "dst")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	id, err := q.Submit(Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "held"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-hs.arrived:
	case <-time.After(time.Minute):
		t.Fatal("the download never read its body")
	}
	ents, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range ents {
		names = append(names, d.Name())
	}
	close(hs.release)
	if len(names) > 0 {
		t.Errorf("with half of the body in, %s holds %s: want nothing yet", dst, strings.Join(names, ", "))
	}
	ctx, cancel := contextTimeout(t)
	defer cancel()
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	j, _ := q.Job(id)
	wantState(t, q, j, Done)
	sameFiles(t, dst, map[string][]byte{"f": body})
}

// spool writes a body that fits its buffer once, whole, however it
// arrives; a longer body a buffer-full at a time; every byte through the
// receipt.
func TestSpool(t *testing.T) {
	for _, tc := range []struct {
		size, buf int
		writes    int
	}{
		{0, 8, 0},
		{5, 8, 1},
		{8, 8, 1}, // exactly the buffer: still one write
		{9, 8, 2},
		{17, 8, 3},
		{16, 8, 2},
	} {
		body := content(fmt.Sprint(tc.size), tc.size)
		w := &countingWriter{}
		rx := &receipt{j: &job{q: &Queue{}}}
		// iotest-like: one byte at a time, so that every path is taken.
		r := readerFunc(func(p []byte) (int, error) {
			if len(body) == 0 {
				return 0, io.EOF
			}
			p[0], body = body[0], body[1:]
			return 1, nil
		})
		want := content(fmt.Sprint(tc.size), tc.size)
		if err := spool(t.Context(), w, r, rx, make([]byte, tc.buf)); err != nil {
			t.Fatalf("%d bytes: %v", tc.size, err)
		}
		if !bytes.Equal(w.b.Bytes(), want) || rx.n != int64(tc.size) || w.n != tc.writes {
			t.Errorf("%d bytes through %d: wrote %d bytes in %d writes, receipt %d; want %d writes",
				tc.size, tc.buf, w.b.Len(), w.n, rx.n, tc.writes)
		}
	}
}

type countingWriter struct {
	b bytes.Buffer
	n int
}

func (w *countingWriter) Write(p []byte) (int, error) { w.n++; return w.b.Write(p) }

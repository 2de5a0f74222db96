package transfer

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
)

// overlapFile is a part file that records the most of its writes ever in
// flight at once; each write lingers a little, so that writes sent at
// the same time meet.
type overlapFile struct {
	*os.File
	now, most atomic.Int32
}

func (f *overlapFile) WriteAt(p []byte, off int64) (int, error) {
	n := f.now.Add(1)
	defer f.now.Add(-1)
	for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
	}
	time.Sleep(time.Millisecond)
	return f.File.WriteAt(p, off)
}

// A large download's ranges are fetched at once, but their pieces go
// into the part file one write at a time (see turnWriter), and the file
// comes out whole and checked, by its CRC-32C as the ranges arrive or by
// its SHA-256 read back.
func TestRangedWritesTakeTurns(t *testing.T) {
	e := newLocal(t)
	body, info := storeRanged(t, e, newQueue(t, e, Options{}), "ranged")
	sums := map[string]digest{
		"CRC-32C": {crc32c: backendtest.CRC32C(body)},
		"SHA-256": {sha256: sha(body)},
	}
	for name, want := range sums {
		t.Run(name, func(t *testing.T) {
			q := newQueue(t, e, Options{})
			rx := newReceipt(newJob(q, 1, Spec{Kind: DownloadFile, Repo: testRepo}), &task{want: want})
			f, err := os.Create(filepath.Join(t.TempDir(), "part"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			of := &overlapFile{File: f}
			if err := q.fetchRanges(t.Context(), testRepo, "d/big.bin", info, of, rx); err != nil {
				t.Fatal(err)
			}
			if err := rx.check(info); err != nil {
				t.Fatal(err)
			}
			if m := of.most.Load(); m != 1 {
				t.Errorf("%d writes into the part file at once, want 1", m)
			}
			if got, err := os.ReadFile(f.Name()); err != nil || !bytes.Equal(got, body) {
				t.Errorf("part file: %d bytes (%v), want the object's %d", len(got), err, len(body))
			}
			if rx.n != int64(len(body)) {
				t.Errorf("%d bytes checked, want %d", rx.n, len(body))
			}
		})
	}
}

// The ranges of a large download stream through buffers of the queue's
// pool: three downloads of 4 ranges allocate well under half the 12
// buffers of streamPiece that a buffer per range made (each of them then
// faulted in page by page). A few may be made all the same: a range can
// find the pool's buffers out of its reach for a moment (sync.Pool keeps
// one per P that only that P takes), and the first download may have
// needed fewer at once. Not parallel: the count is of the whole process;
// no collection empties the pool meanwhile. Under -race, where sync.Pool
// drops a quarter of what it is given, the count is only logged.
func TestRangedDownloadsReuseTheirBuffers(t *testing.T) {
	e := newLocal(t)
	q := newQueue(t, e, Options{})
	body, info := storeRanged(t, e, q, "reused")
	want := digest{crc32c: backendtest.CRC32C(body)}
	fetch := func() {
		rx := newReceipt(newJob(q, 1, Spec{Kind: DownloadFile, Repo: testRepo}), &task{want: want})
		f, err := os.Create(filepath.Join(t.TempDir(), "part"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		err = q.fetchRanges(t.Context(), testRepo, "d/big.bin", info, f, rx)
		if err == nil {
			err = rx.check(info)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	fetch() // the pool's first buffers
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 3 {
		fetch()
	}
	runtime.ReadMemStats(&after)
	got := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes allocated by 3 downloads of 4 ranges", got)
	if !raceBuild && got >= 6*streamPiece {
		t.Errorf("%d bytes allocated by 3 downloads of 4 ranges: their buffers (%d bytes each) are not reused", got, streamPiece)
	}
}

// storeRanged stores d/big.bin, three ranges and a few bytes long, made
// from seed, through q, and returns its bytes and what the store says of
// it.
func storeRanged(t *testing.T, e *env, q *Queue, seed string) ([]byte, backend.ObjectInfo) {
	t.Helper()
	body := content(seed, 3*rangePart+5)
	src := t.TempDir()
	writeFiles(t, src, map[string][]byte{"big.bin": body})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "d"})[0], Done)
	info, err := e.store.StatObject(t.Context(), testRepo, "d/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	return body, info
}

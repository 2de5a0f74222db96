package server

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// opens counts how the reader reopened the object.
type opens struct {
	mu   sync.Mutex
	offs []int64
}

// Reads arrive as an SFTP client sends them: 32 KiB chunks, up to 64 in
// flight, answered in any order. The order here is fixed (each batch of
// 64 read backwards, every other batch shuffled by a seeded generator),
// so the number of reopens is exact; a concurrent run below checks the
// bytes under the race detector.
func TestStreamReaderAtServesOutOfOrderReads(t *testing.T) {
	data := make([]byte, 3*readWindow+777)
	_, _ = rand.Read(data)
	var o opens
	open := func(off, n int64) (io.ReadCloser, error) {
		o.mu.Lock()
		o.offs = append(o.offs, off)
		o.mu.Unlock()
		return io.NopCloser(bytes.NewReader(data[off : off+n])), nil
	}
	first, _ := open(0, int64(len(data)))
	r := &streamReaderAt{rc: first, open: open, size: int64(len(data))}
	defer func() { _ = r.Close() }()

	const chunk, inFlight = 32 << 10, 64
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	for batch := int64(0); batch*chunk*inFlight < int64(len(data)); batch++ {
		offs := make([]int64, 0, inFlight)
		for i := range int64(inFlight) {
			if off := (batch*inFlight + i) * chunk; off < int64(len(data)) {
				offs = append(offs, off)
			}
		}
		slices.Reverse(offs)
		if batch%2 == 1 {
			rng.Shuffle(len(offs), func(i, j int) { offs[i], offs[j] = offs[j], offs[i] })
		}
		for _, off := range offs {
			buf := make([]byte, chunk)
			n, err := r.ReadAt(buf, off)
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("read at %d: %v", off, err)
			}
			if !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
				t.Fatalf("wrong bytes at %d", off)
			}
		}
	}
	if len(o.offs) != 1 {
		t.Errorf("reopened at %v; reads within the window must come from memory", o.offs[1:])
	}
	// Past the end: EOF; before the window: one ranged reopen there.
	if n, err := r.ReadAt(make([]byte, 10), int64(len(data))); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("read past the end: %d, %v", n, err)
	}
	buf := make([]byte, 100)
	if _, err := r.ReadAt(buf, 5); err != nil || !bytes.Equal(buf, data[5:105]) {
		t.Errorf("read at 5: %v", err)
	}
	if len(o.offs) != 2 || o.offs[1] != 5 {
		t.Errorf("reopened at %v; want one reopen, at 5", o.offs[1:])
	}
}

// Concurrent reads in any order always get the right bytes (how many
// reopens that costs depends on the scheduler, so it is not counted).
func TestStreamReaderAtConcurrentReads(t *testing.T) {
	data := make([]byte, 2*readWindow+777)
	_, _ = rand.Read(data)
	open := func(off, n int64) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data[off : off+n])), nil
	}
	first, _ := open(0, int64(len(data)))
	r := &streamReaderAt{rc: first, open: open, size: int64(len(data)), budget: newBudget(2 * streamBuffer)}
	defer func() { _ = r.Close() }()
	const chunk = 32 << 10
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	errs := make(chan error, 1)
	for off := int64(0); off < int64(len(data)); off += chunk {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			buf := make([]byte, chunk)
			n, err := r.ReadAt(buf, off)
			switch {
			case err != nil && !errors.Is(err, io.EOF):
			case !bytes.Equal(buf[:n], data[off:off+int64(n)]):
				err = fmt.Errorf("wrong bytes at %d", off)
			default:
				return
			}
			select {
			case errs <- err:
			default:
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// The read-buffer budget bounds the memory of streamed reads: a stream
// that gets no window reads each request with a ranged request of its
// own, and a closed stream gives its window back. A read far past the
// window opens the object there instead of streaming up to it.
func TestStreamReaderAtBudget(t *testing.T) {
	data := make([]byte, 3*readWindow)
	_, _ = rand.Read(data)
	budget := newBudget(streamBuffer + 1)
	newStream := func(o *opens) *streamReaderAt {
		open := func(off, n int64) (io.ReadCloser, error) {
			o.mu.Lock()
			o.offs = append(o.offs, off)
			o.mu.Unlock()
			return io.NopCloser(bytes.NewReader(data[off : off+n])), nil
		}
		first, _ := open(0, int64(len(data)))
		return &streamReaderAt{rc: first, open: open, size: int64(len(data)), budget: budget}
	}
	var oa, ob opens
	a, b := newStream(&oa), newStream(&ob)
	buf := make([]byte, 1000)
	for _, off := range []int64{0, 1000, 2000} {
		if _, err := a.ReadAt(buf, off); err != nil || !bytes.Equal(buf, data[off:off+1000]) {
			t.Fatalf("windowed read at %d: %v", off, err)
		}
		if _, err := b.ReadAt(buf, off); err != nil || !bytes.Equal(buf, data[off:off+1000]) {
			t.Fatalf("direct read at %d: %v", off, err)
		}
	}
	if budget.inUse() != streamBuffer || len(oa.offs) != 1 || len(ob.offs) != 4 {
		t.Errorf("budget in use %d (want one window); opens: windowed %v, direct %v (want one per read)", budget.inUse(), oa.offs, ob.offs)
	}
	if n, err := b.ReadAt(buf, int64(len(data))-10); n != 10 || !errors.Is(err, io.EOF) {
		t.Errorf("a direct read over the end: %d, %v", n, err)
	}
	// Far past the window: one reopen there, not a stream of 2 windows.
	if _, err := a.ReadAt(buf, 2*readWindow+5); err != nil || !bytes.Equal(buf, data[2*readWindow+5:2*readWindow+1005]) {
		t.Fatalf("read far ahead: %v", err)
	}
	if last := oa.offs[len(oa.offs)-1]; last != 2*readWindow+5 {
		t.Errorf("a read far ahead streamed to it instead of reopening there: %v", oa.offs)
	}
	_ = a.Close()
	_ = b.Close()
	if budget.inUse() != 0 {
		t.Errorf("closed streams hold %d bytes of budget", budget.inUse())
	}
}

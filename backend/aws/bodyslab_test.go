package aws

import (
	"runtime"
	"testing"
	"time"
	"unsafe"
)

// The first wave of an upload of many small files takes its buffers from
// a few slabs made ready at once, not one fresh allocation (and a page
// fault every 4 KiB of it) per file; each buffer is its own memory, of
// its class's size (so that put takes it back like any other).
func TestSmallBodiesAreCutFromSlabs(t *testing.T) {
	const wave = 64
	perSlab := slabSize / (64 << 10)
	scratch := make([][]byte, wave)
	allocs := testing.AllocsPerRun(10, func() {
		p := new(bodyPool) // a fresh pool: the slabs of the runs before may be alive still
		for i := range scratch {
			scratch[i] = p.get(64 << 10)
		}
	})
	if allocs > float64(5*wave/perSlab+1) {
		t.Errorf("%v allocations for %d buffers of 64 KiB, want a few per slab of %d", allocs, wave, perSlab)
	}
	var p bodyPool
	bufs := make([][]byte, 0, wave)
	for range wave {
		bufs = append(bufs, p.get(64<<10))
	}
	seen := map[uintptr]bool{}
	for i, b := range bufs {
		if len(b) != 64<<10 || cap(b) != 64<<10 {
			t.Fatalf("buffer %d: len %d cap %d, want 64 KiB", i, len(b), cap(b))
		}
		start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		if seen[start] {
			t.Fatalf("buffer %d shares its memory with another", i)
		}
		seen[start] = true
		for j := range b {
			b[j] = byte(i)
		}
	}
	for i, b := range bufs {
		for j, c := range b {
			if c != byte(i) {
				t.Fatalf("buffer %d byte %d is %d: written through another buffer", i, j, c)
			}
		}
	}
	// Other sizes of the slab classes.
	for _, n := range []int64{1, 64<<10 + 1, 200 << 10} {
		b := p.get(n)
		if int64(len(b)) != n || cap(b) != 1<<(bodyClass(n)+minBodyShift) {
			t.Errorf("get(%d): len %d cap %d", n, len(b), cap(b))
		}
	}
}

// The slabs of a class alive at once are bounded, however many of their
// buffers are kept (one buffer keeps its whole slab alive): beyond
// maxLiveSlabs a buffer is made on its own, and slabs are cut again once
// the old ones are collected.
func TestLiveSlabsAreBounded(t *testing.T) {
	var p bodyPool
	perSlab := slabSize / (64 << 10)
	var kept [][]byte
	for range 4 * maxLiveSlabs * perSlab {
		kept = append(kept, p.get(64<<10))
	}
	if n := p.slabs[0].live.Load(); n != maxLiveSlabs {
		t.Fatalf("%d slabs alive with %d buffers kept, want %d", n, len(kept), maxLiveSlabs)
	}
	runtime.KeepAlive(kept)
	kept = nil
	deadline := time.Now().Add(10 * time.Second)
	for p.slabs[0].live.Load() > 1 { // the current slab's rest is the pool's
		if time.Now().After(deadline) {
			t.Fatalf("%d slabs alive after their buffers were dropped", p.slabs[0].live.Load())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	for range 2 * perSlab {
		kept = append(kept, p.get(64<<10))
	}
	if n := p.slabs[0].live.Load(); n < 2 {
		t.Errorf("%d slabs alive after %d buffers more: slabs are not cut again once collected", n, len(kept))
	}
	runtime.KeepAlive(kept)
}

package aws

import (
	"testing"
	"unsafe"
)

// The first wave of an upload of many small files takes its buffers from
// a few slabs made ready at once, not one fresh allocation (and a page
// fault every 4 KiB of it) per file; each buffer is its own memory, of
// its class's size (so that put takes it back like any other).
func TestSmallBodiesAreCutFromSlabs(t *testing.T) {
	var p bodyPool
	const wave = 64
	perSlab := slabSize / (64 << 10)
	scratch := make([][]byte, wave)
	allocs := testing.AllocsPerRun(10, func() {
		for i := range scratch {
			scratch[i] = p.get(64 << 10)
		}
	})
	if allocs > float64(wave/perSlab+1) {
		t.Errorf("%v allocations for %d buffers of 64 KiB, want about one per slab of %d", allocs, wave, perSlab)
	}
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

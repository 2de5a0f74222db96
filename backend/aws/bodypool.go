package aws

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// bodyPool keeps the buffers small objects are read into before their
// PUT (whole, so that their SHA-256 goes with them), by size class (the
// powers of two from minBodyClass to singlePutMax), so that an upload of
// many small files reuses a few buffers instead of allocating, and
// faulting in, a fresh one per file. A buffer comes back only once its
// PUT is over and net/http has closed every request body made of it
// (see bodyLease): the transport may still be writing a body when the
// answer comes. One the SDK sent is left to the garbage collector. What the
// pool holds is bounded by what was in flight at once (the transfer
// queue's memory budget), and sync.Pool lets it go over two collections
// when it is no longer used.
//
// The buffers of the smallest classes (up to slabMaxClass) are cut from
// slabs of slabSize, each made ready in one call (see populate) rather
// than page by page as they are first written: the first wave of an
// upload of many small files took a page fault every 4 KiB of its 256
// fresh buffers, 4,096 of them for 64 KiB files, each a trap into the
// kernel. A slab lives while any buffer cut from it does, so at most
// maxLiveSlabs of each class are alive at once (a buffer asked for beyond
// that is a plain allocation): at most 16 MiB a class, 48 MiB in all,
// whatever the pool keeps or drops.
type bodyPool struct {
	classes [bodyClasses]sync.Pool
	slabs   [slabClasses]slabCutter
}

const (
	minBodyShift = 16                // 64 KiB
	bodyClasses  = 25 - minBodyShift // 64 KiB … 16 MiB (singlePutMax)
	// slabSize is the size of the slabs the small classes are cut from.
	slabSize = 2 << 20
	// slabClasses are the classes cut from slabs: 64, 128 and 256 KiB.
	slabClasses = 3
	// maxLiveSlabs bounds the slabs of one class alive at once: the
	// first wave of 256 buffers of 64 KiB.
	maxLiveSlabs = 8
)

// slabCutter hands out a class's buffers from its current slab.
type slabCutter struct {
	mu   sync.Mutex
	rest []byte // what is left of the current slab
	// live counts the slabs not yet collected (a cleanup of each
	// counts it down).
	live atomic.Int32
}

// cut returns a fresh buffer of n bytes, cut from the slab, or made on
// its own while maxLiveSlabs are alive.
func (s *slabCutter) cut(n int64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if int64(len(s.rest)) < n {
		s.rest = nil
		if s.live.Load() >= maxLiveSlabs {
			return make([]byte, n)
		}
		slab := make([]byte, slabSize)
		populate(slab)
		s.live.Add(1)
		runtime.AddCleanup(&slab[0], func(c *slabCutter) { c.live.Add(-1) }, s)
		s.rest = slab
	}
	b := s.rest[:n:n]
	s.rest = s.rest[n:]
	return b
}

// bodyClass is the index of the smallest class holding size bytes, or -1
// for a size no class holds.
func bodyClass(size int64) int {
	if size <= 0 || size > singlePutMax {
		return -1
	}
	c := max(bits.Len64(uint64(size-1)), minBodyShift) - minBodyShift
	if c >= bodyClasses {
		return -1
	}
	return c
}

// get returns a buffer of size bytes, reused when one is free.
func (p *bodyPool) get(size int64) []byte {
	c := bodyClass(size)
	if c < 0 {
		return make([]byte, size)
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:size]
	}
	n := int64(1) << (c + minBodyShift)
	if c < slabClasses {
		return p.slabs[c].cut(n)[:size]
	}
	return make([]byte, size, n)
}

// put gives back a buffer that nothing refers to any more.
func (p *bodyPool) put(b []byte) {
	c := bodyClass(int64(cap(b)))
	if c < 0 || int64(cap(b)) != int64(1)<<(c+minBodyShift) {
		return // not one of the pool's
	}
	b = b[:cap(b)]
	p.classes[c].Put(&b)
}

package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// firstGCHeadroom is how much memory a command may take on top of what
// it holds as main starts before its first garbage collection.
const firstGCHeadroom = 32 << 20

// delayFirstGC puts the process's first garbage collection off until it
// uses firstGCHeadroom more memory than now; from that collection on, Go's
// own pacing (GOGC=100, or what the command set meanwhile with
// gcPacing.setPercent; no limit) is back. Go collects first at 4 MiB of
// heap, which the packages' init fills halfway (about 2 MiB, most of it
// the AWS SDK's schemas), so a `coop stat` or `coop ls` started a
// collection each for a few more MiB and exited before it was of use
// (about a twentieth of their CPU). Nothing changes when GOGC or
// GOMEMLIMIT is set. Memory: at most firstGCHeadroom more before the first
// collection, the same as before after it.
func delayFirstGC(getenv env) *gcPacing {
	g := &gcPacing{}
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return g
	}
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	inUse := s[0].Value.Uint64() - s[1].Value.Uint64()
	// The limit, with collections otherwise off, is what makes the
	// first one come; the cleanup of an object nothing holds runs once
	// that collection has found it unreachable, and restores the pacing.
	g.percent, g.pending = debug.SetGCPercent(-1), true
	debug.SetMemoryLimit(int64(min(inUse+firstGCHeadroom, math.MaxInt64/2)))
	runtime.AddCleanup(new(firstGC), (*gcPacing).restore, g)
	return g
}

// gcPacing is the process's collection pacing, which a command sets
// through it: while the first collection is put off (see delayFirstGC),
// setting GOGC would bring that collection back to Go's first goal.
type gcPacing struct {
	mu      sync.Mutex
	pending bool // the first collection is still put off
	percent int  // GOGC once it has come
}

// setPercent sets GOGC to p for the rest of the command: at once, or
// once the first collection has come if it is still put off. (A
// transfer sets 200; set at once, it brought the first collection back
// to about 8 MiB of heap: a download of 1,000 files of 64 KiB, which
// never holds 32 MiB more, collected twice, with the whole process
// stopped for each collection's start.) g may be nil: at once.
func (g *gcPacing) setPercent(p int) {
	if g == nil {
		debug.SetGCPercent(p)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending {
		g.percent = p
		return
	}
	debug.SetGCPercent(p)
}

// restore is Go's pacing back once the first collection has come.
func (g *gcPacing) restore() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = false
	restoreGC(g.percent)
}

// firstGC is the object whose collection marks the first one done. It
// holds a pointer so that it is never packed with other small objects
// (the tiny allocator), whose life it would then share.
type firstGC struct{ _ *byte }

// restoreGC is Go's pacing back: percent, and no memory limit.
func restoreGC(percent int) {
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(math.MaxInt64)
}

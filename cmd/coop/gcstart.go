package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// firstGCHeadroom is how much memory a command may take on top of what
// it holds as main starts before its first garbage collection.
const firstGCHeadroom = 32 << 20

// delayFirstGC puts the process's first garbage collection off until it
// uses firstGCHeadroom more memory than now; from that collection on, Go's
// own pacing (GOGC=100, no limit) is back. Go collects first at 4 MiB of
// heap, which the packages' init fills halfway (about 2 MiB, most of it
// the AWS SDK's schemas), so a `coop stat` or `coop ls` started a
// collection each for a few more MiB and exited before it was of use
// (about a twentieth of their CPU). Nothing changes when GOGC or
// GOMEMLIMIT is set. Memory: at most firstGCHeadroom more before the first
// collection, the same as before after it.
func delayFirstGC(getenv env) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	inUse := s[0].Value.Uint64() - s[1].Value.Uint64()
	// The limit, with collections otherwise off, is what makes the
	// first one come; the cleanup of an object nothing holds runs once
	// that collection has found it unreachable, and restores the pacing.
	gogc := debug.SetGCPercent(-1)
	debug.SetMemoryLimit(int64(min(inUse+firstGCHeadroom, math.MaxInt64/2)))
	runtime.AddCleanup(new(firstGC), restoreGC, gogc)
}

// firstGC is the object whose collection marks the first one done. It
// holds a pointer so that it is never packed with other small objects
// (the tiny allocator), whose life it would then share.
type firstGC struct{ _ *byte }

// restoreGC is Go's pacing back: percent, unless the command has set its
// own meanwhile (transfers do), and no memory limit.
func restoreGC(percent int) {
	if set := debug.SetGCPercent(percent); set != -1 {
		debug.SetGCPercent(set)
	}
	debug.SetMemoryLimit(math.MaxInt64)
}

package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcState reads the number of collections so far, GOGC and the memory
// limit.
func gcState() (cycles uint64, gogc uint64, limit uint64) {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
}

// churn allocates n bytes in 64 KiB pieces, keeping none.
func churn(n int) {
	var keep []byte
	for range n >> 16 {
		keep = make([]byte, 64<<10)
		keep[0] = 1
	}
	runtime.KeepAlive(keep)
}

// A command allocating a few MiB more than its start (a stat, an ls) runs
// no garbage collection; one taking more gets its first within
// firstGCHeadroom, after which Go's own pacing is back: GOGC as it was,
// or as the command set it meanwhile, and no memory limit. A transfer
// sets GOGC 200 as it starts, which keeps the first collection put off
// (set with debug.SetGCPercent, as it was, it brought that collection
// back to Go's first goal: two collections in these 16 MiB).
func TestFirstCollectionWaitsForTheHeadroom(t *testing.T) {
	_, was, _ := gcState()
	t.Cleanup(func() { restoreGC(int(was)) })
	for _, set := range []int{0, 200} {
		debug.FreeOSMemory() // none under way, and no free memory kept: the limit counts it as used
		before, _, _ := gcState()
		g := delayFirstGC(func(string) string { return "" })
		want := was
		if set != 0 {
			g.setPercent(set) // as a transfer does
			want = uint64(set)
		}
		churn(16 << 20) // four times Go's 4 MiB first goal
		after, gogc, limit := gcState()
		if after != before {
			t.Fatalf("GOGC set to %d: %d collections while 16 MiB were allocated, want none before the headroom is used", set, after-before)
		}
		if gogc != math.MaxUint64 || limit >= math.MaxInt64 { // off: -1
			t.Fatalf("GOGC %d, memory limit %d while the first collection waits: want off, and a limit", gogc, limit)
		}
		churn(3 * firstGCHeadroom)
		// The collection the limit started may still be under way.
		for wait := time.Now().Add(5 * time.Second); after == before && time.Now().Before(wait); time.Sleep(time.Millisecond) {
			after, _, _ = gcState()
		}
		if after == before {
			t.Fatalf("GOGC set to %d: no collection after %d MiB, want one once the headroom is used", set, 3*firstGCHeadroom>>20+16)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, gogc, limit = gcState()
			g.mu.Lock()
			restored := !g.pending // this one's, not an earlier test's
			g.mu.Unlock()
			if restored && gogc == want && limit == math.MaxInt64 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the first collection GOGC %d, memory limit %d: want %d and none", gogc, limit, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
		g.setPercent(150) // from now on, at once
		if _, gogc, _ = gcState(); gogc != 150 {
			t.Fatalf("GOGC set to 150 after the first collection: %d", gogc)
		}
		restoreGC(int(was))
	}
}

// GOGC or GOMEMLIMIT in the environment are the user's choice: left as
// they are.
func TestFirstCollectionLeftAloneWithGOGC(t *testing.T) {
	_, was, _ := gcState()
	t.Cleanup(func() { restoreGC(int(was)) })
	for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
		old := debug.SetGCPercent(150)
		delayFirstGC(func(v string) string {
			if v == k {
				return "150"
			}
			return ""
		})
		if _, gogc, limit := gcState(); gogc != 150 || limit != math.MaxInt64 {
			t.Errorf("%s set: GOGC %d, limit %d, want 150 and none", k, gogc, limit)
		}
		debug.SetGCPercent(old)
	}
}

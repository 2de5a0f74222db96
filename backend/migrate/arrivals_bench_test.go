package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkArrivalsMemory measures what a migration keeps per object of
// a repository (to check its entries against what arrived): the heap
// grown by recording 1,000,000 objects, reported as bytes/object and MB.
func BenchmarkArrivalsMemory(b *testing.B) {
	const n = 1_000_000
	sum := sha256.Sum256([]byte("x"))
	sha := hex.EncodeToString(sum[:])
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		arr := newArrivals()
		for i := range n {
			arr.set(fmt.Sprintf("readings/2024/reading-%07d.json", i), sha, 4096)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		arr.seal()
		runtime.KeepAlive(arr)
		grown := float64(after.HeapAlloc - before.HeapAlloc)
		b.ReportMetric(grown/n, "bytes/object")
		b.ReportMetric(grown/(1<<20), "MiB/1M-objects")
	}
}

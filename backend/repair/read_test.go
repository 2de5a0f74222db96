package repair

import (
	"context"
	"runtime"
	"testing"
)

// A reader's workers make their read buffers only once they have an
// object to read: an upload's first metadata write runs one with the
// transfer queue's 256 workers and, when the listing it replays already
// holds every object, nothing to read, and each worker's 256 KiB buffer
// (64 MiB in all) was allocated and cleared for nothing.
func TestReaderWithNothingToReadAllocatesNoBuffers(t *testing.T) {
	r := &reader{workers: 64, progress: func(Progress) {}}
	todo := make(chan readItem)
	close(todo)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fixes, failed, err := r.run(context.Background(), todo, func() int { return 0 })
	runtime.ReadMemStats(&after)
	if err != nil || len(fixes) != 0 || len(failed) != 0 {
		t.Fatalf("run of nothing: %v, %d fixes, %d failures", err, len(fixes), len(failed))
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("64 workers with nothing to read allocated %d bytes, want under 1 MiB", n)
	}
}

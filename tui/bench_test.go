package tui

import (
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/tui/internal/fakestore"
)

// bigTree opens a repository whose root holds n files, loaded through the
// same paged messages a real store produces (1,000 entries a page).
func bigTree(tb testing.TB, n int) *harness {
	tb.Helper()
	s := fakestore.New(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "", n)
	h := newHarness(tb, s, Options{StartAt: "acme/data"})
	h.send(tea.WindowSizeMsg{Width: 160, Height: 50})
	h.settle()
	if got := len(h.m.tree.t.rows); got != n {
		tb.Fatalf("%d rows, want %d", got, n)
	}
	return h
}

func benchView(b *testing.B, n int) {
	h := bigTree(b, n)
	h.press("pgdown", "pgdown") // somewhere in the middle of the first screens
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = h.m.View()
	}
}

func BenchmarkView100(b *testing.B) { benchView(b, 100) }
func BenchmarkView1M(b *testing.B)  { benchView(b, 1_000_000) }
func BenchmarkView1MLast(b *testing.B) { // the bottom of the list costs the same
	h := bigTree(b, 1_000_000)
	h.press("G")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = h.m.View()
	}
}

// BenchmarkKeyPress1M is one key press to one frame: Update then View.
func BenchmarkKeyPress1M(b *testing.B) {
	h := bigTree(b, 1_000_000)
	down, up := keyMsg("down"), keyMsg("up")
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		msg := down
		if i%2 == 1 {
			msg = up
		}
		i++
		h.m.Update(msg)
		_ = h.m.View()
	}
}

// BenchmarkFilterKeystroke1M is one keystroke in the filter: Update (which
// only starts the run) then View. The run itself happens in a command.
func BenchmarkFilterKeystroke1M(b *testing.B) {
	h := bigTree(b, 1_000_000)
	h.press("/")
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		msg := keyMsg("7")
		if i%2 == 1 {
			msg = keyMsg("backspace")
		}
		i++
		_, cmd := h.m.Update(msg)
		_ = h.m.View()
		_ = cmd // never run: measured separately below
	}
}

// BenchmarkFilterRun1M is the filter run itself, off the Update loop.
func BenchmarkFilterRun1M(b *testing.B) {
	h := bigTree(b, 1_000_000)
	snap := h.m.tree.t.snapshot()
	b.ResetTimer()
	for b.Loop() {
		idx, _ := runFilter(h.m.c.Ctx, snap, "77", nil)
		if len(idx) == 0 {
			b.Fatal("no matches")
		}
	}
}

// BenchmarkHeap1M builds a 1,000,000-entry tree and reports the live heap
// it takes (MB), after a GC, including the model and everything else.
func BenchmarkHeap1M(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		h := bigTree(b, 1_000_000)
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "heapMB")
		b.ReportMetric(float64(after.Sys)/1e6, "sysMB")
		runtime.KeepAlive(h)
		b.StartTimer()
	}
}

// TestMemory1M builds a 1,000,000-entry tree and checks the live heap and
// the process's resident size against the budget (300 MB resident).
func TestMemory1M(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds a million entries; meaningless under -race")
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	h := bigTree(t, 1_000_000)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc-before.HeapAlloc) / 1e6
	rss := residentMB()
	t.Logf("1,000,000 entries: live heap %.1f MB (%.0f bytes/entry), process resident %.1f MB", heap, heap, rss)
	if heap > 150 {
		t.Errorf("live heap %.1f MB for a million entries", heap)
	}
	if rss > 300 {
		t.Errorf("resident %.1f MB > 300 MB", rss)
	}
	runtime.KeepAlive(h)
}

// TestFrameTime1M checks that a key press on a million-entry list turns
// into a frame well within one 60 Hz refresh (16 ms), and that drawing it
// costs about what drawing 100 entries does.
func TestFrameTime1M(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing; meaningless under -race")
	}
	frame := func(h *harness, rounds int) time.Duration {
		best := time.Duration(1 << 62)
		for i := range rounds {
			start := time.Now()
			if i%2 == 0 {
				h.m.Update(keyMsg("down"))
			} else {
				h.m.Update(keyMsg("up"))
			}
			_ = h.m.View()
			best = min(best, time.Since(start))
		}
		return best
	}
	small, big := bigTree(t, 100), bigTree(t, 1_000_000)
	fs, fb := frame(small, 50), frame(big, 50)
	t.Logf("key press to frame: 100 entries %v, 1,000,000 entries %v", fs, fb)
	if fb > 16*time.Millisecond {
		t.Errorf("key press to frame took %v on a million entries", fb)
	}
	if fb > 2*fs+time.Millisecond {
		t.Errorf("a frame of a million entries costs %v, of 100 entries %v", fb, fs)
	}
}

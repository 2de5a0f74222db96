package tui

import (
	"runtime"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// bigTree opens a repository whose root holds n files, loaded through the
// same paged messages a real store produces (1,000 entries a page).
func bigTree(tb testing.TB, n int) *harness {
	tb.Helper()
	s := newTestStore(1000)
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
		b.ReportMetric(residentMB(), "rssMB")
		runtime.KeepAlive(h)
		b.StartTimer()
	}
}

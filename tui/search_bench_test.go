package tui

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// BenchmarkSearch100k searches a repository of 100,000 objects (a folder
// of them, listed 1,000 a page) for a name 10,000 of them contain, the
// walk running in goroutines as under tea.Program, while a key is pressed
// and a frame drawn between messages. It reports the time to the first
// match on screen, to the end of the search, of the store's full walk
// alone (the same listing, nothing matched), of the search's walk alone
// (matching, no browser), the CPU time of the search with the browser and
// of the bare walk (less sensitive to a loaded machine than wall time),
// the messages the browser took, and the keys' median, 99th percentile
// and slowest (Update and View).
func BenchmarkSearch100k(b *testing.B) {
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "big", 100_000)
	var first, all, walk, matchWalk, allCPU, walkCPU time.Duration
	var keys []time.Duration
	msgs := 0
	for b.Loop() {
		c := cpuTime()
		walk += walkOnce(b, s)
		walkCPU += cpuTime() - c
		// The search's own walk, matching and gathering, without the
		// browser: what a search costs over the listing.
		matchWalk += searchOnce(b, s)

		h := newHarness(b, s, Options{StartAt: "acme/data"})
		h.send(tea.WindowSizeMsg{Width: 160, Height: 50})
		h.settle()
		h.press("S")
		h.typeText("7.dat")
		async := make(chan tea.Msg, 256)
		start, c0 := time.Now(), cpuTime()
		h.press("enter")
		seen := false
		for box := h.search(); box.running; {
			for len(h.queue) > 0 {
				cmd := h.queue[0]
				h.queue = h.queue[1:]
				go func() { async <- cmd() }()
			}
			msg := <-async
			if _, ok := msg.(searchMsg); ok {
				msgs++
			}
			h.deliver(msg)
			if !seen && len(box.hits) > 0 {
				_ = h.m.View()
				first += time.Since(start)
				seen = true
			}
			k := time.Now()
			h.press("down")
			_ = h.m.View()
			keys = append(keys, time.Since(k))
		}
		all += time.Since(start)
		allCPU += cpuTime() - c0
		if box := h.search(); box.matched != 10_000 || box.scanned != 100_000 {
			b.Fatalf("%d matches among %d objects", box.matched, box.scanned)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	b.ReportMetric(ms(first), "first-ms")
	b.ReportMetric(ms(all), "all-ms")
	b.ReportMetric(ms(walk), "walk-ms")
	b.ReportMetric(ms(matchWalk), "search-walk-ms")
	b.ReportMetric(ms(allCPU), "all-cpu-ms")
	b.ReportMetric(ms(walkCPU), "walk-cpu-ms")
	b.ReportMetric(float64(msgs)/float64(b.N), "msgs")
	slices.Sort(keys)
	b.ReportMetric(float64(keys[len(keys)/2])/1e6, "median-key-ms")
	b.ReportMetric(float64(keys[len(keys)*99/100])/1e6, "p99-key-ms")
	b.ReportMetric(float64(keys[len(keys)-1])/1e6, "slowest-key-ms")
}

package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// BenchmarkMarkAll1M presses A (mark every row shown) in a folder of
// 1,000,000 files, with commands run in goroutines as under tea.Program
// and a key pressed and a frame drawn between messages. It reports the
// key's own Update, the time until the status line says every row is
// marked, and the keys (Update and View) meanwhile and just after:
// median, slowest, and the frame with a million marks.
func BenchmarkMarkAll1M(b *testing.B) {
	const n = 1_000_000
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.Synthesize(acme, "", n)
	h := newHarness(b, s, Options{StartAt: "acme/data", Transfers: &fakeTransfers{}})
	h.send(tea.WindowSizeMsg{Width: 160, Height: 50})
	h.settle()
	if got := len(h.m.tree.t.rows); got != n {
		b.Fatalf("%d rows, want %d", got, n)
	}
	const done = "marked 1,000,000 more entries"
	var key, all, frame time.Duration
	var keys []time.Duration
	async := make(chan tea.Msg, 16)
	for b.Loop() {
		if strings.Contains(h.view(), "marked:") {
			h.press("esc") // clears the marks
			h.settle()
			if strings.Contains(h.view(), "marked:") || !strings.Contains(h.view(), "file-") {
				b.Fatalf("marks not cleared:\n%s", h.view())
			}
		}
		start := time.Now()
		h.press("A")
		key += time.Since(start)
		pending := 0
		for {
			for _, cmd := range h.queue {
				pending++
				go func() { async <- cmd() }()
			}
			h.queue = nil
			if pending == 0 {
				break
			}
			msg := <-async
			pending--
			h.deliver(msg)
			k := time.Now()
			h.press("down")
			_ = h.m.View()
			keys = append(keys, time.Since(k))
		}
		if !strings.Contains(h.view(), done) {
			b.Fatalf("after A the screen lacks %q:\n%s", done, h.view())
		}
		all += time.Since(start)
		k := time.Now()
		h.press("up")
		_ = h.m.View()
		d := time.Since(k)
		frame += d
		keys = append(keys, d)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	b.ReportMetric(ms(key), "key-ms")
	b.ReportMetric(ms(all), "marked-ms")
	b.ReportMetric(ms(frame), "key-after-ms")
	slices.Sort(keys)
	b.ReportMetric(float64(keys[len(keys)/2])/1e6, "median-key-ms")
	b.ReportMetric(float64(keys[len(keys)-1])/1e6, "slowest-key-ms")
}

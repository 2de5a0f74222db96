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
// and a key pressed and a frame drawn every 10 ms and after each message. It reports the
// key's own Update, the time until the status line says every row is
// marked, and the keys (Update and View) meanwhile and just after:
// median, 99th percentile, slowest, and the frame with a million marks.
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
	// The note of the key, or once a key took it away the status line.
	done := func(v string) bool {
		return strings.Contains(v, "marked 1,000,000 more entries") || strings.Contains(v, "marked: 1,000,000 files")
	}
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
			// A key every 10 ms while the commands run, and after each
			// message.
			select {
			case msg := <-async:
				pending--
				h.deliver(msg)
			case <-time.After(10 * time.Millisecond):
			}
			k := time.Now()
			h.press("down")
			_ = h.m.View()
			keys = append(keys, time.Since(k))
		}
		if v := h.view(); !done(v) {
			b.Fatalf("after A the screen does not say all are marked:\n%s", v)
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
	b.ReportMetric(float64(keys[len(keys)*99/100])/1e6, "p99-key-ms")
	b.ReportMetric(float64(keys[len(keys)-1])/1e6, "slowest-key-ms")
}

package tui

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// million is 1,000,000 entries in no order: random numbered names and
// sizes, as a store lists names in byte order (f1, f10, f100, f2).
func million() []entry {
	r := rand.New(rand.NewPCG(1, 2))
	ents := make([]entry, 1_000_000)
	for i := range ents {
		p := fmt.Sprintf("big/scene-%d.tif", r.IntN(10_000_000))
		ents[i] = entry{path: p, nameAt: 4, size: r.Int64N(1 << 30), mod: r.Int64N(1 << 60)}
	}
	return ents
}

func benchSortEntries(b *testing.B, o sortOrder) {
	ents := million()
	var cpu time.Duration
	for b.Loop() {
		c := cpuTime()
		if sortEntries(ents, o) == nil {
			b.Fatal("already sorted")
		}
		cpu += cpuTime() - c
	}
	// Processor time (all threads, the collector's too) says more than
	// wall time on a machine shared with other work.
	b.ReportMetric(float64(cpu)/float64(b.N)/1e6, "cpu-ms")
}

// Sorting a 1,000,000-entry folder in the command: by natural name, by
// size.
func BenchmarkSort1MName(b *testing.B) { benchSortEntries(b, sortOrder{}) }
func BenchmarkSort1MSize(b *testing.B) { benchSortEntries(b, sortOrder{by: sortSize}) }

// BenchmarkSort1MKey is a whole sort of a 1,000,000-row folder as the
// browser does it: the key (Update), the sort (a command, while keys
// answer) and the rows rebuilt in the new order (Update), reported
// apart.
func BenchmarkSort1MKey(b *testing.B) {
	h := bigTree(b, 1_000_000)
	var key, sort, apply, cpu time.Duration
	o := 0
	for b.Loop() {
		t0 := time.Now()
		h.press([]string{"s", "z"}[o%2]) // by size, then reversed, …
		o++
		t1 := time.Now()
		if len(h.queue) == 0 {
			b.Fatal("no sort command")
		}
		var msgs []any
		c := cpuTime()
		for _, cmd := range h.queue {
			msgs = append(msgs, cmd())
		}
		cpu += cpuTime() - c
		h.queue = nil
		t2 := time.Now()
		for _, m := range msgs {
			h.deliver(m)
		}
		t3 := time.Now()
		h.settle()
		key += t1.Sub(t0)
		sort += t2.Sub(t1)
		apply += t3.Sub(t2)
		if h.m.tree.sorting() {
			b.Fatal("still sorting")
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	b.ReportMetric(ms(key), "key-ms")
	b.ReportMetric(ms(sort), "sort-cmd-ms")
	b.ReportMetric(ms(apply), "rows-ms")
	b.ReportMetric(ms(cpu), "sort-cpu-ms")
}

package tui

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// BenchmarkKeysWhileIndexing opens the browser at a file of a repository
// whose metadata document holds COOP_BENCH_ENTRIES entries (default
// 1,000,000, about 320 MB, local store) and not indexed yet, so that the
// preview's metadata waits for the index to be built. Meanwhile a key
// arrives every 10 ms (down, up, in turn) in one event loop with the
// commands' messages, as under tea.Program; each key's latency is from
// its arrival to the end of its frame (View), queueing behind other
// messages included. Keys start once the browser has selected the file
// (before that, a key would take over from the start path). It reports
// the time from the start until the preview shows a file's metadata and
// the keys' mean, 99th percentile, slowest and how many took over 16 ms
// (goal: none, while the index is built) — then the same for as many
// keys once the index is built ("warm-"), which tells the index's cost
// from the machine's.
func BenchmarkKeysWhileIndexing(b *testing.B) {
	entries := 1_000_000
	if v := os.Getenv("COOP_BENCH_ENTRIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("COOP_BENCH_ENTRIES=%q: want a number of at least 1000", v)
		}
		entries = n
	}
	root := b.TempDir()
	makeBigRepo(b, root, entries)
	var indexed time.Duration
	var cold, warm []time.Duration
	for b.Loop() {
		// Cold: no index on disk, a store (and its index cache) of its own.
		if err := os.RemoveAll(filepath.Join(root, ".coop", "metaindex")); err != nil {
			b.Fatal(err)
		}
		s, err := local.Open(root)
		if err != nil {
			b.Fatal(err)
		}
		d, c, w := keysWhileIndexing(b, s)
		_ = s.Close()
		indexed += d
		cold, warm = append(cold, c...), append(warm, w...)
	}
	if len(cold) == 0 {
		b.Fatal("no key was pressed while the index was built")
	}
	b.ReportMetric(float64(indexed)/1e6/float64(b.N), "index-ms")
	reportKeys(b, "", cold)
	reportKeys(b, "warm-", warm)
}

// reportKeys reports the latencies of keys: how many a run, their mean,
// 99th percentile and slowest, and how many a run took over 16 ms.
func reportKeys(b *testing.B, prefix string, keys []time.Duration) {
	var sum time.Duration
	late := 0
	for _, k := range keys {
		sum += k
		if k > 16*time.Millisecond {
			late++
		}
	}
	keys = slices.Sorted(slices.Values(keys))
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(float64(len(keys))/float64(b.N), prefix+"keys")
	b.ReportMetric(ms(sum)/float64(len(keys)), prefix+"mean-key-ms")
	b.ReportMetric(ms(keys[len(keys)*99/100]), prefix+"p99-key-ms")
	b.ReportMetric(ms(keys[len(keys)-1]), prefix+"slowest-key-ms")
	b.ReportMetric(float64(late)/float64(b.N), prefix+"keys-over-16ms")
}

// keysWhileIndexing runs one browser over s until the preview shows the
// metadata of the file it opened at, pressing keys meanwhile (cold);
// then presses as many again with the index built (warm), for a
// comparison on the same machine at the same load.
func keysWhileIndexing(b *testing.B, s backend.Store) (time.Duration, []time.Duration, []time.Duration) {
	h := newHarness(b, s, Options{StartAt: "bench/big/data/part-00000/file-00000007.bin"})
	h.send(tea.WindowSizeMsg{Width: 160, Height: 50})
	async := make(chan tea.Msg, 256)
	run := func() {
		for _, cmd := range h.queue {
			go func() { async <- cmd() }()
		}
		h.queue = h.queue[:0]
	}
	deadline := time.After(15 * time.Minute)
	const file = "data/part-00000/file-00000007.bin"
	// The browser goes to the file first (a key before that would take
	// over from the start path).
	start := time.Now()
	for h.selectedPath() != file {
		run()
		select {
		case msg := <-async:
			h.deliver(msg)
		case <-deadline:
			b.Fatalf("the browser never selected %s:\n%s", file, h.view())
		}
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var cold, warm []time.Duration
	var indexed time.Duration
	for n := 0; indexed == 0 || len(warm) < len(cold); n++ {
		run()
		select {
		case msg := <-async:
			h.deliver(msg)
		case arrived := <-tick.C:
			h.press([]string{"down", "up"}[n%2])
			screen := plainScreen(h.m.View().Content)
			took := time.Since(arrived)
			switch {
			case indexed != 0:
				warm = append(warm, took)
			case strings.Contains(screen, "custom metadata"):
				cold = append(cold, took)
				indexed = time.Since(start)
			default:
				cold = append(cold, took)
			}
		case <-deadline:
			b.Fatalf("the preview's metadata never came:\n%s", h.view())
		}
	}
	return indexed, cold, warm
}

// makeBigRepo makes bench/big in a local store at root, with a sorted
// document of n file entries, 1,000 a folder (as internal/genmeta writes
// them), and the objects of the first folder.
func makeBigRepo(b *testing.B, root string, n int) {
	s, err := local.Open(root)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	if err := s.CreateAccount(ctx, backend.Account{ID: "bench", Type: backend.AccountOrganization, Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: "big", AccountID: "bench", Title: "Big"}); err != nil {
		b.Fatal(err)
	}
	repo := filepath.Join(root, "bench", "big")
	first := filepath.Join(repo, "data", "part-00000")
	if err := os.MkdirAll(first, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range min(n, 1000) {
		if err := os.WriteFile(filepath.Join(first, fmt.Sprintf("file-%08d.bin", i)), nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(repo, backend.MetadataFileName))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	const stamp = "2026-01-15T10:00:00Z"
	fmt.Fprintf(w, `{"repository_id":"big","account_id":"bench","last_updated":%q,"objects":{`+"\n"+`"data":{"id":"dir","type":"directory","size":0,"mime_type":"","created_at":%q,"updated_at":%q,"checksum":"","metadata":{}}`, stamp, stamp, stamp)
	for i := range n {
		if i%1000 == 0 {
			fmt.Fprintf(w, ",\n"+`"data/part-%05d":{"id":"dir-%d","type":"directory","size":0,"mime_type":"","created_at":%q,"updated_at":%q,"checksum":"","metadata":{}}`, i/1000, i/1000, stamp, stamp)
		}
		fmt.Fprintf(w, ",\n"+`"data/part-%05d/file-%08d.bin":{"id":"0190f5e2-0000-7000-8000-%012x","type":"file","size":0,"mime_type":"application/octet-stream","created_at":%q,"updated_at":%q,"checksum":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","crc32c":"00000000","metadata":{"station":"st-%d","seq":%d}}`,
			i/1000, i, i, stamp, stamp, i%97, i)
	}
	fmt.Fprint(w, "\n}}\n")
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

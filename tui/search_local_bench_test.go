package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// BenchmarkSearchLocal100k compares, on the local store, the listing of
// a repository of 100,000 files with the search's own walk over it
// (matching and gathering 10,000 names): what a repository-wide search
// costs over the store's full listing when the listing is real work, not
// the in-memory store's 0.35 µs an object.
func BenchmarkSearchLocal100k(b *testing.B) {
	root := b.TempDir()
	s, err := local.Open(root)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	if err := s.CreateAccount(ctx, backend.Account{ID: "acme", Type: backend.AccountOrganization, Name: "Acme"}); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: "data", AccountID: "acme", Title: "d"}); err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(root, "acme", "data", "big")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range 100_000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file-%07d.dat", i)), nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var walk, search time.Duration
	i := 0
	for b.Loop() {
		i++
		if i%2 == 0 {
			search += searchOnce(b, s)
			walk += walkOnce(b, s)
		} else {
			walk += walkOnce(b, s)
			search += searchOnce(b, s)
		}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(b.N) / 1e6 }
	b.ReportMetric(ms(walk), "walk-ms")
	b.ReportMetric(ms(search), "search-walk-ms")
	b.ReportMetric(100*(ms(search)/ms(walk)-1), "overhead-%")
}

// walkOnce times the store's full listing of the repository.
func walkOnce(b *testing.B, s backend.ObjectLister) time.Duration {
	start := time.Now()
	n := 0
	if err := backend.Walk(context.Background(), s, acme, "", func(p []backend.Entry) error { n += len(p); return nil }); err != nil || n != 100_000 {
		b.Fatalf("walk: %d objects, %v", n, err)
	}
	return time.Since(start)
}

// searchOnce times the search's walk: the same listing, matched.
func searchOnce(b *testing.B, s Source) time.Duration {
	start := time.Now()
	f := newSearchFeed(0, func() {})
	f.walk(context.Background(), s, acme, "7.dat")()
	if f.matched != 10_000 {
		b.Fatalf("search matched %d", f.matched)
	}
	return time.Since(start)
}

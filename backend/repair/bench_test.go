package repair

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
)

// benchObjects is how many objects the benchmarks repair.
const benchObjects = 10_000

// fill puts n small objects, in 100 folders, with no entries.
func (e *env) fill(b *testing.B, n int) {
	b.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p := fmt.Sprintf("d%02d/f%05d.txt", i%100, i)
			body := strings.Repeat(p+"\n", 1+i%20)
			if _, err := e.store.PutObject(context.Background(), testRepo, p, strings.NewReader(body), int64(len(body))); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}

// BenchmarkRepair times, on each store, a repair that reads and records
// 10,000 objects without entries (and their 100 folders), then a --verify pass over the same
// 10,000 objects (all read, nothing to change), then a plain pass
// (nothing read).
func BenchmarkRepair(b *testing.B) {
	for _, mk := range []func(testing.TB) *env{newLocal, newAWS} {
		e := mk(b)
		e.fill(b, benchObjects)
		ctx := context.Background()
		b.Run(e.name+"/add", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				backendtest.Edit(b, e.store, testRepo, func(doc *backend.SourceMetadata) { clear(doc.Objects) })
				b.StartTimer()
				rep, err := Run(ctx, e.store, testRepo, Options{})
				if err != nil || rep.Added != benchObjects+100 || !rep.Written {
					b.Fatalf("%v: %d added", err, rep.Added)
				}
			}
		})
		b.Run(e.name+"/verify", func(b *testing.B) {
			for b.Loop() {
				rep, err := Run(ctx, e.store, testRepo, Options{Verify: true})
				if err != nil || rep.Read != benchObjects || len(rep.Changes) != 0 {
					b.Fatalf("%v: read %d, %d changes", err, rep.Read, len(rep.Changes))
				}
			}
		})
		b.Run(e.name+"/sound", func(b *testing.B) {
			for b.Loop() {
				rep, err := Run(ctx, e.store, testRepo, Options{})
				if err != nil || rep.Read != 0 || len(rep.Changes) != 0 {
					b.Fatalf("%v: read %d, %d changes", err, rep.Read, len(rep.Changes))
				}
			}
		})
	}
}

package metaindex

import (
	"math/rand/v2"
	"testing"

	"github.com/coopterm/coop/backend"
)

// BenchmarkEntryInOrder looks up every entry of a 5,000-entry document
// in path order, as a metadata batch of a recursive delete (or of an
// upload of a folder) does when it is planned.
func BenchmarkEntryInOrder(b *testing.B) {
	doc := genDoc(rand.New(rand.NewPCG(1, 2)), 5000, true)
	v, _ := build(b, doc)
	var paths []string
	if err := v.Walk("", func(page []backend.MetadataEntry) error {
		for _, e := range page {
			paths = append(paths, e.Path)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range paths {
			if _, ok, err := v.Entry(p); !ok || err != nil {
				b.Fatalf("Entry(%q): %v %v", p, ok, err)
			}
		}
	}
	b.ReportMetric(float64(len(paths)), "entries")
}

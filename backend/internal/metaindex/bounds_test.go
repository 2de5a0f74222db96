package metaindex

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// Bounds split the entries under a prefix into runs of at most every
// blocks' worth, in increasing order, all under the prefix; the version
// last built in a folder gives the same without being asked for by
// identity.
func TestBoundsSplitTheEntriesUnderAPrefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	v, dir := build(t, genDoc(rng, 3000, true))
	var prefixes []string
	prefixes = append(prefixes, "")
	_ = v.Under("", func(p string, typ backend.EntryType) bool {
		if typ == backend.TypeDirectory && len(prefixes) < 20 {
			prefixes = append(prefixes, p+"/")
		}
		return true
	})
	const every = 2
	split := 0
	for _, prefix := range prefixes {
		b := v.Bounds(prefix, every)
		if got := LatestBounds(dir, prefix, every); strings.Join(got, "\x00") != strings.Join(b, "\x00") {
			t.Errorf("%q: LatestBounds %d paths, Bounds %d", prefix, len(got), len(b))
		}
		for i, p := range b {
			if !strings.HasPrefix(p, prefix) || (i > 0 && p <= b[i-1]) {
				t.Fatalf("%q: bound %d %q out of order or outside the prefix", prefix, i, p)
			}
		}
		// Count the entries of each run: (b[i-1], b[i]], the last to the end.
		runs := make([]int, len(b)+1)
		total := 0
		_ = v.Under(strings.TrimSuffix(prefix, "/"), func(p string, _ backend.EntryType) bool {
			i := 0
			for i < len(b) && p > b[i] {
				i++
			}
			runs[i]++
			total++
			return true
		})
		for i, n := range runs {
			if n > every*blockEntries+1 {
				t.Errorf("%q: run %d holds %d entries, more than %d", prefix, i, n, every*blockEntries+1)
			}
		}
		if total > 4*every*blockEntries && len(b) == 0 {
			t.Errorf("%q: %d entries and no bound", prefix, total)
		}
		split += len(b)
	}
	if split == 0 {
		t.Error("no prefix was split")
	}
	if LatestBounds(t.TempDir(), "", every) != nil {
		t.Error("bounds from a folder without an index")
	}
}

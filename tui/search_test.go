package tui

import (
	"slices"
	"testing"

	"github.com/coopterm/coop/backend/memstore"
)

// searchBoxOf is the open search, or nil.
func (h *harness) search() *searchBox { b, _ := find[*searchBox](h.m.overlays); return b }

func hitPaths(b *searchBox) []string {
	var out []string
	for _, hit := range b.hits {
		p := hit.path
		if hit.dir {
			p += "/"
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// The filter sees only the rows loaded; the search finds names in folders
// never opened, without adding them to the tree, and enter goes to the
// match with the folders above it expanded.
func TestSearchFindsInClosedFoldersAndJumps(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	if h.rows() != 3 {
		t.Fatalf("%d rows before the search", h.rows())
	}
	h.press("S")
	if h.search() == nil {
		t.Fatal("S opened no search")
	}
	h.typeText("C")
	h.press("enter")
	h.settle()
	b := h.search()
	if got, want := hitPaths(b), []string{"raw/a.csv", "raw/b.csv", "raw/deep/c.bin"}; !slices.Equal(got, want) {
		t.Fatalf("matches %v, want %v", got, want)
	}
	h.mustShow("3 matches among 5 objects", "raw/deep/c.bin", "SEARCH acme/data")
	if h.rows() != 3 || h.m.cache.lists[cacheKey{acme, "raw/deep"}] != nil {
		t.Errorf("the search loaded the tree: %d rows, raw/deep cached %v", h.rows(), h.m.cache.lists[cacheKey{acme, "raw/deep"}] != nil)
	}
	for b.hits[b.nav.cursor].path != "raw/deep/c.bin" {
		h.press("down")
	}
	h.press("enter")
	h.settle()
	if h.search() != nil {
		t.Fatal("enter on a match left the search open")
	}
	if h.selectedPath() != "raw/deep/c.bin" {
		t.Fatalf("selected %q after the jump", h.selectedPath())
	}
	h.mustShow("▾ raw/", "▾ deep/", "c.bin")
}

// A folder's own name matches, once, though the walk lists only files.
func TestSearchMatchesFolders(t *testing.T) {
	h := newHarness(t, sampleStore(100), Options{StartAt: "acme/data"})
	h.settle()
	h.press("S")
	h.typeText("dee")
	h.press("enter")
	h.settle()
	if got := hitPaths(h.search()); !slices.Equal(got, []string{"raw/deep/"}) {
		t.Fatalf("matches %v", got)
	}
	h.press("enter")
	h.settle()
	if h.selectedPath() != "raw/deep" {
		t.Fatalf("selected %q", h.selectedPath())
	}
}

// Matches show while the walk goes on; esc stops it (keeping what it
// found), a second esc closes the search.
func TestSearchStreamsAndStops(t *testing.T) {
	s := sampleStore(100)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	held := memstore.Op("list", "acme/data:raw")
	s.Hold(held)
	t.Cleanup(func() { s.Release(held) })
	h.press("S")
	h.typeText("e")
	h.press("enter")
	h.runAsync(func() bool { b := h.search(); return len(b.hits) >= 2 && s.Held(held) > 0 })
	b := h.search()
	if !b.running {
		t.Fatal("the walk ended though a listing is held")
	}
	if got := hitPaths(b); !slices.Equal(got, []string{"README.md", "zeta.txt"}) {
		t.Fatalf("matches while held: %v", got)
	}
	h.mustShow("searching…", "README.md", "zeta.txt")
	if !h.m.busy() {
		t.Error("not busy while searching: the spinner would stop")
	}
	h.press("esc")
	if b.running || h.search() == nil {
		t.Fatalf("esc: running %v, open %v", b.running, h.search() != nil)
	}
	h.runAsync(func() bool { return s.Held(held) == 0 }) // the walk was cancelled
	h.settle()
	h.mustShow("stopped:", "README.md")
	h.press("esc")
	if h.search() != nil {
		t.Fatal("second esc left the search open")
	}
}

// A new query replaces the search under way; its late matches are dropped.
func TestSearchNewQueryDropsOld(t *testing.T) {
	s := sampleStore(100)
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	h.press("S")
	h.typeText("csv")
	h.press("enter")
	old := h.queue
	h.queue = nil
	h.press("backspace", "backspace", "backspace")
	h.typeText("zeta")
	h.press("enter")
	h.settle()
	h.queue = old
	h.settle()
	if got := hitPaths(h.search()); !slices.Equal(got, []string{"zeta.txt"}) {
		t.Fatalf("matches %v", got)
	}
}

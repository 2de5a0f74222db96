package tui

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/keymap"
)

// naturalCompare is natural order written plainly, to check the keys
// the sorter compares against.
func naturalCompare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for si < len(a) && a[si] == '0' {
				si++
			}
			for sj < len(b) && b[sj] == '0' {
				sj++
			}
			ei, ej := si, sj
			for ei < len(a) && isDigit(a[ei]) {
				ei++
			}
			for ej < len(b) && isDigit(b[ej]) {
				ej++
			}
			if c := cmp.Compare(ei-si, ej-sj); c != 0 {
				return c
			}
			if c := strings.Compare(a[si:ei], b[sj:ej]); c != 0 {
				return c
			}
			i, j = ei, ej
			continue
		}
		if c := cmp.Compare(a[i], b[j]); c != 0 {
			return c
		}
		i++
		j++
	}
	if c := cmp.Compare(len(a)-i, len(b)-j); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func names(ents []entry) []string {
	out := make([]string, len(ents))
	for i := range ents {
		out[i] = ents[i].name()
	}
	return out
}

func TestNaturalOrder(t *testing.T) {
	want := []string{"B4.tif", "a", "a01", "a1", "a2", "a10", "a100", "a100b", "f", "f0", "f00", "f1", "f1.5", "f2", "f10", "f100", "x", "x/y"}
	ents := make([]entry, len(want))
	for i, n := range want {
		ents[len(want)-1-i] = entry{path: n}
	}
	if got := names(sortEntries(ents, sortOrder{})); !slices.Equal(got, want) {
		t.Errorf("natural order:\n got %v\nwant %v", got, want)
	}
	// Random names of letters, digits and dots sort as the plain
	// comparison does.
	r := rand.New(rand.NewPCG(3, 4))
	ents = make([]entry, 5000)
	for i := range ents {
		b := make([]byte, 1+r.IntN(8))
		for k := range b {
			b[k] = "ab0012345.9Z"[r.IntN(12)]
		}
		ents[i] = entry{path: string(b)}
	}
	got := names(sortEntries(ents, sortOrder{}))
	want = names(ents)
	slices.SortFunc(want, naturalCompare)
	if !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("at %d: got %q, want %q", i, got[i], want[i])
			}
		}
	}
}

// visible is the paths of the rows, top to bottom.
func (h *harness) visible() []string {
	var out []string
	for i := range h.m.tree.t.rows {
		out = append(out, h.m.tree.t.rowEntry(i).path)
	}
	return out
}

func sortStore() *testStore {
	s := newTestStore(100)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	s.AddFile(acme, "f1", 10)
	s.AddFile(acme, "f10", 30)
	s.AddFile(acme, "f100", 20)
	s.AddFile(acme, "f2", 40)
	s.AddFile(acme, "dir/x", 1)
	return s
}

// Rows are in natural order (the store lists f1, f10, f100, f2); s sorts
// by size then modified, z reverses, F puts folders first; the selection
// stays on its entry.
func TestSortKeys(t *testing.T) {
	h := newHarness(t, sortStore(), Options{StartAt: "acme/data/f10"})
	h.settle()
	check := func(what string, want ...string) {
		t.Helper()
		if got := h.visible(); !slices.Equal(got, want) {
			t.Fatalf("%s: rows %v, want %v", what, got, want)
		}
		if h.selectedPath() != "f10" {
			t.Fatalf("%s: selected %q", what, h.selectedPath())
		}
	}
	check("natural", "dir", "f1", "f2", "f10", "f100")
	h.press("s")
	h.settle()
	check("size", "f2", "f10", "f100", "f1", "dir")
	h.mustShow("sorted by size")
	h.press("z")
	h.settle()
	check("size reversed", "dir", "f1", "f100", "f10", "f2")
	h.press("F")
	h.settle()
	check("folders first", "dir", "f1", "f100", "f10", "f2")
	h.press("z", "s", "s") // modified (all alike: by name), then name
	h.settle()
	check("name, folders first", "dir", "f1", "f2", "f10", "f100")
	// An open folder stays open through a sort, its rows under it.
	h.press("g", "enter")
	h.settle()
	h.press("s")
	h.settle()
	if got := h.visible(); !slices.Equal(got, []string{"dir", "dir/x", "f2", "f10", "f100", "f1"}) {
		t.Fatalf("rows %v", got)
	}
}

// A large folder is sorted in a command: keys answer meanwhile, and the
// result of a sort overtaken by another order is dropped.
func TestSortLargeFolderInCommand(t *testing.T) {
	s := newTestStore(1000)
	s.AddAccount("acme", backend.AccountOrganization, "Acme")
	s.AddRepo(backend.Repository{ID: "data", AccountID: "acme", Title: "d"})
	n := inlineSort + 500
	for i := range n {
		s.AddFile(acme, fmt.Sprintf("f%d", i), int64((i*7919)%n))
	}
	h := newHarness(t, s, Options{StartAt: "acme/data"})
	h.settle()
	if got := h.visible(); got[0] != "f0" || got[1] != "f1" || got[2] != "f2" || got[10] != "f10" {
		t.Fatalf("not in natural order: %v", got[:12])
	}
	h.press("s") // by size: a command
	if !h.m.tree.sorting() || !h.m.busy() {
		t.Fatal("no sort under way")
	}
	first := h.queue
	h.queue = nil
	h.press("down", "down")
	if h.m.tree.nav.cursor != 2 {
		t.Fatalf("cursor %d: keys did not answer during the sort", h.m.tree.nav.cursor)
	}
	h.press("z") // reversed: the first result is stale
	h.settle()
	h.queue = first
	h.settle()
	rows := h.visible()
	for i := 1; i < len(rows); i++ {
		a, b := h.m.tree.t.rowEntry(i-1), h.m.tree.t.rowEntry(i)
		if a.size > b.size {
			t.Fatalf("rows %d, %d not smallest first: %d > %d", i-1, i, a.size, b.size)
		}
	}
	if h.m.tree.sorting() {
		t.Error("still sorting")
	}
}

func TestSortConfig(t *testing.T) {
	cfg, err := keymap.ParseConfig("config.toml", []byte("[sort]\nby = \"modified\"\nreverse = true\nfolders_first = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if o := sortOrderOf(cfg.Sort); o != (sortOrder{by: sortModified, reverse: true, first: true}) {
		t.Errorf("order %+v", o)
	}
	for _, bad := range []string{"[sort]\nby = \"colour\"\n", "[sort]\n\nreverse = 1\n"} {
		if _, err := keymap.ParseConfig("config.toml", []byte(bad)); err == nil || err.Error()[:13] != "config.toml:2" && err.Error()[:13] != "config.toml:3" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

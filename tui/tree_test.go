package tui

import (
	"github.com/coopterm/coop/internal/humanize"

	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTreeRandomOperations checks the flat rows against a tree built from
// scratch after every random expand, collapse, page arrival and snapshot.
func TestTreeRandomOperations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Every folder has up to 6 entries, the first two of them folders,
	// arriving in pages of 1–3.
	all := map[string][]entry{}
	var build func(folder string, depth int)
	build = func(folder string, depth int) {
		n := 2 + rng.IntN(5)
		for i := range n {
			name := fmt.Sprintf("e%d", i)
			p := name
			if folder != "" {
				p = folder + "/" + name
			}
			dir := i < 2 && depth < 4
			all[folder] = append(all[folder], entry{path: p, nameAt: uint32(len(p) - len(name)), dir: dir})
			if dir {
				build(p, depth+1)
			}
		}
	}
	build("", 0)
	lists := map[string]*listing{}
	get := func(folder string) *listing {
		if lists[folder] == nil {
			lists[folder] = &listing{folder: folder}
		}
		return lists[folder]
	}
	page := func(l *listing) {
		src := all[l.folder]
		k := min(len(src), len(l.entries)+1+rng.IntN(3))
		l.entries = append(l.entries, src[len(l.entries):k]...)
	}
	tr := newTree(get(""))
	var snaps []*treeSnap
	for step := range 3000 {
		switch op := rng.IntN(10); {
		case op < 4: // a page arrives for some loaded folder
			folders := make([]string, 0, len(lists))
			for f := range lists {
				folders = append(folders, f)
			}
			f := folders[rng.IntN(len(folders))]
			page(lists[f])
			if id, ok := tr.byFolder[f]; ok && tr.lists[id].l == lists[f] {
				tr.sync(id)
			}
		case op < 7 && len(tr.rows) > 0: // expand
			i := rng.IntN(len(tr.rows))
			if tr.rowEntry(i).dir && !tr.rows[i].open {
				tr.expand(i, get(tr.rowEntry(i).path))
			}
		case op < 9 && len(tr.rows) > 0: // collapse
			i := rng.IntN(len(tr.rows))
			if tr.rows[i].open {
				tr.collapse(i)
			}
		case op < 9: // nothing to collapse
		default:
			if rng.IntN(2) == 0 {
				snaps = append(snaps, tr.snapshot())
				break
			}
			// Reload a folder in place, as refresh and invalidation do.
			ids := []int32{}
			for id, tl := range tr.lists {
				if tl.open {
					ids = append(ids, int32(id))
				}
			}
			id := ids[rng.IntN(len(ids))]
			f := tr.lists[id].l.folder
			lists[f] = &listing{folder: f}
			tr.reset(id, lists[f])
			page(lists[f])
			tr.sync(id)
		}
		checkTree(t, step, tr)
	}
	// Snapshots still read what they saw, untouched by later changes.
	for _, s := range snaps {
		for i := range s.Len() {
			_ = s.Name(i)
		}
	}
}

// checkTree compares tr.rows with a depth-first walk of its open folders.
func checkTree(t *testing.T, step int, tr *tree) {
	t.Helper()
	var want []row
	var walk func(id int32)
	walk = func(id int32) {
		tl := &tr.lists[id]
		for k := range tl.shown {
			e := &tl.l.entries[k]
			open := false
			if cid, ok := tr.byFolder[e.path]; ok && e.dir && tr.lists[cid].open {
				open = true
			}
			want = append(want, row{list: id, idx: k, depth: tl.depth, open: open})
			if open {
				walk(tr.byFolder[e.path])
			}
		}
		if int(tl.shown) != len(tl.l.entries) {
			t.Fatalf("step %d: folder %q shows %d of %d entries", step, tl.l.folder, tl.shown, len(tl.l.entries))
		}
	}
	walk(0)
	if len(want) != len(tr.rows) {
		t.Fatalf("step %d: %d rows, want %d", step, len(tr.rows), len(want))
	}
	for i := range want {
		if want[i] != tr.rows[i] {
			t.Fatalf("step %d: row %d = %+v, want %+v", step, i, tr.rows[i], want[i])
		}
	}
}

func TestNavShiftAndScroll(t *testing.T) {
	v := nav{cursor: 10, offset: 5}
	v.shift(3, 4, 50) // inserted above: follow the item
	if v.cursor != 14 || v.offset != 9 {
		t.Fatalf("after insert above: %+v", v)
	}
	v.shift(20, 4, 54) // inserted below: stay
	if v.cursor != 14 {
		t.Fatalf("after insert below: %+v", v)
	}
	v.shift(2, -3, 58) // removed above
	if v.cursor != 11 || v.offset != 6 {
		t.Fatalf("after removal above: %+v", v)
	}
	v.shift(10, -5, 55) // removed the cursor's item: land before the range
	if v.cursor != 9 {
		t.Fatalf("after removing the selection: %+v", v)
	}
	v = nav{}
	v.scroll(3, 100, 10)
	if v.offset != 3 || v.cursor != 3 {
		t.Fatalf("scroll: %+v", v)
	}
	v.scroll(1000, 100, 10)
	if v.offset != 90 || v.cursor != 90 {
		t.Fatalf("scroll to end: %+v", v)
	}
	v.center(50, 100, 10)
	if v.offset != 45 {
		t.Fatalf("center: %+v", v)
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1: "1 byte", 1023: "1,023 bytes", 1536: "1.5 KiB (1,536 bytes)", 5 << 30: "5.0 GiB (5,368,709,120 bytes)"} {
		if got := humanize.Size(n); got != want {
			t.Errorf("humanize.Size(%d) = %q, want %q", n, got, want)
		}
	}
	if got := fit("日本語のファイル名", 7); got != "日本語…" {
		t.Errorf("fit wide = %q", got)
	}
	if got := fit("ab", 4); got != "ab  " {
		t.Errorf("fit pad = %q", got)
	}
}

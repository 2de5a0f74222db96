package tui

import "slices"

// ref names one entry: listing id (within a tree) and index in it.
type ref struct{ list, idx int32 }

// row is one visible line of the tree: 12 bytes, so a million rows cost
// 12 MB. Rows of a folder's children follow the folder's row, one level
// deeper.
type row struct {
	list  int32  // listing holding the entry
	idx   int32  // index of the entry in that listing
	depth uint16 // 0 for the repository root's children
	open  bool   // the entry is a folder whose children are shown
}

// treeList ties a cached listing to its place in the tree.
type treeList struct {
	l      *listing
	parent ref    // the folder's own entry; list -1 for the root
	depth  uint16 // depth of the children's rows
	open   bool   // the children are shown
	shown  int32  // how many entries have rows
	hint   int    // row of the last shown child, or of the folder while none is shown
}

// tree is a repository as a flat slice of visible rows. Expanding a folder
// inserts its children's rows after it; collapsing removes them. A filter
// run may hold a frozen snapshot of rows, so the rows are copied before
// they are changed in place (copy on write) but may be appended to.
type tree struct {
	rows     []row
	frozen   bool
	lists    []treeList
	byFolder map[string]int32
	ver      uint64 // bumped on every change of rows
}

// newTree shows root's entries as the top level.
func newTree(root *listing) *tree {
	t := &tree{byFolder: map[string]int32{"": 0}}
	t.lists = append(t.lists, treeList{l: root, parent: ref{-1, -1}, open: true, hint: -1})
	t.sync(0)
	return t
}

// entry returns the entry a reference names.
func (t *tree) entry(r ref) *entry { return &t.lists[r.list].l.entries[r.idx] }

// rowEntry returns the entry of row i.
func (t *tree) rowEntry(i int) *entry { r := t.rows[i]; return t.entry(ref{r.list, r.idx}) }

// mutable makes rows safe to change in place.
func (t *tree) mutable() {
	if t.frozen {
		t.rows = slices.Clone(t.rows)
		t.frozen = false
	}
}

// treeSnap is an immutable view of the rows for a filter run.
type treeSnap struct {
	rows []row
	ents [][]entry
}

// Len implements filterSource.
func (s *treeSnap) Len() int { return len(s.rows) }

// Name implements filterSource.
func (s *treeSnap) Name(i int) string {
	r := s.rows[i]
	e := &s.ents[r.list][r.idx]
	return e.path[e.nameAt:]
}

// ref returns the entry of snapshot row i.
func (s *treeSnap) ref(i int) ref { r := s.rows[i]; return ref{r.list, r.idx} }

// snapshot freezes the rows and captures each listing's entries so far.
func (t *tree) snapshot() *treeSnap {
	t.frozen = true
	ents := make([][]entry, len(t.lists))
	for i, tl := range t.lists {
		ents[i] = tl.l.entries[:len(tl.l.entries):len(tl.l.entries)]
	}
	return &treeSnap{rows: t.rows[:len(t.rows):len(t.rows)], ents: ents}
}

// insert puts nr at index at.
func (t *tree) insert(at int, nr []row) {
	if at == len(t.rows) {
		// A snapshot never reads past its length, so appending is safe.
		t.rows = append(t.rows, nr...)
		return
	}
	if t.frozen {
		rows := make([]row, 0, len(t.rows)+len(nr))
		rows = append(append(append(rows, t.rows[:at]...), nr...), t.rows[at:]...)
		t.rows, t.frozen = rows, false
		return
	}
	t.rows = slices.Insert(t.rows, at, nr...)
}

// remove deletes rows [a, b).
func (t *tree) remove(a, b int) {
	if a >= b {
		return
	}
	if t.frozen {
		rows := make([]row, 0, len(t.rows)-(b-a))
		t.rows, t.frozen = append(append(rows, t.rows[:a]...), t.rows[b:]...), false
		return
	}
	t.rows = slices.Delete(t.rows, a, b)
}

// findRow returns the row showing r, or -1.
func (t *tree) findRow(r ref) int {
	for i, x := range t.rows {
		if x.list == r.list && x.idx == r.idx {
			return i
		}
	}
	return -1
}

// subtreeEnd returns the index just past the rows below row i.
func (t *tree) subtreeEnd(i int) int {
	if i < 0 {
		return len(t.rows)
	}
	d, j := t.rows[i].depth, i+1
	for j < len(t.rows) && t.rows[j].depth > d {
		j++
	}
	return j
}

// folderRow returns the row of listing id's folder (-1 for the root).
func (t *tree) folderRow(id int32) int {
	tl := &t.lists[id]
	if tl.parent.list < 0 {
		return -1
	}
	if h := tl.hint; tl.shown == 0 && h >= 0 && h < len(t.rows) &&
		t.rows[h].list == tl.parent.list && t.rows[h].idx == tl.parent.idx {
		return h
	}
	return t.findRow(tl.parent)
}

// insertPos returns where the next children of listing id go: after its
// last shown child and that child's own subtree. The hint makes this O(1)
// while a folder streams in page after page.
func (t *tree) insertPos(id int32) int {
	tl := &t.lists[id]
	if tl.shown == 0 {
		return t.folderRow(id) + 1
	}
	h := tl.hint
	if h < 0 || h >= len(t.rows) || t.rows[h].list != id || t.rows[h].idx != tl.shown-1 {
		h = t.findRow(ref{id, tl.shown - 1})
	}
	return t.subtreeEnd(h)
}

// sync adds rows for entries of listing id that arrived since it was last
// shown, if it is open. It returns where and how many rows it inserted.
func (t *tree) sync(id int32) (at, count int) {
	tl := &t.lists[id]
	n := len(tl.l.entries) - int(tl.shown)
	if !tl.open || n <= 0 {
		return 0, 0
	}
	at = t.insertPos(id)
	nr := make([]row, n)
	for k := range nr {
		nr[k] = row{list: id, idx: tl.shown + int32(k), depth: tl.depth}
	}
	t.insert(at, nr)
	tl.shown += int32(n)
	tl.hint = at + n - 1
	t.ver++
	return at, n
}

// expand opens the folder on row i, showing l as its children, and
// returns the listing id and the rows inserted.
func (t *tree) expand(i int, l *listing) (id int32, at, count int) {
	r := t.rows[i]
	e := t.rowEntry(i)
	id, ok := t.byFolder[e.path]
	if !ok {
		id = int32(len(t.lists))
		t.lists = append(t.lists, treeList{})
		t.byFolder[e.path] = id
	}
	t.lists[id] = treeList{l: l, parent: ref{r.list, r.idx}, depth: r.depth + 1, open: true, hint: i}
	t.mutable()
	t.rows[i].open = true
	t.ver++
	at, count = t.sync(id)
	return id, at, count
}

// clear removes the rows below folder row i (-1: every row), closing the
// folders among them, and returns the removed range.
func (t *tree) clear(i int) (at, count int) {
	end := t.subtreeEnd(i)
	for j := i + 1; j < end; j++ {
		if t.rows[j].open {
			if id, ok := t.byFolder[t.rowEntry(j).path]; ok {
				t.lists[id].open, t.lists[id].shown = false, 0
			}
		}
	}
	t.remove(i+1, end)
	t.ver++
	return i + 1, end - (i + 1)
}

// collapse closes the folder on row i and returns the removed range.
func (t *tree) collapse(i int) (at, count int) {
	at, count = t.clear(i)
	if id, ok := t.byFolder[t.rowEntry(i).path]; ok {
		t.lists[id].open, t.lists[id].shown = false, 0
	}
	t.mutable()
	t.rows[i].open = false
	return at, count
}

// openFolders lists the paths of the open folders below row i (-1: all).
func (t *tree) openFolders(i int) []string {
	var out []string
	for j, end := i+1, t.subtreeEnd(i); j < end; j++ {
		if t.rows[j].open {
			out = append(out, t.rowEntry(j).path)
		}
	}
	return out
}

// reset replaces listing id's entries with l (a reload), removing the
// rows shown for the old ones, and returns the removed range.
func (t *tree) reset(id int32, l *listing) (at, count int) {
	tl := &t.lists[id]
	f := t.folderRow(id)
	if tl.open && (f >= 0 || tl.parent.list < 0) {
		at, count = t.clear(f)
	}
	tl.l, tl.shown, tl.hint = l, 0, f
	t.ver++
	return at, count
}

// findPath returns the row showing the entry at path, or -1.
func (t *tree) findPath(path string) int {
	for i := range t.rows {
		if t.rowEntry(i).path == path {
			return i
		}
	}
	return -1
}

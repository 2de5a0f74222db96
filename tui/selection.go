package tui

import "github.com/coopterm/coop/internal/humanize"

// shownEntry is the entry on row i of what the tree shows: the rows, or
// the filter's matches.
func (v *treePage) shownEntry(i int) *entry {
	if v.filter.filtered() {
		s := v.filter.src.(*treeSnap)
		r := s.rows[v.filter.idx[i]]
		return &s.ents[r.list][r.idx]
	}
	return v.t.rowEntry(i)
}

// markRows marks the entries on rows a to b (inclusive, either order).
func (v *treePage) markRows(a, b int) int {
	if a > b {
		a, b = b, a
	}
	if v.marks == nil {
		v.marks = map[string]mark{}
	}
	n := 0
	for i := max(a, 0); i <= b && i < v.count(); i++ {
		e := v.shownEntry(i)
		if _, ok := v.marks[e.path]; !ok {
			v.marks[e.path] = mark{size: e.size, dir: e.dir}
			n++
		}
	}
	return n
}

// markAll marks every row shown: with a filter, its matches.
func (v *treePage) markAll() {
	n := v.markRows(0, v.count()-1)
	what := "rows"
	if v.filter.filtered() {
		what = "matches"
	}
	v.c.shell.say("marked " + plural(n, "more entry", "more entries") + " (every one of the " + what + " shown)")
}

// invertMarks marks the rows shown that are not marked and unmarks those
// that are; marks on entries not shown are kept.
func (v *treePage) invertMarks() {
	if v.marks == nil {
		v.marks = map[string]mark{}
	}
	for i := range v.count() {
		e := v.shownEntry(i)
		if _, ok := v.marks[e.path]; ok {
			delete(v.marks, e.path)
		} else {
			v.marks[e.path] = mark{size: e.size, dir: e.dir}
		}
	}
	v.c.shell.say("marks inverted")
}

// markRange marks the rows from the last entry marked with the mark key
// to the selected one.
func (v *treePage) markRange() {
	if v.count() == 0 {
		return
	}
	from := -1
	if v.anchor != "" {
		for i := range v.count() {
			if v.shownEntry(i).path == v.anchor {
				from = i
				break
			}
		}
	}
	if from < 0 {
		from = v.nav.cursor
	}
	n := v.markRows(from, v.nav.cursor)
	v.anchor = v.shownEntry(v.nav.cursor).path
	v.c.shell.say("marked " + plural(n, "more entry", "more entries"))
}

// position is "row 4,213 of 100,003": where the cursor is among the rows
// shown.
func (v *treePage) position() string {
	n := v.count()
	if n == 0 {
		return "no rows"
	}
	return "row " + humanize.Count(int64(v.nav.cursor+1)) + " of " + humanize.Count(int64(n))
}

package tui

import (
	"maps"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/internal/humanize"
)

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

// markInUpdate is the most rows A, I or V mark in Update; more are
// marked in a command (a million marks took seconds on a loaded
// machine), keys answering meanwhile.
const markInUpdate = 5_000

// markedMsg is the marks after A, I or V made in a command.
type markedMsg struct {
	req    uint64
	gen    uint64 // the generation of the marks it began from
	a, b   int    // the rows marked
	invert bool
	marks  markSet
	added  int
	what   string
}

// markAll marks every row shown: with a filter, its matches.
func (v *treePage) markAll() tea.Cmd { return v.markSpan(0, v.count()-1, false, v.shownWhat()) }

// invertMarks marks the rows shown that are not marked and unmarks those
// that are; marks on entries not shown are kept.
func (v *treePage) invertMarks() tea.Cmd { return v.markSpan(0, v.count()-1, true, v.shownWhat()) }

// shownWhat names what the tree shows, for a note.
func (v *treePage) shownWhat() string {
	if v.filter.filtered() {
		return "matches"
	}
	return "rows"
}

// markSpan marks the rows shown from a to b, or inverts their marks; what
// names the rows for the note ("" for a range). A long span is done in a
// command, from a snapshot of what is shown, over a copy of the marks; if
// the marks change meanwhile, it begins again from them.
func (v *treePage) markSpan(a, b int, invert bool, what string) tea.Cmd {
	a, b = max(min(a, b), 0), min(max(a, b), v.count()-1)
	n := max(b-a+1, 0)
	if n <= markInUpdate {
		v.sayMarked(invert, applyMarks(&v.marks, n, func(i int) *entry { return v.shownEntry(a + i) }, invert), what)
		return nil
	}
	shown := v.shownSnap()
	v.marking = v.c.nextID()
	v.marks.shared = true
	req, base := v.marking, v.marks
	v.c.shell.say("marking " + plural(n, "row", "rows") + "…")
	return tea.Batch(v.c.spin(), func() tea.Msg {
		s := base
		s.m = make(map[string]mark, len(base.m)+n)
		maps.Copy(s.m, base.m)
		s.shared = false
		added := applyMarks(&s, n, func(i int) *entry { return shown(a + i) }, invert)
		return markedMsg{req: req, gen: base.gen, a: a, b: b, invert: invert, marks: s, added: added, what: what}
	})
}

// applyMarks marks entries 0 to n-1 of shown in s, or inverts their
// marks; it reports how many it marked that were not.
func applyMarks(s *markSet, n int, shown func(int) *entry, invert bool) int {
	added := 0
	for i := range n {
		e := shown(i)
		switch {
		case !s.has(e.path):
			s.add(e.path, mark{size: e.size, dir: e.dir})
			added++
		case invert:
			s.remove(e.path)
		}
	}
	return added
}

// onMarked takes the marks of A, I or V, unless another began since or the
// marks changed meanwhile (then it begins again from them).
func (v *treePage) onMarked(msg markedMsg) tea.Cmd {
	if msg.req != v.marking {
		return nil
	}
	v.marking = 0
	if msg.gen != v.marks.gen {
		return v.markSpan(msg.a, msg.b, msg.invert, msg.what)
	}
	msg.marks.gen = v.marks.gen + 1
	v.marks = msg.marks
	v.sayMarked(msg.invert, msg.added, msg.what)
	return nil
}

func (v *treePage) sayMarked(invert bool, n int, what string) {
	switch {
	case invert:
		v.c.shell.say("marks inverted")
	case what == "":
		v.c.shell.say("marked " + plural(n, "more entry", "more entries"))
	default:
		v.c.shell.say("marked " + plural(n, "more entry", "more entries") + " (every one of the " + what + " shown)")
	}
}

// shownSnap reads entry i of what the tree shows now (the rows, or the
// filter's matches) from a snapshot a command may read while Update
// changes the tree.
func (v *treePage) shownSnap() func(int) *entry {
	if v.filter.filtered() {
		s, idx := v.filter.src.(*treeSnap), v.filter.idx
		return func(i int) *entry { r := s.rows[idx[i]]; return &s.ents[r.list][r.idx] }
	}
	s := v.t.snapshot()
	return func(i int) *entry { r := s.rows[i]; return &s.ents[r.list][r.idx] }
}

// markRange marks the rows from the last entry marked with the mark key
// to the selected one.
func (v *treePage) markRange() tea.Cmd {
	if v.count() == 0 {
		return nil
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
	v.anchor = v.shownEntry(v.nav.cursor).path
	return v.markSpan(from, v.nav.cursor, false, "")
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

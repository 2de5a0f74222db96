package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/internal/humanize"
	"github.com/coopterm/coop/internal/safe"
)

// pane is what the three pages have in common: a virtual list with a
// cursor and a "/" filter typed into a text input.
type listPane struct {
	c      *Common
	nav    nav
	filter filterState
	input  textinput.Model
}

func newPane(c *Common) listPane {
	return listPane{c: c, input: newInput(c, "/")}
}

// listPage is a page seen as its pane: the helpers below work on any.
type listPage interface {
	pane() *listPane
	// count is the number of rows shown (matches while filtering).
	count() int
	// source returns a snapshot maker for the filter and the version of
	// the list it would snapshot.
	source() (func() filterSource, uint64)
	// selection names the item under the cursor.
	selection() selKey
	// reselect puts the cursor back on k if it is still listed.
	reselect(k selKey)
	// moved tells the page that the user moved the cursor.
	moved()
	// refresh reloads the list, dropping what is cached of it.
	refresh() tea.Cmd
}

// listKey handles the keys every page answers alike: while the filter is
// typed, every key goes to it; otherwise the keys that move, the one that
// starts the filter and the one that refreshes. It reports whether msg
// was one of them.
func listKey(p listPage, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	pn := p.pane()
	k := &pn.c.Keys
	switch {
	case pn.filter.editing:
		return filterKey(p, msg), true
	case navKey(p, msg):
	case key.Matches(msg, k.Filter):
		startFilter(p)
	case key.Matches(msg, k.Refresh):
		return p.refresh(), true
	default:
		return nil, false
	}
	return nil, true
}

// selKey identifies the selected item across a change of the list shown
// (filter on or off): an account or repository id, or a tree entry.
type selKey struct {
	ok   bool
	id   string
	path string
	r    ref
}

// moveBy moves the cursor of p by d rows.
func moveBy(p listPage, d int) {
	pn := p.pane()
	pn.nav.move(d, p.count(), pn.c.bodyHeight())
	p.moved()
}

// navKey handles the keys that move through a list; it reports whether
// msg was one. While the filter is typed, top and bottom are left out
// (their keys edit the text).
func navKey(p listPage, msg tea.KeyPressMsg) bool {
	k := &p.pane().c.Keys
	h := p.pane().c.bodyHeight()
	typing := p.pane().filter.editing
	switch {
	case key.Matches(msg, k.Up):
		moveBy(p, -1)
	case key.Matches(msg, k.Down):
		moveBy(p, 1)
	case key.Matches(msg, k.PageUp):
		moveBy(p, -h)
	case key.Matches(msg, k.PageDown):
		moveBy(p, h)
	case typing:
		return false
	case key.Matches(msg, k.Top):
		moveBy(p, -p.count())
	case key.Matches(msg, k.Bottom):
		moveBy(p, p.count())
	default:
		return false
	}
	return true
}

// listUpdate handles what every page does alike: pasted text for its
// filter, its filter's results, a resize, the wheel, and a click on a row
// of the list. It reports whether msg was one of those.
func listUpdate(p listPage, msg tea.Msg) (tea.Cmd, bool) {
	pn := p.pane()
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if pn.filter.editing {
			return pasteFilter(p, msg.Content), true
		}
	case filterResultMsg:
		return filterResult(p, msg), true
	case tea.WindowSizeMsg:
		pn.nav.clamp(p.count(), pn.c.bodyHeight())
	case tea.MouseWheelMsg:
		pn.nav.scroll(wheelRows(msg), p.count(), pn.c.bodyHeight())
	case tea.MouseClickMsg:
		clickRow(p, msg.Y)
	default:
		return nil, false
	}
	return nil, true
}

// startFilter gives the keyboard to p's filter input.
func startFilter(p listPage) {
	pn := p.pane()
	pn.filter.editing = true
	pn.input.SetValue(pn.filter.query)
	pn.input.CursorEnd()
	pn.input.Focus()
}

// filterKey edits p's filter while it has the keyboard: printable keys
// and the editing keys change the query, the accept and clear bindings
// end editing, keys that cannot be typed still move through the matches.
func filterKey(p listPage, msg tea.KeyPressMsg) tea.Cmd {
	pn := p.pane()
	k := &pn.c.Keys
	keep := p.selection()
	switch {
	case key.Matches(msg, k.Accept):
		pn.endEditing()
		if pn.filter.query == "" {
			return clearFilter(p)
		}
		return nil
	case key.Matches(msg, k.Clear):
		return clearFilter(p)
	}
	if editKey(&pn.input, msg) {
		if q := pn.input.Value(); q != pn.filter.query {
			pn.filter.query = q
			return queryChanged(p, keep)
		}
		return nil
	}
	navKey(p, msg)
	return nil
}

// pasteFilter types pasted text into p's filter.
func pasteFilter(p listPage, text string) tea.Cmd {
	pn := p.pane()
	keep := p.selection()
	pasteInto(&pn.input, text)
	pn.filter.query = pn.input.Value()
	return queryChanged(p, keep)
}

// endEditing takes the keyboard from the filter input, keeping the query.
func (pn *listPane) endEditing() {
	pn.filter.editing = false
	pn.input.Blur()
}

// queryChanged starts a filter run for the new query; the previous run is
// cancelled and its result will be dropped. keep is the selection before
// the change, restored when the query becomes empty.
func queryChanged(p listPage, keep selKey) tea.Cmd {
	pn := p.pane()
	f := &pn.filter
	if f.query == "" {
		f.start(pn.c, nil, 0)
		p.reselect(keep)
		return nil
	}
	snap, ver := p.source()
	return tea.Batch(f.start(pn.c, snap, ver), pn.c.spin())
}

// refilter reruns p's filter after its list changed, unless a run is
// under way (its result triggers another check) or nothing changed.
func refilter(p listPage) tea.Cmd {
	pn := p.pane()
	f := &pn.filter
	if f.query == "" || f.running {
		return nil
	}
	snap, ver := p.source()
	if f.applied && f.srcVer == ver && f.resQuery == f.query {
		return nil
	}
	return f.start(pn.c, snap, ver)
}

// filterResult shows the matches of the newest run of p's filter; the
// results of older runs, and of other pages' filters, are dropped.
func filterResult(p listPage, msg filterResultMsg) tea.Cmd {
	pn := p.pane()
	f := &pn.filter
	if f.gen != msg.gen {
		return nil
	}
	current, newQuery := f.accept(msg)
	if !current {
		return nil
	}
	if newQuery {
		pn.nav.set(0, p.count(), pn.c.bodyHeight())
	} else {
		pn.nav.clamp(p.count(), pn.c.bodyHeight())
	}
	return refilter(p)
}

// clearFilter drops p's filter, keeping the selected item selected.
func clearFilter(p listPage) tea.Cmd {
	pn := p.pane()
	keep := p.selection()
	pn.filter.stop()
	pn.input.Reset()
	pn.input.Blur()
	p.reselect(keep)
	return nil
}

// setQuery keeps a query across a reload of the list (a refresh, another
// tab) without running it: the list's arrival runs it.
func (pn *listPane) setQuery(q string) {
	editing := pn.filter.editing
	pn.filter.stop()
	pn.filter.query, pn.filter.editing = q, editing
	pn.input.SetValue(q)
}

// filterStatus is the status line while a filter is typed or kept: the
// input, then how many items match.
func (pn *listPane) filterStatus(width int) string {
	s := &pn.c.Styles
	f := &pn.filter
	left := viewInput(pn.input, s, width/2, false) + "  "
	switch {
	case f.running && !f.applied:
		left += s.Muted.Render("filtering…")
	case f.applied:
		left += s.Muted.Render(fmt.Sprintf("%s of %s match", humanize.Count(int64(len(f.idx))), humanize.Count(int64(f.src.Len()))))
	}
	return left
}

// showsFilter reports whether the status line shows the filter.
func (pn *listPane) showsFilter() bool { return pn.filter.editing || pn.filter.query != "" }

// filterHelp is the footer while the filter is typed.
func filterHelp(c *Common) []key.Binding { return c.Keys.FilterHelp() }

// emptyLines fills a body of an empty list with a note: loading, the
// error that stopped it, or that it is empty.
// noRows is what an empty list says: that the filter matches nothing
// (so far, while the list still loads), else nothing (the list is empty).
// The bool is whether to say "loading…" instead.
func (pn *listPane) noRows(nothing string, loading bool) (string, bool) {
	if !pn.filter.filtered() {
		return nothing, loading
	}
	note := "no match for “" + safe.Text(pn.filter.query) + "”"
	if loading {
		note += " yet (loading…)"
	}
	return note, false
}

func emptyLines(c *Common, loading bool, err error, empty string, width, height int) []string {
	note, style := empty, c.Styles.Muted
	switch {
	case loading:
		note = "loading…"
	case err != nil:
		note, style = "could not load: "+safe.Text(err.Error())+" (r retries)", c.Styles.Error
	}
	lines := blankLines(width, height)
	lines[0] = style.Render(fit("  "+note, width))
	return lines
}

// wheelRows is how far a wheel step scrolls: three rows.
func wheelRows(msg tea.MouseWheelMsg) int {
	switch msg.Button {
	case tea.MouseWheelUp:
		return -3
	case tea.MouseWheelDown:
		return 3
	}
	return 0
}

// clickRow selects the row on line y of p's body, if there is one.
func clickRow(p listPage, y int) {
	pn := p.pane()
	if y < 0 || y >= pn.c.bodyHeight() {
		return
	}
	if i := pn.nav.offset + y; i < p.count() {
		pn.nav.set(i, p.count(), pn.c.bodyHeight())
		p.moved()
	}
}

// blankLines is height lines of width spaces.
func blankLines(width, height int) []string {
	lines := make([]string, height)
	blank := strings.Repeat(" ", max(0, width))
	for i := range lines {
		lines[i] = blank
	}
	return lines
}

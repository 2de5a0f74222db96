package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
)

// mark is a marked tree entry, with what a delete or download needs.
type mark struct {
	size int64
	dir  bool
}

// target is an entry a delete or download acts on.
type target struct {
	path string
	size int64
	dir  bool
}

// Update handles keys, listing pages, metadata, filter results and the
// mouse.
func (v *treePage) Update(msg tea.Msg) tea.Cmd {
	if click, ok := msg.(tea.MouseClickMsg); ok && (v.full || click.X >= v.listWidth()) {
		return nil // on the preview
	}
	if wheel, ok := msg.(tea.MouseWheelMsg); ok && (v.full || wheel.X >= v.listWidth()) {
		v.scrollPreview(wheelRows(wheel))
		return nil
	}
	if cmd, ok := listUpdate(v, msg); ok {
		return cmd
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return v.onKey(msg)
	case listPageMsg:
		return v.onListPage(msg)
	case contentStartMsg:
		return v.startContent(msg)
	case contentMsg:
		v.onContent(msg)
	case pagerReadyMsg:
		return v.onPagerReady(msg)
	case sortedMsg:
		return v.onSorted(msg)
	case markedMsg:
		return v.onMarked(msg)
	case copyLinkMsg:
		return v.onCopyLink(msg)
	case pagerDoneMsg:
		if msg.err != nil {
			v.c.shell.fail("The pager failed", msg.err)
		}
	}
	return nil
}

func (v *treePage) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if v.full {
		return v.fullKey(msg)
	}
	if key.Matches(msg, v.c.Keys.Bottom) && !v.filter.editing {
		// While listings still load the end is not there yet: follow it
		// until they are done or the user moves.
		moveBy(v, v.count())
		v.toEnd = v.endLoading()
		return nil
	}
	if cmd, ok := listKey(v, msg); ok {
		return cmd
	}
	k := &v.c.Keys
	switch {
	case key.Matches(msg, k.PreviewDown):
		v.scrollPreview(1)
	case key.Matches(msg, k.PreviewUp):
		v.scrollPreview(-1)
	case key.Matches(msg, k.Pager):
		return v.openPager()
	case key.Matches(msg, k.Search):
		return v.openSearch()
	case key.Matches(msg, k.Sort):
		o := v.c.sort
		o.by = (o.by + 1) % 3
		return v.setSort(o)
	case key.Matches(msg, k.SortReverse):
		o := v.c.sort
		o.reverse = !o.reverse
		return v.setSort(o)
	case key.Matches(msg, k.FoldersFirst):
		o := v.c.sort
		o.first = !o.first
		return v.setSort(o)
	case key.Matches(msg, k.CopyPath):
		return v.copyPaths()
	case key.Matches(msg, k.CopyURI):
		return v.copyURIs()
	case key.Matches(msg, k.CopyLink):
		return v.copyLinks()
	case key.Matches(msg, k.MarkAll):
		return v.markAll()
	case key.Matches(msg, k.InvertMarks):
		return v.invertMarks()
	case key.Matches(msg, k.MarkRange):
		return v.markRange()
	case key.Matches(msg, k.Mark):
		v.toggleMark()
	case key.Matches(msg, k.Upload):
		return v.openUpload()
	case key.Matches(msg, k.Download):
		if ts := v.targets(); len(ts) > 0 {
			v.c.shell.open(newDownloadPrompt(v.c, v.xfer, v.repo, ts, v.clearMarks))
		}
	case key.Matches(msg, k.Delete):
		if ts := v.targets(); len(ts) > 0 {
			d, cmd := newDeleteDialog(v.c, v.xfer, v.repo, ts, v.clearMarks)
			v.c.shell.open(d)
			return cmd
		}
	case key.Matches(msg, k.Back) && v.marks.len() > 0:
		v.marks.clear()
		v.c.shell.say("marks cleared")
	case key.Matches(msg, k.Open):
		return v.open()
	case key.Matches(msg, k.Collapse):
		return v.collapse()
	case key.Matches(msg, k.Back):
		return v.back()
	}
	return nil
}

// fullKey handles the keys of the full-height preview: they scroll it,
// open the pager or close it.
func (v *treePage) fullKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &v.c.Keys
	page := max(1, v.c.bodyHeight()-2)
	switch {
	case key.Matches(msg, k.Open, k.Back, k.Collapse):
		v.full = false
		v.scroll = 0
	case key.Matches(msg, k.Down, k.PreviewDown):
		v.scrollPreview(1)
	case key.Matches(msg, k.Up, k.PreviewUp):
		v.scrollPreview(-1)
	case key.Matches(msg, k.PageDown):
		v.scrollPreview(page)
	case key.Matches(msg, k.PageUp):
		v.scrollPreview(-page)
	case key.Matches(msg, k.Top):
		v.scroll = 0
	case key.Matches(msg, k.Bottom):
		v.scrollPreview(1 << 30)
	case key.Matches(msg, k.Pager):
		return v.openPager()
	}
	return nil
}

// open expands or collapses the selected folder, or shows the selected
// file's preview at full height; on a match of the filter, it leaves the
// matches and shows the item in its place.
func (v *treePage) open() tea.Cmd {
	if v.count() == 0 {
		return nil
	}
	c := v.nav.cursor
	if e := v.selected(); e != nil && !e.dir && !v.filter.filtered() {
		v.full = true
		v.scroll = 0
		return nil
	}
	if v.filter.filtered() {
		keep := v.selection()
		clearFilter(v)
		i := v.liveRow(keep)
		if i < 0 {
			return nil
		}
		v.nav.center(i, len(v.t.rows), v.c.bodyHeight())
		return v.expandRow(i)
	}
	if v.t.rows[c].open {
		return v.collapseRow(c)
	}
	if e := v.t.entry(ref{v.t.rows[c].list, v.t.rows[c].idx}); e.dir && !backend.AddressableName(e.name()) {
		v.c.shell.say("cannot open: " + backend.OddName(e.name()))
		return nil
	}
	return v.expandRow(c)
}

// collapse closes the selected folder, or goes to the folder holding the
// selected row, or back a level from the top of the tree.
func (v *treePage) collapse() tea.Cmd {
	if v.filter.query != "" {
		return clearFilter(v)
	}
	if len(v.t.rows) == 0 {
		return v.c.shell.back()
	}
	c := v.nav.cursor
	switch {
	case v.t.rows[c].open:
		return v.collapseRow(c)
	case v.t.rows[c].depth > 0:
		v.nav.set(v.parentRow(c), len(v.t.rows), v.c.bodyHeight())
		v.restore = ""
		return nil
	}
	return v.c.shell.back()
}

// back clears the filter, or leaves the repository.
func (v *treePage) back() tea.Cmd {
	if v.filter.query != "" {
		return clearFilter(v)
	}
	return v.c.shell.back()
}

// openUpload asks for a local path to upload into the folder the user is
// in.
func (v *treePage) openUpload() tea.Cmd {
	v.c.shell.open(newUploadPrompt(v.c, v.xfer, v.repo, v.currentFolder()))
	return nil
}

// clearMarks forgets the marks once a download or delete took them.
func (v *treePage) clearMarks() { v.marks.clear() }

// toggleMark marks or unmarks the selected entry and moves down a row.
func (v *treePage) toggleMark() {
	e := v.selected()
	if e == nil {
		return
	}
	if v.marks.has(e.path) {
		v.marks.remove(e.path)
	} else {
		v.marks.add(e.path, mark{size: e.size, dir: e.dir})
	}
	v.anchor = e.path
	moveBy(v, 1)
}

// targets returns the marked entries, or else the selected one, leaving
// out entries inside a folder that is itself a target.
func (v *treePage) targets() []target {
	var ts []target
	if v.marks.len() == 0 {
		if e := v.selected(); e != nil {
			ts = append(ts, target{path: e.path, size: e.size, dir: e.dir})
		}
		return ts
	}
	for p, mk := range v.marks.m {
		ts = append(ts, target{path: p, size: mk.size, dir: mk.dir})
	}
	slices.SortFunc(ts, func(a, b target) int { return strings.Compare(a.path, b.path) })
	out := ts[:0]
	lastDir := ""
	for _, t := range ts {
		if lastDir != "" && within(t.path, lastDir) {
			continue
		}
		if t.dir {
			lastDir = t.path
		}
		out = append(out, t)
	}
	return out
}

// currentFolder is where an upload goes: the selected folder, or the
// folder holding the selected file — whether a folder is expanded does
// not matter, so the target is the same wherever the tree stands.
func (v *treePage) currentFolder() string {
	e := v.selected()
	if e == nil {
		return ""
	}
	if e.dir {
		return e.path
	}
	return backend.ParentFolder(e.path)
}

// markText sums up the marks for the status line.
func (v *treePage) markText() string {
	if v.marks.len() == 0 {
		return ""
	}
	files, dirs, size := v.marks.files, v.marks.dirs, v.marks.size
	var parts []string
	if files > 0 {
		parts = append(parts, plural(files, "file", "files")+" ("+humanize.Bytes(size)+")")
	}
	if dirs > 0 {
		parts = append(parts, plural(dirs, "folder", "folders"))
	}
	return "marked: " + strings.Join(parts, ", ")
}

// ShortHelp is the footer: the filter's keys while it is typed, the
// transfer keys when transfers are on.
func (v *treePage) ShortHelp() []key.Binding {
	k := &v.c.Keys
	switch {
	case v.full:
		return []key.Binding{k.Down, k.Up, k.PageDown, k.Back, k.Pager, k.Help, k.Quit}
	case v.filter.editing:
		return filterHelp(v.c)
	case v.xfer != nil:
		return v.c.Keys.TreeHelp()
	}
	return v.c.Keys.ShortHelp()
}

// FullHelp is every key of the browser.
func (v *treePage) FullHelp() [][]key.Binding { return v.c.Keys.FullHelp() }

// within reports whether path p is folder or lies below it ("" holds
// everything).
func within(p, folder string) bool {
	return folder == "" || p == folder || (len(p) > len(folder) && p[len(folder)] == '/' && p[:len(folder)] == folder)
}

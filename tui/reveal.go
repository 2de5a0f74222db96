package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// openSearch opens the repository-wide search over the tree.
func (v *treePage) openSearch() tea.Cmd {
	v.c.shell.open(newSearchBox(v.c, v.repo, v.reveal))
	return nil
}

// reveal selects the entry at path, expanding the folders above it; the
// folders not loaded yet open as their rows arrive, and the entry is
// selected when its own row does (the machinery that opens a repository
// at a path). A filter is dropped first: the entry is shown in its place.
func (v *treePage) reveal(path string) tea.Cmd {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	var cmds []tea.Cmd
	if v.filter.query != "" {
		cmds = append(cmds, clearFilter(v))
	}
	v.full, v.scroll = false, 0
	parts := strings.Split(path, "/")
	for i := range parts[:len(parts)-1] {
		v.pending[strings.Join(parts[:i+1], "/")] = true
	}
	v.restore = path
	if i := v.t.findPath(path); i >= 0 {
		v.selectRow(i)
		return tea.Batch(cmds...)
	}
	// Open the topmost closed ancestor on screen; the pending ones below
	// it open as their rows arrive (afterInsert).
	for i := range parts[:len(parts)-1] {
		dir := strings.Join(parts[:i+1], "/")
		r := v.t.findPath(dir)
		if r < 0 {
			break // not listed yet: opened when it arrives
		}
		if !v.t.rows[r].open {
			cmds = append(cmds, v.expandRow(r))
			break
		}
		delete(v.pending, dir)
	}
	return tea.Batch(cmds...)
}

// selectRow puts the cursor on row i, in the middle of the screen, and
// forgets what was pending for the path there.
func (v *treePage) selectRow(i int) {
	v.nav.center(i, len(v.t.rows), v.c.bodyHeight())
	v.restore = ""
	for p := range v.pending {
		if within(v.t.rowEntry(i).path, p) {
			delete(v.pending, p)
		}
	}
}

package tui

import (
	"errors"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
)

// errNoTransfers is shown when a transfer key is pressed in a session
// without a transfer queue, such as a browser served over SSH, where the
// "local" files would be the server's.
var errNoTransfers = errors.New("uploads, downloads and deletes are switched off in this session; " +
	"over SSH, copy files in and out with sftp or scp")

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

// onTransferKey handles the mark, upload, download, delete and transfers
// keys while browsing.
func (m *Model) onTransferKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.c.Keys
	if m.xfer == nil {
		return m.showError("Not available here", errNoTransfers)
	}
	if key.Matches(msg, k.Transfers) {
		m.xfer.panel = true
		m.xfer.nav.clamp(len(m.xfer.jobs), m.panelRows())
		return nil
	}
	if m.level != levelTree || m.tree == nil {
		m.note = "open a repository first: uploads, downloads and deletes act on its files"
		return nil
	}
	v := m.tree
	switch {
	case key.Matches(msg, k.Mark):
		m.toggleMark()
	case key.Matches(msg, k.Upload):
		return m.openUpload(v.currentFolder())
	case key.Matches(msg, k.Download):
		if ts := v.targets(); len(ts) > 0 {
			return m.openDownload(ts)
		}
	case key.Matches(msg, k.Delete):
		if ts := v.targets(); len(ts) > 0 {
			return m.openDelete(ts)
		}
	}
	return nil
}

// toggleMark marks or unmarks the selected entry and moves down a row.
func (m *Model) toggleMark() {
	v := m.tree
	e, _ := v.selected()
	if e == nil {
		return
	}
	if v.marks == nil {
		v.marks = map[string]mark{}
	}
	if _, ok := v.marks[e.path]; ok {
		delete(v.marks, e.path)
	} else {
		v.marks[e.path] = mark{size: e.size, dir: e.dir}
	}
	m.moveBy(v, 1)
}

// targets returns the marked entries, or else the selected one, leaving
// out entries inside a folder that is itself a target.
func (v *treeView) targets() []target {
	var ts []target
	if len(v.marks) == 0 {
		if e, _ := v.selected(); e != nil {
			ts = append(ts, target{path: e.path, size: e.size, dir: e.dir})
		}
		return ts
	}
	for p, mk := range v.marks {
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

// currentFolder is where an upload goes: the selected folder if it is
// expanded, else the folder holding the selected entry.
func (v *treeView) currentFolder() string {
	e, _ := v.selected()
	if e == nil {
		return ""
	}
	if e.dir && !v.filter.filtered() && v.t.rows[v.nav.cursor].open {
		return e.path
	}
	return backend.ParentFolder(e.path)
}

// markText sums up the marks for the status line.
func (m *Model) markText() string {
	v := m.tree
	if m.level != levelTree || v == nil || len(v.marks) == 0 {
		return ""
	}
	var files, dirs int
	var size int64
	for _, mk := range v.marks {
		if mk.dir {
			dirs++
		} else {
			files++
			size += mk.size
		}
	}
	var parts []string
	if files > 0 {
		parts = append(parts, plural(files, "file", "files")+" ("+humanize.Bytes(size)+")")
	}
	if dirs > 0 {
		parts = append(parts, plural(dirs, "folder", "folders"))
	}
	s := "marked: " + strings.Join(parts, ", ")
	return s
}

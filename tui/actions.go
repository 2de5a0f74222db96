package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// selKey identifies the selected item across a change of the list shown
// (filter on or off): an account or repository id, or a tree entry.
type selKey struct {
	ok   bool
	id   string
	path string
	r    ref
}

// selection returns the item under p's cursor.
func (m *Model) selection(p pane) selKey {
	n := p.count()
	c := p.navp().cursor
	if n == 0 || c >= n {
		return selKey{}
	}
	switch v := p.(type) {
	case *accountsView:
		return selKey{ok: true, id: v.at(c).ID}
	case *reposView:
		return selKey{ok: true, id: v.at(c).ID}
	case *treeView:
		e, _ := v.selected()
		var r ref
		if v.filter.filtered() {
			r = v.filter.src.(*treeSnap).ref(int(v.filter.idx[c]))
		} else {
			x := v.t.rows[c]
			r = ref{x.list, x.idx}
		}
		return selKey{ok: true, path: e.path, r: r}
	}
	return selKey{}
}

// reselect puts p's cursor back on k, if it is still listed.
func (m *Model) reselect(p pane, k selKey) {
	h := m.c.bodyHeight()
	nv := p.navp()
	if k.ok {
		switch v := p.(type) {
		case *accountsView:
			for i := range v.count() {
				if v.at(i).ID == k.id {
					nv.set(i, v.count(), h)
					return
				}
			}
		case *reposView:
			for i := range v.count() {
				if v.at(i).ID == k.id {
					nv.set(i, v.count(), h)
					return
				}
			}
		case *treeView:
			if i := v.liveRow(k); i >= 0 {
				nv.center(i, v.count(), h)
				return
			}
		}
	}
	nv.clamp(p.count(), h)
}

// liveRow finds k's row in the unfiltered tree, or -1.
func (v *treeView) liveRow(k selKey) int {
	if k.r.list >= 0 && int(k.r.list) < len(v.t.lists) {
		if i := v.t.findRow(k.r); i >= 0 && v.t.rowEntry(i).path == k.path {
			return i
		}
	}
	return v.t.findPath(k.path)
}

// open acts on the selected row: enter an account or a repository, or
// expand or collapse a folder.
func (m *Model) open() tea.Cmd {
	p := m.pane()
	if p.count() == 0 {
		return nil
	}
	c := p.navp().cursor
	switch m.level {
	case levelAccounts:
		return m.openAccount(m.accounts.at(c).ID, false)
	case levelRepos:
		return m.openTree(m.repos.at(c).Ref(), "")
	}
	v := m.tree
	if v.filter.filtered() {
		// Leave the matches and show the item in its place in the tree.
		keep := m.selection(v)
		m.clearFilter(v)
		i := v.liveRow(keep)
		if i < 0 {
			return nil
		}
		v.nav.center(i, len(v.t.rows), m.c.bodyHeight())
		return m.expandRow(i)
	}
	if v.t.rows[c].open {
		return m.collapseRow(c)
	}
	return m.expandRow(c)
}

// collapse closes the selected folder, or goes to the folder holding the
// selected row, or back a level from the top of the tree.
func (m *Model) collapse() tea.Cmd {
	if m.level != levelTree {
		return m.back()
	}
	v := m.tree
	if v.filter.query != "" {
		return m.clearFilter(v)
	}
	if len(v.t.rows) == 0 {
		return m.back()
	}
	c := v.nav.cursor
	switch {
	case v.t.rows[c].open:
		return m.collapseRow(c)
	case v.t.rows[c].depth > 0:
		v.nav.set(v.parentRow(c), len(v.t.rows), m.c.bodyHeight())
		v.restore = ""
		return nil
	}
	return m.back()
}

// back clears the filter, or goes back one level.
func (m *Model) back() tea.Cmd {
	p := m.pane()
	if p.filt().query != "" {
		return m.clearFilter(p)
	}
	switch m.level {
	case levelTree:
		repo := m.tree.repo
		m.closeTree()
		cmd := m.openAccount(repo.AccountID, false)
		m.reselect(&m.repos, selKey{ok: true, id: repo.RepositoryID})
		return cmd
	case levelRepos:
		m.level = levelAccounts
		return m.loadAccounts(false)
	}
	return nil
}

// refresh reloads what is on screen, dropping its cached data.
func (m *Model) refresh() tea.Cmd {
	switch m.level {
	case levelAccounts:
		v := &m.accounts
		v.lists = [3]*pagedList[backend.Account]{}
		return m.loadAccounts(true)
	case levelRepos:
		q := m.repos.filter.query
		cmd := m.openAccount(m.repos.account, true)
		m.repos.filter.query = q
		return cmd
	}
	return m.refreshTree()
}

// onWheel scrolls the list under the mouse by three rows.
func (m *Model) onWheel(msg tea.MouseWheelMsg) {
	if m.err != nil || m.showHelp || m.dialogOpen() {
		return
	}
	if m.xfer != nil && m.xfer.panel {
		d := 3
		if msg.Button == tea.MouseWheelUp {
			d = -3
		}
		m.xfer.nav.scroll(d, len(m.xfer.jobs), m.panelRows())
		return
	}
	p := m.pane()
	switch msg.Button {
	case tea.MouseWheelUp:
		p.navp().scroll(-3, p.count(), m.c.bodyHeight())
	case tea.MouseWheelDown:
		p.navp().scroll(3, p.count(), m.c.bodyHeight())
	}
}

// onClick selects the clicked row, or the clicked account tab.
func (m *Model) onClick(msg tea.MouseClickMsg) tea.Cmd {
	if m.err != nil {
		m.err = nil
		return nil
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	if msg.Button != tea.MouseLeft || m.dialogOpen() || (m.xfer != nil && m.xfer.panel) {
		return nil
	}
	if m.level == levelAccounts && msg.Y == 0 {
		if t := tabAt(msg.X); t >= 0 && t != m.accounts.tab {
			return m.switchTab(t)
		}
		return nil
	}
	line := msg.Y - headerLines
	if line < 0 || line >= m.c.bodyHeight() || msg.X >= m.listWidth() {
		return nil
	}
	p := m.pane()
	i := p.navp().offset + line
	if i < p.count() {
		p.navp().set(i, p.count(), m.c.bodyHeight())
		if m.tree != nil && m.level == levelTree {
			m.tree.restore = ""
		}
	}
	return nil
}

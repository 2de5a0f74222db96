package tui

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// treeView is one repository shown as a tree of folders that expand in
// place. Its context ends when the user leaves the repository, which
// cancels the requests still under way.
type treeView struct {
	repo    backend.RepoRef
	ctx     context.Context
	cancel  context.CancelFunc
	t       *tree
	nav     nav
	filter  filterState
	pending map[string]bool // folders to expand when their rows appear
	restore string          // path to select when its row appears
	marks   map[string]mark // entries marked for a delete or download, by path
}

// count is the number of rows shown (matches while filtering).
func (v *treeView) count() int {
	if v.filter.filtered() {
		return len(v.filter.idx)
	}
	return len(v.t.rows)
}

// selected returns the entry under the cursor and its depth, or nil.
func (v *treeView) selected() (*entry, int) {
	n := v.count()
	if n == 0 || v.nav.cursor >= n {
		return nil, 0
	}
	if v.filter.filtered() {
		s := v.filter.src.(*treeSnap)
		r := s.rows[v.filter.idx[v.nav.cursor]]
		return &s.ents[r.list][r.idx], int(r.depth)
	}
	return v.t.rowEntry(v.nav.cursor), int(v.t.rows[v.nav.cursor].depth)
}

// source returns a snapshot maker and the tree's version.
func (v *treeView) source() (func() filterSource, uint64) {
	return func() filterSource { return v.t.snapshot() }, v.t.ver
}

// openTree shows repo as a tree, reusing cached listings, and selects
// startPath (expanding the folders above it) once it has loaded.
func (m *Model) openTree(repo backend.RepoRef, startPath string) tea.Cmd {
	m.closeTree()
	ctx, cancel := context.WithCancel(m.c.Ctx)
	v := &treeView{repo: repo, ctx: ctx, cancel: cancel, pending: map[string]bool{}}
	m.tree, m.level = v, levelTree
	root, cmd := m.ensureListing(repo, "")
	v.t = newTree(root)
	if startPath = strings.Trim(startPath, "/"); startPath != "" {
		parts := strings.Split(startPath, "/")
		for i := range parts {
			v.pending[strings.Join(parts[:i+1], "/")] = true
		}
		v.restore = startPath
	}
	return tea.Batch(cmd, m.loadMetadata(repo, false), m.afterInsert(0, len(v.t.rows)))
}

// closeTree leaves the repository: its requests are cancelled, and its
// unfinished listings stay cached to resume from their next page.
func (m *Model) closeTree() {
	v := m.tree
	if v == nil {
		return
	}
	v.cancel()
	v.filter.stop()
	for k, l := range m.cache {
		if k.repo == v.repo && l.loading {
			l.loading, l.req = false, 0
		}
	}
	m.tree = nil
}

// ensureListing returns the cached listing of folder, creating it, and a
// command that loads its next page if it is neither complete nor loading.
func (m *Model) ensureListing(repo backend.RepoRef, folder string) (*listing, tea.Cmd) {
	k := cacheKey{repo, folder}
	l := m.cache[k]
	if l == nil {
		l = &listing{folder: folder}
		m.cache[k] = l
	}
	if l.done || l.loading {
		return l, nil
	}
	return l, tea.Batch(m.spin(), fetchPage(m.c, m.tree.ctx, m.store, repo, l, m.opts.PageSize))
}

// onListPage adds a page to its listing, asks for the next one at once,
// and shows the new rows if the folder is open.
func (m *Model) onListPage(msg listPageMsg) tea.Cmd {
	l := m.cache[cacheKey{msg.repo, msg.folder}]
	if l == nil || l.req != msg.req || m.tree == nil || m.tree.repo != msg.repo {
		return nil // stale: refreshed, invalidated or left
	}
	if msg.err != nil {
		l.loading, l.err = false, msg.err
		if errors.Is(msg.err, context.Canceled) {
			return nil
		}
		where := msg.repo.String()
		if msg.folder != "" {
			where += "/" + msg.folder
		}
		return m.showError("Could not list "+where, msg.err)
	}
	l.addPage(msg.page)
	var cmds []tea.Cmd
	if !l.done {
		cmds = append(cmds, fetchPage(m.c, m.tree.ctx, m.store, msg.repo, l, m.opts.PageSize))
	}
	return tea.Batch(append(cmds, m.syncListing(msg.folder))...)
}

// syncListing shows rows for new entries of folder if it is open.
func (m *Model) syncListing(folder string) tea.Cmd {
	v := m.tree
	id, ok := v.t.byFolder[folder]
	if !ok || !v.t.lists[id].open {
		return nil
	}
	before := len(v.t.rows)
	at, n := v.t.sync(id)
	if n == 0 {
		return nil
	}
	if !v.filter.filtered() {
		v.nav.shift(at, n, before)
	}
	return tea.Batch(m.afterInsert(at, n), m.refilter(&v.filter, v.source))
}

// afterInsert expands pending folders and selects the restore path among
// n rows newly inserted at index at.
func (m *Model) afterInsert(at, n int) tea.Cmd {
	v := m.tree
	if n == 0 || (len(v.pending) == 0 && v.restore == "") {
		return nil
	}
	var open []int
	for i := at; i < at+n; i++ {
		e := v.t.rowEntry(i)
		if e.path == v.restore && !v.filter.filtered() {
			v.nav.center(i, len(v.t.rows), m.c.bodyHeight())
			v.restore = ""
		}
		if e.dir && v.pending[e.path] && !v.t.rows[i].open {
			open = append(open, i)
		}
	}
	var cmds []tea.Cmd
	for k := len(open) - 1; k >= 0; k-- { // last first: earlier rows keep their index
		delete(v.pending, v.t.rowEntry(open[k]).path)
		cmds = append(cmds, m.expandRow(open[k]))
	}
	return tea.Batch(cmds...)
}

// expandRow opens the folder on row i, fetching its first page unless it
// is cached.
func (m *Model) expandRow(i int) tea.Cmd {
	v := m.tree
	e := v.t.rowEntry(i)
	if !e.dir || v.t.rows[i].open {
		return nil
	}
	l, cmd := m.ensureListing(v.repo, e.path)
	before := len(v.t.rows)
	_, at, n := v.t.expand(i, l)
	v.nav.shift(at, n, before)
	return tea.Batch(cmd, m.afterInsert(at, n), m.refilter(&v.filter, v.source))
}

// collapseRow closes the folder on row i.
func (m *Model) collapseRow(i int) tea.Cmd {
	v := m.tree
	before := len(v.t.rows)
	at, n := v.t.collapse(i)
	v.nav.shift(at, -n, before)
	v.nav.clamp(len(v.t.rows), m.c.bodyHeight())
	return m.refilter(&v.filter, v.source)
}

// parentRow returns the row of the folder holding row i, or -1.
func (v *treeView) parentRow(i int) int {
	d := v.t.rows[i].depth
	for j := i - 1; j >= 0; j-- {
		if v.t.rows[j].depth < d {
			return j
		}
	}
	return -1
}

// reloadFolder drops folder's cached listing and loads it again in place,
// keeping the open folders below it open and the selection where it was.
// Those folders are not listed again: they reopen from their cached
// listings (a caller that knows they changed drops those first).
func (m *Model) reloadFolder(folder string) tea.Cmd {
	v := m.tree
	delete(m.cache, cacheKey{v.repo, folder})
	id, ok := v.t.byFolder[folder]
	if !ok {
		return nil
	}
	tl := &v.t.lists[id]
	if !tl.open {
		// Not on screen: the next expansion loads it afresh.
		tl.l = &listing{folder: folder}
		return nil
	}
	f := v.t.folderRow(id)
	for _, p := range v.t.openFolders(f) {
		v.pending[p] = true // reopened from their cached listings
	}
	if e, _ := v.selected(); e != nil && v.restore == "" && (folder == "" || strings.HasPrefix(e.path, folder+"/")) {
		v.restore = e.path
	}
	l, cmd := m.ensureListing(v.repo, folder)
	before := len(v.t.rows)
	at, n := v.t.reset(id, l)
	v.nav.shift(at, -n, before)
	v.nav.clamp(len(v.t.rows), m.c.bodyHeight())
	insAt, insN := v.t.sync(id)
	return tea.Batch(cmd, m.afterInsert(insAt, insN), m.refilter(&v.filter, v.source))
}

// refreshTree reloads the whole repository: every cached listing and the
// metadata of the repository are dropped.
func (m *Model) refreshTree() tea.Cmd {
	v := m.tree
	for k := range m.cache {
		if k.repo == v.repo && k.folder != "" {
			delete(m.cache, k)
		}
	}
	return tea.Batch(m.reloadFolder(""), m.loadMetadata(v.repo, true))
}

// onInvalidate handles an InvalidateMsg from a write.
func (m *Model) onInvalidate(msg InvalidateMsg) tea.Cmd {
	delete(m.cache, cacheKey{msg.Repo, msg.Folder})
	delete(m.meta, msg.Repo)
	if m.tree == nil || m.tree.repo != msg.Repo {
		return nil
	}
	return tea.Batch(m.reloadFolder(msg.Folder), m.loadMetadata(msg.Repo, true))
}

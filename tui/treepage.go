package tui

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// treePage is one repository shown as a tree of folders that expand in
// place. Its context ends when the user leaves the repository, which
// cancels the requests still under way; its listings stay in the cache.
type treePage struct {
	listPane
	repo    backend.RepoRef
	ctx     context.Context
	cancel  context.CancelFunc
	cache   *cache
	xfer    *transfers // nil: transfers are switched off
	t       *tree
	pending map[string]bool // folders to expand when their rows appear
	restore string          // path to select when its row appears
	// instead are the rows to select, the first still listed, should
	// restore's folder be listed whole without it (it was deleted): the
	// rows after it in its folder, then those before it.
	instead []string
	toEnd   bool     // the user went to the end while listings were loading: stay there
	marks   markSet  // entries marked for a delete or download, by path
	marking uint64   // the mark-all under way in a command, 0 if none
	anchor  string   // the entry last marked with the mark key: a range starts there
	sect    *section // the content section of the selected entry
	scroll  int      // the first line of the preview on screen
	full    bool     // the preview takes the whole body
}

// openTree shows repo as a tree, reusing cached listings, and selects
// startPath (expanding the folders above it) once it has loaded.
func openTree(c *Common, ch *cache, x *transfers, repo backend.RepoRef, startPath string) (*treePage, tea.Cmd) {
	ctx, cancel := context.WithCancel(c.Ctx)
	v := &treePage{listPane: newPane(c), repo: repo, ctx: ctx, cancel: cancel, cache: ch, xfer: x, pending: map[string]bool{}}
	root, cmd := v.ensureListing("")
	v.t = newTree(root)
	if startPath = strings.Trim(startPath, "/"); startPath != "" {
		parts := strings.Split(startPath, "/")
		for i := range parts {
			v.pending[strings.Join(parts[:i+1], "/")] = true
		}
		v.restore = startPath
	}
	return v, tea.Batch(cmd, v.loadMetadata(false), v.afterInsert(0, len(v.t.rows)))
}

// close leaves the repository: its requests are cancelled, and its
// unfinished listings stay cached to resume from their next page.
func (v *treePage) close() {
	v.dropSection()
	v.cancel()
	v.filter.stop()
	for k, l := range v.cache.lists {
		if k.repo == v.repo && l.loading {
			l.loading, l.req = false, 0
		}
	}
}

func (v *treePage) pane() *listPane { return &v.listPane }

// moved forgets a pending "select this path when it loads": the user
// chose another row.
func (v *treePage) moved() { v.restore, v.instead, v.toEnd = "", nil, false }

// endLoading reports whether an open folder is still being listed, so
// that the last row may still move down.
func (v *treePage) endLoading() bool {
	for i := range v.t.lists {
		if tl := &v.t.lists[i]; tl.open && tl.l != nil && !tl.l.done && tl.l.err == nil {
			return true
		}
	}
	return false
}

// followEnd keeps the cursor on the last row after new rows came in, if
// the user went to the end while they were loading.
func (v *treePage) followEnd() {
	if !v.toEnd {
		return
	}
	if n := v.count(); n > 0 {
		v.nav.set(n-1, n, v.c.bodyHeight())
	}
	v.toEnd = v.endLoading()
}

// count is the number of rows shown (matches while filtering).
func (v *treePage) count() int {
	if v.filter.filtered() {
		return len(v.filter.idx)
	}
	return len(v.t.rows)
}

// selected returns the entry under the cursor, or nil.
func (v *treePage) selected() *entry {
	n := v.count()
	if n == 0 || v.nav.cursor >= n {
		return nil
	}
	if v.filter.filtered() {
		s := v.filter.src.(*treeSnap)
		r := s.rows[v.filter.idx[v.nav.cursor]]
		return &s.ents[r.list][r.idx]
	}
	return v.t.rowEntry(v.nav.cursor)
}

// source returns a snapshot maker and the tree's version.
func (v *treePage) source() (func() filterSource, uint64) {
	return func() filterSource { return v.t.snapshot() }, v.t.ver
}

func (v *treePage) selection() selKey {
	c := v.nav.cursor
	if c >= v.count() {
		return selKey{}
	}
	var r ref
	if v.filter.filtered() {
		r = v.filter.src.(*treeSnap).ref(int(v.filter.idx[c]))
	} else {
		x := v.t.rows[c]
		r = ref{x.list, x.idx}
	}
	return selKey{ok: true, path: v.selected().path, r: r}
}

func (v *treePage) reselect(k selKey) {
	h := v.c.bodyHeight()
	if k.ok {
		if i := v.liveRow(k); i >= 0 {
			v.nav.center(i, v.count(), h)
			return
		}
	}
	v.nav.clamp(v.count(), h)
}

// liveRow finds k's row in the unfiltered tree, or -1.
func (v *treePage) liveRow(k selKey) int {
	if k.r.list >= 0 && int(k.r.list) < len(v.t.lists) {
		if i := v.t.findRow(k.r); i >= 0 && v.t.rowEntry(i).path == k.path {
			return i
		}
	}
	return v.t.findPath(k.path)
}

// ensureListing returns the cached listing of folder, creating it, and a
// command that loads its next page if it is neither complete nor loading.
func (v *treePage) ensureListing(folder string) (*listing, tea.Cmd) {
	k := cacheKey{v.repo, folder}
	l := v.cache.lists[k]
	if l == nil {
		l = &listing{folder: folder}
		v.cache.lists[k] = l
	}
	if l.done || l.loading {
		return l, nil
	}
	return l, tea.Batch(v.c.spin(), fetchPage(v.c, v.ctx, v.repo, l))
}

// onListPage adds a page to its listing, asks for the next one at once,
// and shows the new rows if the folder is open.
func (v *treePage) onListPage(msg listPageMsg) tea.Cmd {
	l := v.cache.lists[cacheKey{msg.repo, msg.folder}]
	if l == nil || l.req != msg.req || v.repo != msg.repo {
		return nil // stale: refreshed, reloaded or left
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
		v.c.shell.fail("Could not list "+where, msg.err)
		return nil
	}
	l.addPage(msg.page)
	cmds := []tea.Cmd{v.ordered(msg.folder, l)}
	if !l.done {
		cmds = append(cmds, fetchPage(v.c, v.ctx, msg.repo, l))
	}
	cmds = append(cmds, v.syncListing(msg.folder))
	if l.done {
		v.restoreInstead(msg.folder)
	}
	v.followEnd()
	return tea.Batch(cmds...)
}

// siblings are the paths of the rows of row i's folder after it, then
// of those before it, nearest first (at most 64 each way).
func (v *treePage) siblings(i int) []string {
	if v.filter.filtered() || i < 0 || i >= len(v.t.rows) {
		return nil
	}
	d := v.t.rows[i].depth
	var out []string
	for j, n := i+1, 0; j < len(v.t.rows) && n < 64 && v.t.rows[j].depth >= d; j++ {
		if v.t.rows[j].depth == d {
			out, n = append(out, v.t.rowEntry(j).path), n+1
		}
	}
	for j, n := i-1, 0; j >= 0 && n < 64 && v.t.rows[j].depth >= d; j-- {
		if v.t.rows[j].depth == d {
			out, n = append(out, v.t.rowEntry(j).path), n+1
		}
	}
	return out
}

// restoreInstead selects the first of the rows noted instead of the one
// to restore, once the folder that held it is listed whole without it:
// after a delete the cursor goes to the next row, as in a file manager,
// not to the folder above.
func (v *treePage) restoreInstead(folder string) {
	if v.restore == "" || len(v.instead) == 0 || backend.ParentFolder(v.restore) != folder {
		return
	}
	want := make(map[string]int, len(v.instead))
	for k, p := range v.instead {
		want[p] = k
	}
	best, at := len(v.instead), -1
	for i := range v.t.rows {
		if k, ok := want[v.t.rowEntry(i).path]; ok && k < best {
			best, at = k, i
		}
	}
	v.restore, v.instead = "", nil
	if at >= 0 && !v.filter.filtered() {
		v.nav.center(at, len(v.t.rows), v.c.bodyHeight())
	}
}

// syncListing shows rows for new entries of folder if it is open.
func (v *treePage) syncListing(folder string) tea.Cmd {
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
	return tea.Batch(v.afterInsert(at, n), refilter(v))
}

// afterInsert expands pending folders and selects the restore path among
// n rows newly inserted at index at.
func (v *treePage) afterInsert(at, n int) tea.Cmd {
	if n == 0 || (len(v.pending) == 0 && v.restore == "") {
		return nil
	}
	var open []int
	for i := at; i < at+n; i++ {
		e := v.t.rowEntry(i)
		if e.path == v.restore && !v.filter.filtered() {
			v.nav.center(i, len(v.t.rows), v.c.bodyHeight())
			v.restore, v.instead = "", nil
		}
		if e.dir && v.pending[e.path] && !v.t.rows[i].open {
			open = append(open, i)
		}
	}
	var cmds []tea.Cmd
	for k := len(open) - 1; k >= 0; k-- { // last first: earlier rows keep their index
		delete(v.pending, v.t.rowEntry(open[k]).path)
		cmds = append(cmds, v.expandRow(open[k]))
	}
	return tea.Batch(cmds...)
}

// expandRow opens the folder on row i, fetching its first page unless it
// is cached.
func (v *treePage) expandRow(i int) tea.Cmd {
	e := v.t.rowEntry(i)
	if !e.dir || v.t.rows[i].open {
		return nil
	}
	l, cmd := v.ensureListing(e.path)
	cmd = tea.Batch(cmd, v.ordered(e.path, l))
	before := len(v.t.rows)
	_, at, n := v.t.expand(i, l)
	v.nav.shift(at, n, before)
	return tea.Batch(cmd, v.afterInsert(at, n), refilter(v))
}

// collapseRow closes the folder on row i.
func (v *treePage) collapseRow(i int) tea.Cmd {
	before := len(v.t.rows)
	at, n := v.t.collapse(i)
	v.nav.shift(at, -n, before)
	v.nav.clamp(len(v.t.rows), v.c.bodyHeight())
	return refilter(v)
}

// parentRow returns the row of the folder holding row i, or -1.
func (v *treePage) parentRow(i int) int {
	d := v.t.rows[i].depth
	for j := i - 1; j >= 0; j-- {
		if v.t.rows[j].depth < d {
			return j
		}
	}
	return -1
}

// reload lists folders again (parents first), in place: the one way the
// tree learns of changes, whether a refresh or a finished transfer
// reports them. The folders' cached listings and the repository's
// metadata are dropped first; open folders below them keep theirs and
// reopen from them.
func (v *treePage) reload(folders []string) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(folders)+1)
	for _, f := range folders {
		delete(v.cache.lists, cacheKey{v.repo, f})
	}
	for _, f := range folders {
		cmds = append(cmds, v.reloadFolder(f))
	}
	return tea.Batch(append(cmds, v.loadMetadata(true))...)
}

// reloadFolder loads folder's listing again in place, keeping the open
// folders below it open and the selection where it was.
func (v *treePage) reloadFolder(folder string) tea.Cmd {
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
	if e := v.selected(); e != nil && v.restore == "" && within(e.path, folder) && e.path != folder {
		v.restore, v.instead = e.path, v.siblings(v.nav.cursor)
	}
	l, cmd := v.ensureListing(folder)
	before := len(v.t.rows)
	at, n := v.t.reset(id, l)
	v.nav.shift(at, -n, before)
	v.nav.clamp(len(v.t.rows), v.c.bodyHeight())
	insAt, insN := v.t.sync(id)
	return tea.Batch(cmd, v.afterInsert(insAt, insN), refilter(v))
}

// refresh reloads the whole repository: every cached listing of it is
// dropped, the root listed again and the metadata read again.
func (v *treePage) refresh() tea.Cmd {
	for k := range v.cache.lists {
		if k.repo == v.repo && k.folder != "" {
			delete(v.cache.lists, k)
		}
	}
	return v.reload([]string{""})
}

package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// neighbours is how many entries of a folder one metadata lookup brings:
// those around the selected row, so that moving among them (pages of
// rows either way) needs no other lookup, and so no other message and
// frame, until the repository is reloaded.
const neighbours = 256

// neighbourMsg is the result of one ReadFolderMetadata around a selected
// entry: the entries of names asked for (files), in name order.
type neighbourMsg struct {
	req    uint64
	repo   backend.RepoRef
	cursor string   // the page starts after this name
	names  []string // asked for, each after cursor
	paths  []string // their paths
	page   backend.Page[backend.MetadataEntry]
	err    error
}

// wantNeighbours looks up the entries of up to neighbours files around
// the selected one, in its folder's listing, with one ReadFolderMetadata
// (whose cursor is the name before the first, as metadata pages are
// cursored by name). Listings come in byte order of names, as metadata
// pages do; should the rows be in another order, files at or before the
// cursor are left to be looked up alone. It returns nil if the selected
// row is not a file of a loaded listing after the cursor; the caller then
// looks up the entry alone.
func (v *treePage) wantNeighbours(e *entry, st *metaState) tea.Cmd {
	k := v.selection()
	if e.dir || !k.ok || k.r.list < 0 || int(k.r.list) >= len(v.t.lists) {
		return nil
	}
	ents := v.t.lists[k.r.list].l.entries
	at := int(k.r.idx)
	if at >= len(ents) || ents[at].path != e.path {
		return nil
	}
	from := max(0, at-neighbours/2)
	to := min(len(ents), from+neighbours)
	cursor := ""
	if from > 0 {
		cursor = ents[from-1].name()
	}
	if e.name() <= cursor {
		return nil // rows not in byte order: the page would miss it
	}
	req := v.c.nextID()
	var names, paths []string
	for i := from; i < to; i++ {
		n := &ents[i]
		if n.dir || n.name() <= cursor {
			continue
		}
		names, paths = append(names, n.name()), append(paths, n.path)
		if st.entries[n.path] == nil {
			st.entries[n.path] = &entryState{loading: true, req: req}
		}
	}
	src, ctx, repo, folder := v.c.src, v.ctx, v.repo, backend.ParentFolder(e.path)
	limit := len(names) + neighbours/8 // room for entries of files gone since
	return tea.Batch(v.c.spin(), func() tea.Msg {
		p, err := src.ReadFolderMetadata(ctx, repo, folder, backend.PageRequest{Cursor: cursor, Limit: limit})
		return neighbourMsg{req: req, repo: repo, cursor: cursor, names: names, paths: paths, page: p, err: err}
	})
}

// onNeighbours keeps the entries a folder lookup found, and notes that a
// file has none when the page covered its name. Files it could not
// decide (the page ended before them) stay loading, marked alone: they
// are looked up alone when selected.
func (ch *cache) onNeighbours(msg neighbourMsg) {
	st := ch.meta[msg.repo]
	if st == nil {
		return
	}
	found := make(map[string]backend.ObjectMeta, len(msg.page.Items))
	last := ""
	for _, it := range msg.page.Items {
		name := it.Path[len(backend.ParentFolder(it.Path)):]
		if len(name) > 0 && name[0] == '/' {
			name = name[1:]
		}
		found[name] = it.Meta
		last = name
	}
	for i, name := range msg.names {
		es := st.entries[msg.paths[i]]
		if es == nil || es.req != msg.req {
			continue // known before, or reloaded since
		}
		meta, ok := found[name]
		switch {
		case msg.err != nil:
			es.loading, es.err = false, msg.err
		case ok:
			es.loading, es.meta = false, meta
		case name > msg.cursor && (msg.page.Next == "" || name <= last):
			es.loading, es.err = false, backend.NoEntry(msg.repo, msg.paths[i])
		default:
			es.alone = true
		}
	}
}

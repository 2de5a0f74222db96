package tui

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
)

// entry is one file or folder of a listing, kept compact because a folder
// may hold a million of them: the name is a suffix of the path, times are
// Unix nanoseconds.
type entry struct {
	path   string // relative to the repository root
	size   int64
	mod    int64 // Unix nanoseconds; 0 if unknown
	nameAt uint32
	dir    bool
}

// name is the entry's last path segment.
func (e *entry) name() string { return e.path[e.nameAt:] }

// compact converts a store entry, sharing the name with the path.
func compact(e backend.Entry) entry {
	c := entry{path: e.Path, size: e.Size, dir: e.IsDir()}
	if !e.ModTime.IsZero() {
		c.mod = e.ModTime.UnixNano()
	}
	if strings.HasSuffix(e.Path, e.Name) {
		c.nameAt = uint32(len(e.Path) - len(e.Name))
	} else if i := strings.LastIndexByte(e.Path, '/'); i >= 0 {
		c.nameAt = uint32(i + 1)
	}
	return c
}

// listing is one folder's entries as loaded so far. Entries are only ever
// appended, so a filter may read a prefix of them while pages arrive.
type listing struct {
	folder  string
	entries []entry
	next    string // cursor of the next page
	done    bool   // every page has arrived
	loading bool   // a page request is under way
	req     uint64 // id of that request; other results are stale
	err     error  // the last page request failed

	sorted    bool      // entries are in order (sort.go), not the store's
	order     sortOrder // the order they are in, if sorted
	sortReq   uint64    // a sort under way in a command, or 0
	sortOrder sortOrder // the order it sorts into
}

// cacheKey names one folder of one repository.
type cacheKey struct {
	repo   backend.RepoRef
	folder string
}

// cache is what a session has read of repositories: folder listings and
// metadata files. The root keeps it, so that a repository opened again
// resumes from it; nothing of it is package state.
type cache struct {
	lists map[cacheKey]*listing
	meta  map[backend.RepoRef]*metaState
}

func newCache() *cache {
	return &cache{lists: map[cacheKey]*listing{}, meta: map[backend.RepoRef]*metaState{}}
}

// listPageMsg is one page of a folder listing.
type listPageMsg struct {
	req    uint64
	repo   backend.RepoRef
	folder string
	page   backend.Page[backend.Entry]
	err    error
}

// fetchPage asks for the next page of l. The result carries a fresh
// request id, which makes any earlier request of l stale.
func fetchPage(c *Common, ctx context.Context, repo backend.RepoRef, l *listing) tea.Cmd {
	l.req, l.loading, l.err = c.nextID(), true, nil
	req, folder, src := l.req, l.folder, c.src
	pr := backend.PageRequest{Limit: c.pageSize, Cursor: l.next}
	return func() tea.Msg {
		p, err := src.ListObjects(ctx, repo, folder, pr)
		return listPageMsg{req: req, repo: repo, folder: folder, page: p, err: err}
	}
}

// addPage appends a page to l and reports how many entries it added.
func (l *listing) addPage(p backend.Page[backend.Entry]) int {
	before := len(l.entries)
	for _, e := range p.Items {
		if l.folder == "" && e.Path == backend.MetadataFileName {
			continue // never shown, even if a store lists it
		}
		l.entries = append(l.entries, compact(e))
	}
	l.next, l.loading = p.Next, false
	l.done = p.Next == ""
	return len(l.entries) - before
}

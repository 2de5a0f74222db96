package tui

import (
	"bytes"
	"cmp"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/keymap"
)

// sortKey is what the rows of a folder are sorted by.
type sortKey uint8

const (
	sortName     sortKey = iota // natural order of names: f1, f2, f10, f100
	sortSize                    // largest first
	sortModified                // newest first
)

func (k sortKey) String() string {
	switch k {
	case sortSize:
		return "size"
	case sortModified:
		return "modified"
	}
	return "name"
}

// sortOrder is how the rows of every folder are sorted. The zero value is
// the default: names in natural order, folders among the files.
type sortOrder struct {
	by      sortKey
	reverse bool
	first   bool // folders first
}

// inlineSort is the size of a folder sorted in Update itself (well under
// a millisecond); larger folders are sorted in a command.
const inlineSort = 5_000

// sortOrderOf reads the [sort] table of the config file.
func sortOrderOf(s keymap.Sort) sortOrder {
	o := sortOrder{reverse: s.Reverse, first: s.FoldersFirst}
	switch s.By {
	case "size":
		o.by = sortSize
	case "modified":
		o.by = sortModified
	}
	return o
}

// describe is the order in words, for the status note.
func (o sortOrder) describe() string {
	s := "sorted by " + o.by.String()
	if o.reverse {
		s += ", reversed"
	}
	if o.first {
		s += ", folders first"
	}
	return s
}

// sorter orders the entries of one folder by index. Names are compared
// through keys made once per entry (natKey), all in one buffer, and
// first through 8 bytes of each key after the prefix all keys share, so
// most comparisons are one of two integers.
type sorter struct {
	o    sortOrder
	ents []entry
	keys []byte   // the names' keys, one after another
	at   []uint32 // key i is keys[at[i]:at[i+1]]
	cp   int      // length of the prefix every key shares
	pre  []uint64 // 8 bytes of each key after cp, big-endian, zero-padded
	num  []int64  // sizes or times, when sorted by them: dense, for the cache
}

func newSorter(ents []entry, o sortOrder) *sorter {
	s := &sorter{o: o, ents: ents, at: make([]uint32, len(ents)+1), pre: make([]uint64, len(ents))}
	if o.by != sortName {
		s.num = make([]int64, len(ents))
		for i := range ents {
			s.num[i] = ents[i].size
			if o.by == sortModified {
				s.num[i] = ents[i].mod
			}
		}
	}
	n := 0
	for i := range ents {
		n += len(ents[i].name())
	}
	s.keys = make([]byte, 0, n+n/4) // a digit run's key is 2 bytes longer
	for i := range ents {
		s.keys = natKey(s.keys, ents[i].name())
		s.at[i+1] = uint32(len(s.keys))
	}
	if len(ents) > 0 {
		first := s.key(0)
		s.cp = len(first)
		for i := 1; i < len(ents) && s.cp > 0; i++ {
			k := s.key(int32(i))
			n := 0
			for n < s.cp && n < len(k) && k[n] == first[n] {
				n++
			}
			s.cp = n
		}
	}
	for i := range s.pre {
		k := s.key(int32(i))[s.cp:]
		var p uint64
		for b := range 8 {
			p <<= 8
			if b < len(k) {
				p |= uint64(k[b])
			}
		}
		s.pre[i] = p
	}
	return s
}

func (s *sorter) key(i int32) []byte { return s.keys[s.at[i]:s.at[i+1]] }

// compare orders entries i and j; folders stay first when reversed.
func (s *sorter) compare(i, j int32) int {
	if s.o.first {
		if a, b := s.ents[i].dir, s.ents[j].dir; a != b {
			if a {
				return -1
			}
			return 1
		}
	}
	c := 0
	if s.num != nil {
		c = cmp.Compare(s.num[j], s.num[i]) // largest, newest first
	}
	if c == 0 {
		if s.pre[i] != s.pre[j] {
			c = cmp.Compare(s.pre[i], s.pre[j])
		} else {
			c = bytes.Compare(s.key(i)[s.cp:], s.key(j)[s.cp:])
		}
	}
	if c == 0 {
		c = strings.Compare(s.ents[i].name(), s.ents[j].name())
	}
	if s.o.reverse {
		return -c
	}
	return c
}

// natKey appends to buf a key of name whose byte order is the natural
// order of names, as people count (f2 before f10; the rest by bytes, as
// the store lists them and ls -v sorts): each run of digits becomes '0',
// the number of its digits without leading zeros, then those digits.
// Names equal so (f01, f1) are told apart by their bytes.
func natKey(buf []byte, name string) []byte {
	for i := 0; i < len(name); {
		c := name[i]
		if !isDigit(c) {
			buf = append(buf, c)
			i++
			continue
		}
		for i < len(name) && name[i] == '0' {
			i++
		}
		j := i
		for j < len(name) && isDigit(name[j]) {
			j++
		}
		buf = append(buf, '0', byte(min(j-i, 255)))
		buf = append(buf, name[i:j]...)
		i = j
	}
	return buf
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// sortEntries returns ents in order o: a new slice (a filter may be
// reading the old one), or nil if they are in order already.
func sortEntries(ents []entry, o sortOrder) []entry {
	s := newSorter(ents, o)
	inOrder := true
	for i := 1; i < len(ents) && inOrder; i++ {
		inOrder = s.compare(int32(i-1), int32(i)) <= 0
	}
	if inOrder {
		return nil
	}
	// Sort small items holding what most comparisons need, so that they
	// seldom reach into the entries or the keys.
	type item struct {
		num int64  // size or time, 0 when sorting by name
		pre uint64 // the key's first bytes after the shared prefix
		i   int32
		dir bool
	}
	items := make([]item, len(ents))
	for i := range items {
		it := item{pre: s.pre[i], i: int32(i), dir: ents[i].dir}
		if s.num != nil {
			it.num = s.num[i]
		}
		items[i] = it
	}
	slices.SortFunc(items, func(a, b item) int {
		if o.first && a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		c := cmp.Compare(b.num, a.num)
		if c == 0 {
			c = cmp.Compare(a.pre, b.pre)
		}
		if c == 0 {
			return s.compare(a.i, b.i)
		}
		if o.reverse {
			return -c
		}
		return c
	})
	out := make([]entry, len(ents))
	for k := range items {
		out[k] = ents[items[k].i]
	}
	return out
}

// sortedMsg is a folder's entries sorted in a command.
type sortedMsg struct {
	req     uint64
	repo    backend.RepoRef
	folder  string
	order   sortOrder
	n       int
	entries []entry // nil: in order already
}

// ordered puts a loaded folder's entries in the session's order: at once
// for a small folder, in a command for a large one (its rows stay in
// the old order until the result comes). Folders still loading are
// sorted when their last page arrives.
func (v *treePage) ordered(folder string, l *listing) tea.Cmd {
	want := v.c.sort
	if !l.done || (l.sorted && l.order == want) {
		return nil
	}
	n := len(l.entries)
	if n <= inlineSort {
		return v.applySort(folder, l, want, sortEntries(l.entries, want))
	}
	if l.sortReq != 0 && l.sortOrder == want {
		return nil // already under way
	}
	l.sortReq, l.sortOrder = v.c.nextID(), want
	req, repo, ents := l.sortReq, v.repo, l.entries[:n:n]
	return tea.Batch(v.c.spin(), func() tea.Msg {
		return sortedMsg{req: req, repo: repo, folder: folder, order: want, n: n, entries: sortEntries(ents, want)}
	})
}

// onSorted takes a folder's sorted entries unless the folder was
// reloaded or the order changed since.
func (v *treePage) onSorted(msg sortedMsg) tea.Cmd {
	l := v.cache.lists[cacheKey{msg.repo, msg.folder}]
	if l == nil || msg.repo != v.repo || l.sortReq != msg.req {
		return nil
	}
	l.sortReq = 0
	if msg.order != v.c.sort || len(l.entries) != msg.n {
		return v.ordered(msg.folder, l)
	}
	return v.applySort(msg.folder, l, msg.order, msg.entries)
}

// applySort makes sorted (nil: no change) the entries of l, and shows
// them in that order if the folder is open: its rows are rebuilt, the
// folders open below it reopen from their listings and the selection
// stays on its entry.
func (v *treePage) applySort(folder string, l *listing, o sortOrder, sorted []entry) tea.Cmd {
	if sorted == nil {
		l.sorted, l.order = true, o
		return nil
	}
	id, ok := v.t.byFolder[folder]
	if !ok || v.t.lists[id].l != l || !v.t.lists[id].open {
		// No rows show its entries: they are made in the new order
		// when it opens.
		l.entries, l.sorted, l.order = sorted, true, o
		return nil
	}
	f := v.t.folderRow(id)
	if f < 0 && v.t.lists[id].parent.list >= 0 {
		return nil // its rows cannot be found: leave them as they are
	}
	for _, p := range v.t.openFolders(f) {
		v.pending[p] = true
	}
	if e := v.selected(); e != nil && v.restore == "" && within(e.path, folder) && e.path != folder {
		v.restore = e.path
	}
	before := len(v.t.rows)
	at, n := v.t.reset(id, l) // reads the open folders' paths: before the entries move
	l.entries, l.sorted, l.order = sorted, true, o
	v.nav.shift(at, -n, before)
	v.nav.clamp(len(v.t.rows), v.c.bodyHeight())
	insAt, insN := v.t.sync(id)
	return tea.Batch(v.afterInsert(insAt, insN), refilter(v))
}

// setSort changes the session's order and sorts the folders of the tree
// that have loaded; others are sorted when they load or open.
func (v *treePage) setSort(o sortOrder) tea.Cmd {
	v.c.sort = o
	v.c.shell.say(o.describe())
	var cmds []tea.Cmd
	for _, tl := range v.t.lists {
		if tl.open {
			cmds = append(cmds, v.ordered(tl.l.folder, tl.l))
		}
	}
	return tea.Batch(cmds...)
}

// sorting reports whether a folder of the tree is being sorted.
func (v *treePage) sorting() bool {
	for _, tl := range v.t.lists {
		if tl.open && tl.l.sortReq != 0 {
			return true
		}
	}
	return false
}

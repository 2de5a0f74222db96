package tui

import "github.com/coopterm/coop/backend"

// pagedList is a catalog list (accounts or repositories) loaded page by
// page, the next page requested as soon as one arrives.
type pagedList[T any] struct {
	items   []T
	next    string
	done    bool
	loading bool
	req     uint64
	err     error
	ver     uint64
}

// count is the number of rows a list shows under its filter f (matches
// while filtering); a nil list shows none.
func (l *pagedList[T]) count(f *filterState) int {
	if f.filtered() {
		return len(f.idx)
	}
	if l == nil {
		return 0
	}
	return len(l.items)
}

// at returns the item on row i of a list shown under its filter f.
func (l *pagedList[T]) at(f *filterState, i int) *T {
	if f.filtered() {
		return &f.src.(*sliceSrc[T]).items[f.idx[i]]
	}
	return &l.items[i]
}

// source returns a snapshot maker for the filter, matching name, and the
// list's version; a nil list gives an empty snapshot.
func (l *pagedList[T]) source(name func(*T) string) (func() filterSource, uint64) {
	if l == nil {
		return func() filterSource { return &sliceSrc[T]{name: name} }, 0
	}
	items := l.items[:len(l.items):len(l.items)]
	return func() filterSource { return &sliceSrc[T]{items: items, name: name} }, l.ver
}

// addPage appends a page to l, which is at version ver afterwards.
func (l *pagedList[T]) addPage(p backend.Page[T], ver uint64) {
	l.items = append(l.items, p.Items...)
	l.next, l.done = p.Next, p.Next == ""
	l.ver = ver
}

// loading reports whether l is being loaded (a nil list is about to be).
func (l *pagedList[T]) busy() bool { return l != nil && l.loading }

// failure is the error that stopped l, if any.
func (l *pagedList[T]) failure() error {
	if l == nil {
		return nil
	}
	return l.err
}

// loadedText says how much of l has loaded: "3 accounts", "10 accounts
// loaded so far".
func (l *pagedList[T]) loadedText(one, many string) string {
	if l == nil {
		return ""
	}
	return loadedText(len(l.items), l.done, one, many)
}

func loadedText(n int, done bool, one, many string) string {
	if done {
		return plural(n, one, many)
	}
	return plural(n, one, many) + " loaded so far"
}

// indexOf returns the row of the item whose id is id, or -1.
func (l *pagedList[T]) indexOf(f *filterState, id func(*T) string, want string) int {
	for i := range l.count(f) {
		if id(l.at(f, i)) == want {
			return i
		}
	}
	return -1
}

// sliceSrc is a filter snapshot of a catalog list.
type sliceSrc[T any] struct {
	items []T
	name  func(*T) string
}

// Len implements filterSource.
func (s *sliceSrc[T]) Len() int { return len(s.items) }

// Name implements filterSource.
func (s *sliceSrc[T]) Name(i int) string { return s.name(&s.items[i]) }

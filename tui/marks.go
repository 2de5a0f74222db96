package tui

import "maps"

// markSet is the entries marked for a download, delete or copy, by path.
// It keeps the totals the status line shows as marks come and go, so a
// frame costs the same with a million marks as with none. A mark-all in
// a command reads the map while Update goes on: shared says so, and the
// first change made meanwhile copies the map first (copy on write); gen
// counts the changes, so that the command's result is taken only if
// nothing changed since it began.
type markSet struct {
	m      map[string]mark
	files  int
	dirs   int
	size   int64
	gen    uint64
	shared bool
}

func (s *markSet) len() int { return len(s.m) }

func (s *markSet) has(p string) bool { _, ok := s.m[p]; return ok }

// writable readies the map for a change.
func (s *markSet) writable() {
	s.gen++
	switch {
	case s.m == nil:
		s.m = map[string]mark{}
	case s.shared:
		s.m = maps.Clone(s.m)
	}
	s.shared = false
}

// add marks p; it reports whether p was not marked yet.
func (s *markSet) add(p string, mk mark) bool {
	if s.has(p) {
		return false
	}
	s.writable()
	s.m[p] = mk
	s.count(mk, 1)
	return true
}

// remove unmarks p.
func (s *markSet) remove(p string) {
	mk, ok := s.m[p]
	if !ok {
		return
	}
	s.writable()
	delete(s.m, p)
	s.count(mk, -1)
}

// clear unmarks everything.
func (s *markSet) clear() { *s = markSet{gen: s.gen + 1} }

func (s *markSet) count(mk mark, n int) {
	if mk.dir {
		s.dirs += n
	} else {
		s.files += n
		s.size += int64(n) * mk.size
	}
}

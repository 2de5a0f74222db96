package tui

import (
	"context"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// filterSource is an immutable snapshot of a list to filter: the filter
// runs in a goroutine while Update keeps changing the live list.
type filterSource interface {
	Len() int
	Name(i int) string
}

// filterState is the "/" filter of one list. Matching runs in a tea.Cmd
// over a snapshot; each run has a generation id and results of older runs
// are dropped, so typing stays responsive on a million entries.
type filterState struct {
	editing bool   // the input line has focus
	query   string // what the user typed

	gen     uint64             // generation of the newest run
	cancel  context.CancelFunc // stops the newest run early
	running bool               // a run is under way
	dirty   bool               // the list changed during the run

	applied  bool         // idx holds matches for resQuery
	resQuery string       // the query idx was computed for
	src      filterSource // the snapshot idx indexes into
	srcVer   uint64       // the list version src was taken at
	idx      []int32      // matching items, in list order
}

// filtered reports whether the view shows matches instead of the list.
func (f *filterState) filtered() bool { return f.query != "" && f.applied }

// stop cancels any run and forgets the results.
func (f *filterState) stop() {
	if f.cancel != nil {
		f.cancel()
	}
	*f = filterState{}
}

// filterResultMsg carries the matches of one filter run.
type filterResultMsg struct {
	gen   uint64
	query string
	src   filterSource
	ver   uint64
	idx   []int32
	ok    bool // false if the run was cancelled
}

// start launches a run for f.query over src (taken at version ver). When
// the new query only narrows the previous one over the same snapshot, only
// the previous matches are searched.
func (f *filterState) start(c *Common, snapshot func() filterSource, ver uint64) tea.Cmd {
	if f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
	f.running, f.dirty = false, false
	if f.query == "" {
		f.applied, f.idx, f.src, f.resQuery = false, nil, nil, ""
		return nil
	}
	var (
		src    filterSource
		within []int32
	)
	if f.applied && f.srcVer == ver && f.src != nil {
		src = f.src
		if containsFold(f.query, f.resQuery) {
			within = f.idx
		}
	} else {
		src = snapshot()
	}
	ctx, cancel := context.WithCancel(c.Ctx)
	f.gen, f.cancel, f.running = c.nextID(), cancel, true
	gen, q := f.gen, f.query
	return func() tea.Msg {
		idx, ok := runFilter(ctx, src, q, within)
		return filterResultMsg{gen: gen, query: q, src: src, ver: ver, idx: idx, ok: ok}
	}
}

// accept stores a run's result if it is the newest; it reports whether it
// was, and whether the query changed since the results shown before.
func (f *filterState) accept(msg filterResultMsg) (current, newQuery bool) {
	if msg.gen != f.gen || !f.running {
		return false, false
	}
	f.running, f.cancel = false, nil
	if !msg.ok {
		return false, false
	}
	newQuery = !f.applied || f.resQuery != msg.query
	f.applied, f.resQuery, f.src, f.srcVer, f.idx = true, msg.query, msg.src, msg.ver, msg.idx
	return true, newQuery
}

// runFilter returns the indices of src whose names contain q, ignoring
// case, searching only within when it is not nil. It gives up (ok false)
// as soon as ctx ends.
func runFilter(ctx context.Context, src filterSource, q string, within []int32) (idx []int32, ok bool) {
	match := matcher(q)
	const checkEvery = 1 << 12
	if within != nil {
		for n, i := range within {
			if n%checkEvery == 0 && ctx.Err() != nil {
				return nil, false
			}
			if match(src.Name(int(i))) {
				idx = append(idx, i)
			}
		}
	} else {
		for i, n := 0, src.Len(); i < n; i++ {
			if i%checkEvery == 0 && ctx.Err() != nil {
				return nil, false
			}
			if match(src.Name(i)) {
				idx = append(idx, int32(i))
			}
		}
	}
	if idx == nil { // non-nil: an empty result can still be narrowed
		idx = []int32{}
	}
	return idx, ctx.Err() == nil
}

// matcher returns a case-insensitive substring test for q that does not
// allocate per name when q is ASCII, the usual case.
func matcher(q string) func(string) bool {
	lq := strings.ToLower(q)
	for i := 0; i < len(lq); i++ {
		if lq[i] >= utf8.RuneSelf {
			return func(s string) bool { return strings.Contains(strings.ToLower(s), lq) }
		}
	}
	return func(s string) bool { return indexFoldASCII(s, lq) >= 0 }
}

// indexFoldASCII finds lower-case ASCII q in s, ignoring ASCII case.
func indexFoldASCII(s, q string) int {
	if q == "" {
		return 0
	}
	first := q[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper -= 'a' - 'A'
	}
	for i := 0; i+len(q) <= len(s); i++ {
		if c := s[i]; c != first && c != upper {
			continue
		}
		j := 1
		for ; j < len(q); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != q[j] {
				break
			}
		}
		if j == len(q) {
			return i
		}
	}
	return -1
}

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

package backend

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// MetadataView is one version of a metadata document as the rules read
// it while a batch is planned. Stores serve it from their index, so
// planning costs what the batch touches, not the size of the document.
type MetadataView interface {
	// Entry returns the entry of path, and whether there is one.
	Entry(path string) (ObjectMeta, bool, error)
	// Under calls fn with the path and type of each entry below folder
	// ("" for all; folder's own entry excluded), in byte order of paths,
	// until fn returns false.
	Under(folder string, fn func(path string, t EntryType) bool) error
}

// metadataTyper is a MetadataView that tells the type of path's entry,
// and whether there is one, without decoding it: what a removal needs.
// A removal planned through it reports a change whose Before holds the
// entry's Type alone (a recursive delete drops thousands of entries, and
// decoding each was most of the planning after its last batch).
type metadataTyper interface {
	EntryType(path string) (EntryType, bool, error)
}

// PlannedEntry is one entry a plan writes (Meta set) or drops (Meta nil).
type PlannedEntry struct {
	Path string
	Meta *ObjectMeta
}

// MetadataPlan is a batch worked out against one version of a document:
// the entries to write or drop, in byte order of paths, and the result
// to report once they are written.
type MetadataPlan struct {
	Writes []PlannedEntry
	Result MetadataResult
}

// planState is the entry of one path as the plan has it so far.
type planState struct {
	cur     *ObjectMeta // nil: no entry
	orig    *ObjectMeta // in the view
	folders bool        // folders above it must have entries
}

type planner struct {
	repo    RepoRef
	now     time.Time
	view    MetadataView
	states  map[string]*planState
	cands   map[string]bool // folders that may be left empty
	parents []string        // folders to add if anything lies below them
	changes []MetadataChange
	folders map[string]struct{}
	// typed holds one entry of each type for removals' states, which
	// only tell the entry's type (see removalState).
	typed map[EntryType]*ObjectMeta
}

// Plan works the batch out against view, the document repo has now (see
// MetadataView). Its cost grows with the batch, plus, for removals, the
// folders they may leave empty.
func (b *MetadataBatch) Plan(repo RepoRef, view MetadataView) (MetadataPlan, error) {
	now := b.now
	if now.IsZero() {
		now = time.Now()
	}
	p := &planner{repo: repo, now: now.UTC(), view: view, states: make(map[string]*planState, len(b.ops)),
		cands: map[string]bool{}, folders: map[string]struct{}{}, changes: make([]MetadataChange, 0, len(b.ops))}
	if err := p.load(b.ops); err != nil {
		return MetadataPlan{}, err
	}
	for _, o := range b.ops {
		if err := p.apply(o); err != nil {
			return MetadataPlan{}, err
		}
	}
	if err := p.ensureFolders(); err != nil {
		return MetadataPlan{}, err
	}
	if err := p.parentFolders(); err != nil {
		return MetadataPlan{}, err
	}
	if err := p.prune(); err != nil {
		return MetadataPlan{}, err
	}
	return p.finish(), nil
}

// load looks up the entries the ops will change, in byte order of their
// paths, before the ops are applied in theirs: a view reads its entries
// by blocks of neighbours, so that the entries of a batch come from each
// block once, where the ops' order (an upload's, as its files finish)
// read a block again for nearly every entry. Each path is loaded as its
// first op would have loaded it (a removal's: its type alone, where the
// view tells it).
func (p *planner) load(ops []metaOp) error {
	first := make(map[string]opKind, len(ops))
	paths := make([]string, 0, len(ops))
	for _, o := range ops {
		if o.kind == opPrune || o.kind == opParentFolder {
			continue
		}
		if _, seen := first[o.path]; !seen {
			first[o.path] = o.kind
			paths = append(paths, o.path)
		}
	}
	slices.Sort(paths)
	for _, path := range paths {
		load := p.state
		if first[path] == opRemoved {
			load = p.removalState
		}
		if _, err := load(path); err != nil {
			return err
		}
	}
	return nil
}

// state loads the entry of path from the view, once.
func (p *planner) state(path string) (*planState, error) {
	if st, ok := p.states[path]; ok {
		return st, nil
	}
	st := &planState{}
	m, ok, err := p.view.Entry(path)
	if err != nil {
		return nil, err
	}
	if ok {
		st.orig, st.cur = &m, &m
	}
	p.states[path] = st
	return st, nil
}

// removalState is state for a path the batch removes: with a view
// that tells types, the entry is not decoded (see metadataTyper).
func (p *planner) removalState(path string) (*planState, error) {
	t, light := p.view.(metadataTyper)
	if _, ok := p.states[path]; ok || !light {
		return p.state(path)
	}
	st := &planState{}
	typ, ok, err := t.EntryType(path)
	if err != nil {
		return nil, err
	}
	if ok {
		// One entry of the type for all: a recursive delete drops
		// thousands, and the plan never changes what Before holds.
		m := p.typed[typ]
		if m == nil {
			if p.typed == nil {
				p.typed = map[EntryType]*ObjectMeta{}
			}
			m = &ObjectMeta{Type: typ}
			p.typed[typ] = m
		}
		st.orig, st.cur = m, m
	}
	p.states[path] = st
	return st, nil
}

func (p *planner) change(c MetadataChange) {
	if c.Type == "" {
		switch {
		case c.After != nil:
			c.Type = c.After.Type
		case c.Before != nil:
			c.Type = c.Before.Type
		}
	}
	p.changes = append(p.changes, c)
}

func (p *planner) apply(o metaOp) error {
	p.folders[ParentFolder(o.path)] = struct{}{}
	switch o.kind {
	case opPrune:
		return p.addPrune(o.path)
	case opParentFolder:
		p.parents = append(p.parents, o.path)
		return nil
	}
	state := p.state
	if o.kind == opRemoved {
		state = p.removalState
	}
	st, err := state(o.path)
	if err != nil {
		return err
	}
	switch o.kind {
	case opStored:
		m := NewObjectMeta(p.repo, *o.info, st.cur, p.now)
		p.put(st, o.path, &m, nil, false)
		st.folders = true
	case opRemoved:
		p.drop(st, o.path, nil)
		for d := ParentFolder(o.path); d != ""; d = ParentFolder(d) {
			p.cands[d] = true
		}
	case opFix:
		p.fix(st, o)
	case opAddFolder:
		if st.cur == nil {
			m := NewFolderMeta(p.repo, o.path, p.now)
			p.put(st, o.path, &m, []string{o.reason}, false)
		}
	case opSet:
		m := *o.meta
		p.put(st, o.path, &m, nil, false)
	case opDelete:
		p.drop(st, o.path, nil)
	}
	return nil
}

// put sets the entry of path to m and records the change.
func (p *planner) put(st *planState, path string, m *ObjectMeta, reasons []string, differed bool) {
	c := MetadataChange{Action: ChangeAdd, Path: path, Reasons: reasons, ChecksumDiffered: differed, Before: st.cur, After: m}
	if st.cur != nil {
		c.Action = ChangeUpdate
	}
	st.cur = m
	p.change(c)
}

// drop removes the entry of path, if any, and records the change.
func (p *planner) drop(st *planState, path string, reasons []string) {
	if st.cur == nil {
		return
	}
	p.change(MetadataChange{Action: ChangeRemove, Path: path, Reasons: reasons, Before: st.cur})
	st.cur, st.folders = nil, false
}

// fix applies repair's rule (see MetadataBatch.Fix).
func (p *planner) fix(st *planState, o metaOp) {
	keep := func() {
		p.change(MetadataChange{Action: ChangeKeep, Path: o.path, Reasons: []string{ReasonChangedMeanwhile}, Before: st.cur})
	}
	if o.info == nil {
		switch {
		case st.cur == nil:
		case !SameEntry(o.was, st.cur):
			keep()
		default:
			p.drop(st, o.path, []string{ReasonObjectGone})
		}
		return
	}
	if !SameEntry(o.was, st.cur) && (st.cur == nil || !o.verify) {
		if st.cur != nil {
			keep()
		}
		return
	}
	reasons, differed := EntryDiff(st.cur, *o.info)
	if len(reasons) == 0 {
		return
	}
	m := NewObjectMeta(p.repo, *o.info, st.cur, p.now)
	p.put(st, o.path, &m, reasons, differed)
	st.folders = true
}

// addPrune makes folder, the folders above it and every folder entry
// below it candidates for removal.
func (p *planner) addPrune(folder string) error {
	for d := folder; d != ""; d = ParentFolder(d) {
		p.cands[d] = true
	}
	return p.view.Under(folder, func(path string, t EntryType) bool {
		if t == TypeDirectory {
			p.cands[path] = true
		}
		return true
	})
}

// ensureFolders adds an entry for each folder above an entry the batch
// stored that has none, parents first.
func (p *planner) ensureFolders() error {
	need := map[string]bool{}
	for path, st := range p.states {
		if !st.folders || st.cur == nil {
			continue
		}
		for d := ParentFolder(path); d != "" && !need[d]; d = ParentFolder(d) {
			need[d] = true
		}
	}
	for _, d := range slices.Sorted(maps.Keys(need)) {
		st, err := p.state(d)
		if err != nil {
			return err
		}
		if st.cur == nil {
			m := NewFolderMeta(p.repo, d, p.now)
			p.put(st, d, &m, []string{ReasonParentFolder}, false)
			p.folders[ParentFolder(d)] = struct{}{}
		}
	}
	return nil
}

// parentFolders adds the folders ParentFolder asked for that have no
// entry and some entry below them.
func (p *planner) parentFolders() error {
	var below []string // entries the plan has, sorted
	for path, st := range p.states {
		if st.cur != nil {
			below = append(below, path)
		}
	}
	slices.Sort(below)
	for _, d := range p.parents {
		st, err := p.state(d)
		if err != nil {
			return err
		}
		if st.cur != nil {
			continue
		}
		prefix := d + "/"
		alive := false
		if i, _ := slices.BinarySearch(below, prefix); i < len(below) && strings.HasPrefix(below[i], prefix) {
			alive = true
		} else if err := p.view.Under(d, func(path string, _ EntryType) bool {
			if _, touched := p.states[path]; !touched {
				alive = true
			}
			return !alive
		}); err != nil {
			return err
		}
		if alive {
			m := NewFolderMeta(p.repo, d, p.now)
			p.put(st, d, &m, []string{ReasonParentFolder}, false)
			p.folders[ParentFolder(d)] = struct{}{}
			below = append(below, d) // order no longer matters below d
		}
	}
	return nil
}

// prune drops the candidate folders left with no file below them.
func (p *planner) prune() error {
	if len(p.cands) == 0 {
		return nil
	}
	// Files the plan has below any folder, for a quick look first.
	var files []string
	for path, st := range p.states {
		if st.cur != nil && st.cur.Type != TypeDirectory {
			files = append(files, path)
		}
	}
	slices.Sort(files)
	for _, d := range slices.Sorted(maps.Keys(p.cands)) {
		st, err := p.state(d)
		if err != nil {
			return err
		}
		if st.cur == nil || st.cur.Type != TypeDirectory {
			continue
		}
		alive, err := p.holdsFile(d, files)
		if err != nil {
			return err
		}
		if !alive {
			p.drop(st, d, []string{ReasonEmptyFolder})
			p.folders[ParentFolder(d)] = struct{}{}
		}
	}
	return nil
}

// holdsFile reports whether, once the plan is applied, a file lies below
// folder d. files are the plan's own files, sorted.
func (p *planner) holdsFile(d string, files []string) (bool, error) {
	prefix := d + "/"
	if i, _ := slices.BinarySearch(files, prefix); i < len(files) && strings.HasPrefix(files[i], prefix) {
		return true, nil
	}
	alive := false
	err := p.view.Under(d, func(path string, t EntryType) bool {
		if t == TypeDirectory {
			return true
		}
		if _, touched := p.states[path]; touched {
			return true // the plan's own files were looked at above
		}
		alive = true
		return false
	})
	return alive, err
}

// finish lists what changed against the view, in byte order.
func (p *planner) finish() MetadataPlan {
	var plan MetadataPlan
	for path, st := range p.states {
		if st.cur == st.orig {
			continue
		}
		plan.Writes = append(plan.Writes, PlannedEntry{Path: path, Meta: st.cur})
	}
	slices.SortFunc(plan.Writes, func(a, b PlannedEntry) int { return cmp.Compare(a.Path, b.Path) })
	slices.SortStableFunc(p.changes, func(a, b MetadataChange) int { return cmp.Compare(a.Path, b.Path) })
	plan.Result = MetadataResult{Changes: p.changes, Folders: p.folders}
	return plan
}

// Changed reports whether applying the plan alters the document.
func (p MetadataPlan) Changed() bool { return len(p.Writes) > 0 }

// sortedKeys returns m's keys in byte order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

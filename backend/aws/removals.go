package aws

import (
	"sync"

	"github.com/coopterm/coop/backend"
)

// A recursive delete's metadata write drops thousands of entries, and
// its plan read the type of each from the index (a scan of each block of
// them): about a sixth of the CPU of `rm -r` of 10,000 objects, all of it
// after the last batch's answer and before the document's PUT. The store
// now reads those types as each batch's answer comes, from the version
// of the document it holds (no request), while the other batches are in
// flight; the write's plan takes them if it is made against that same
// version (a version's entries never change), and reads the index
// itself for any path they lack, or when the version is another.

// maxRemovalTypes bounds the types kept (the transfer queue writes the
// metadata at the latest once 100,000 changes wait): about 10 MB.
const maxRemovalTypes = 100_000

// removalTypes are the types read ahead for one repository's removals,
// from one version of its document.
type removalTypes struct {
	mu    sync.Mutex
	dir   string // the repository's index folder
	ident string // the version they were read from
	types map[string]removalType
}

// removalType is what the version says of a removed path's entry.
type removalType struct {
	t  backend.EntryType
	ok bool // there is an entry
}

// noteRemoved reads the types of the files of entries S3 removed (those
// not in failed) from the version of repo's document this store holds,
// if it holds one.
func (s *Store) noteRemoved(repo backend.RepoRef, entries []backend.Entry, failed map[string]error) {
	dir := s.indexDir(repo)
	h := s.versions.Current(dir)
	if h == nil {
		return
	}
	defer h.Release()
	r := &s.removed
	// One batch at a time: the index keeps the block it read last, and
	// the lookups of two batches in turn would read their blocks again
	// and again.
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dir != dir || r.ident != h.Ident {
		r.dir, r.ident, r.types = dir, h.Ident, map[string]removalType{}
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if _, bad := failed[e.Path]; bad {
			continue
		}
		if len(r.types) >= maxRemovalTypes {
			return
		}
		t, ok, err := h.EntryType(e.Path)
		if err != nil {
			return // the plan reads it, and fails, itself
		}
		r.types[e.Path] = removalType{t: t, ok: ok}
	}
}

// take returns view with the types read ahead from the version ident of
// the document in dir, and forgets them; view itself if there are none.
func (r *removalTypes) take(dir, ident string, view backend.MetadataView) backend.MetadataView {
	r.mu.Lock()
	defer r.mu.Unlock()
	types := r.types
	if r.dir != dir || r.ident != ident || len(types) == 0 {
		return view
	}
	t, ok := view.(entryTyper)
	if !ok {
		return view
	}
	r.dir, r.ident, r.types = "", "", nil
	return typedView{MetadataView: view, typer: t, types: types}
}

// entryTyper is a view that tells an entry's type without decoding it
// (see backend's metadataTyper).
type entryTyper interface {
	EntryType(path string) (backend.EntryType, bool, error)
}

// typedView is a version of a document with the types of some of its
// entries read ahead.
type typedView struct {
	backend.MetadataView
	typer entryTyper
	types map[string]removalType
}

// EntryType tells path's type as the version does.
func (v typedView) EntryType(path string) (backend.EntryType, bool, error) {
	if t, ok := v.types[path]; ok {
		return t.t, t.ok, nil
	}
	return v.typer.EntryType(path)
}

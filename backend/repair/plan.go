package repair

import (
	"context"
	"errors"

	"github.com/coopterm/coop/backend"
)

// listing is what the store holds: the size of every file, and the folder
// markers of stores that keep them.
type listing struct {
	files   map[string]int64
	markers []string
}

// list walks the whole repository. A repository with no object at all
// (a local one whose folder was never made) is an empty listing.
func list(ctx context.Context, store Store, repo backend.RepoRef, progress func(Progress)) (listing, error) {
	l := listing{files: map[string]int64{}}
	err := backend.Walk(ctx, store, repo, "", func(page []backend.Entry) error {
		for _, e := range page {
			if e.IsDir() {
				l.markers = append(l.markers, e.Path)
			} else {
				l.files[e.Path] = e.Size
			}
		}
		progress(Progress{Phase: "list", Done: len(l.files)})
		return ctx.Err()
	})
	if errors.Is(err, backend.ErrNotFound) && ctx.Err() == nil {
		// The repository exists (Run checked): it has no folder yet.
		return listing{files: map[string]int64{}}, nil
	}
	return l, err
}

// readItem is an object to read, with its entry in the snapshot (nil if
// it had none).
type readItem struct {
	path string
	snap *backend.ObjectMeta
}

// fix is a change planned against the snapshot: info is the object as
// read (nil: the object is gone and its entry goes too), snap its entry
// then (nil if none).
type fix struct {
	path string
	snap *backend.ObjectMeta
	info *backend.ObjectInfo
}

// planned is what the snapshot and the listing call for.
type planned struct {
	reads    []readItem
	removals []fix
	markers  []string // folder markers with no entry
}

// plan compares the snapshot with the listing: objects without an entry,
// recorded as folders or of another size are to be read (every object
// with verify), file entries without an object are to be removed.
func plan(snap backend.SourceMetadata, l listing, verify bool) planned {
	var p planned
	for name, size := range l.files {
		m, ok := snap.Objects[name]
		if !ok {
			p.reads = append(p.reads, readItem{path: name})
			continue
		}
		if verify || m.Type == backend.TypeDirectory || m.Size != size {
			p.reads = append(p.reads, readItem{path: name, snap: &m})
		}
	}
	for name, m := range snap.Objects {
		if m.Type == backend.TypeDirectory {
			continue
		}
		if _, ok := l.files[name]; !ok {
			p.removals = append(p.removals, fix{path: name, snap: &m})
		}
	}
	for _, d := range l.markers {
		if _, ok := snap.Objects[d]; !ok {
			p.markers = append(p.markers, d)
		}
	}
	return p
}

package repair

import (
	"context"
	"errors"
	"strings"

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

// compare says how entry m (nil if none) differs from the object read as
// info: the reasons to replace it, none if it is right. differed is set
// when a recorded checksum differs from the content of an object of the
// recorded size.
func compare(m *backend.ObjectMeta, info backend.ObjectInfo) (reasons []string, differed bool) {
	switch {
	case m == nil:
		return []string{ReasonNoEntry}, false
	case m.Type == backend.TypeDirectory:
		return []string{ReasonRecordedAsFolder}, false
	case m.Size != info.Size:
		return []string{ReasonSizeDiffers}, false
	}
	switch {
	case m.Checksum == "":
		reasons = append(reasons, ReasonChecksumMissing)
	case backend.CompareSHA256(m.Checksum, info.Checksum) == backend.ChecksumDiffers:
		reasons, differed = append(reasons, ReasonChecksumDiffers), true
	}
	switch {
	case m.CRC32C == "":
		reasons = append(reasons, ReasonCRC32CMissing)
	case !strings.EqualFold(m.CRC32C, info.CRC32C):
		reasons, differed = append(reasons, ReasonCRC32CDiffers), true
	}
	return reasons, differed
}

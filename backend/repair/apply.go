package repair

import (
	"strings"
	"time"

	"github.com/coopterm/coop/backend"
)

// applier applies planned fixes to a metadata document. It depends only
// on its fields and the document, so that UpdateMetadata may run it more
// than once (after losing a race to another writer).
type applier struct {
	repo    backend.RepoRef
	fixes   []fix
	markers []string
	verify  bool
	now     time.Time
}

// apply changes doc and returns what it changed, and the fixes it did not
// make because another writer changed the entry since the snapshot.
func (a applier) apply(doc *backend.SourceMetadata) (changes, kept []Change) {
	if doc.Objects == nil {
		doc.Objects = map[string]backend.ObjectMeta{}
	}
	for _, f := range a.fixes {
		cur, has := doc.Objects[f.path]
		var curp *backend.ObjectMeta
		if has {
			curp = &cur
		}
		if f.info == nil { // the object is gone
			switch {
			case !has:
				// removed meanwhile: nothing left to do
			case !sameEntry(f.snap, curp):
				kept = append(kept, keep(f.path, curp))
			default:
				delete(doc.Objects, f.path)
				changes = append(changes, Change{Action: Remove, Path: f.path, Type: cur.Type,
					Reasons: []string{ReasonObjectGone}, Before: curp})
			}
			continue
		}
		if !sameEntry(f.snap, curp) {
			// Another writer recorded or changed the entry since the
			// snapshot: it knows better, unless its checksum is wrong.
			if !has || !a.verify {
				if has {
					kept = append(kept, keep(f.path, curp))
				}
				continue
			}
		}
		reasons, differed := compare(curp, *f.info)
		if len(reasons) == 0 {
			continue
		}
		m := backend.NewObjectMeta(a.repo, *f.info, curp, a.now)
		doc.Objects[f.path] = m
		c := Change{Action: Update, Path: f.path, Type: backend.TypeFile, Reasons: reasons,
			ChecksumDiffered: differed, Before: curp, After: &m}
		if !has {
			c.Action = Add
		}
		changes = append(changes, c)
	}
	for _, d := range a.markers {
		if _, ok := doc.Objects[d]; !ok {
			changes = append(changes, a.addFolder(doc, d, ReasonFolderInStore))
		}
	}
	// Every entry's folders have entries.
	names := make([]string, 0, len(doc.Objects))
	for k := range doc.Objects {
		names = append(names, k)
	}
	for _, k := range names {
		for d := backend.ParentFolder(k); d != ""; d = backend.ParentFolder(d) {
			if _, ok := doc.Objects[d]; ok {
				break // and so have the folders above it
			}
			changes = append(changes, a.addFolder(doc, d, ReasonParentFolder))
		}
	}
	return changes, kept
}

// missingFolders reports whether some entry's folder has no entry.
func missingFolders(doc backend.SourceMetadata) bool {
	for k := range doc.Objects {
		if d := backend.ParentFolder(k); d != "" {
			if _, ok := doc.Objects[d]; !ok {
				return true
			}
		}
	}
	return false
}

// addFolder adds a folder entry as the transfer queue makes them.
func (a applier) addFolder(doc *backend.SourceMetadata, d, reason string) Change {
	m := backend.NewFolderMeta(a.repo, d, a.now)
	doc.Objects[d] = m
	return Change{Action: Add, Path: d, Type: backend.TypeDirectory, Reasons: []string{reason}, After: &m}
}

// keep reports a fix not made because of entry cur.
func keep(p string, cur *backend.ObjectMeta) Change {
	return Change{Action: Keep, Path: p, Type: cur.Type, Reasons: []string{ReasonChangedMeanwhile}, Before: cur}
}

// sameEntry reports whether two entries (nil for none) are the same
// record: nobody rewrote it in between.
func sameEntry(a, b *backend.ObjectMeta) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID && a.Type == b.Type && a.Size == b.Size && a.MimeType == b.MimeType &&
		strings.EqualFold(a.Checksum, b.Checksum) && strings.EqualFold(a.CRC32C, b.CRC32C) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

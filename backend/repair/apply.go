package repair

import (
	"time"

	"github.com/coopterm/coop/backend"
)

// Action is what a repair does, or would do, to one entry.
type Action = backend.ChangeAction

// Actions of a Change.
const (
	Add    = backend.ChangeAdd
	Remove = backend.ChangeRemove
	Update = backend.ChangeUpdate
	// Keep is a change not made: another writer changed the entry after
	// the repair read the metadata, and its entry is kept.
	Keep = backend.ChangeKeep
)

// Reasons given in Change.Reasons: the metadata rules' own
// (backend.Reason*), and the one a rebuild adds.
const (
	ReasonNoEntry          = backend.ReasonNoEntry
	ReasonObjectGone       = backend.ReasonObjectGone
	ReasonRecordedAsFolder = backend.ReasonRecordedAsFolder
	ReasonSizeDiffers      = backend.ReasonSizeDiffers
	ReasonChecksumDiffers  = backend.ReasonChecksumDiffers
	ReasonChecksumMissing  = backend.ReasonChecksumMissing
	ReasonCRC32CDiffers    = backend.ReasonCRC32CDiffers
	ReasonCRC32CMissing    = backend.ReasonCRC32CMissing
	ReasonFolderInStore    = backend.ReasonFolderInStore
	ReasonParentFolder     = backend.ReasonParentFolder
	ReasonChangedMeanwhile = backend.ReasonChangedMeanwhile
	ReasonUnreadableKept   = "the unreadable metadata file, kept as it was"
)

// Change is one entry added, removed, updated or (Keep) left alone.
type Change = backend.MetadataChange

// batch turns planned fixes into a metadata batch: each fix is a
// backend.MetadataBatch.Fix (made only if the entry is still the one
// planned against), each folder marker and each missing folder an
// AddFolder, each folder missing above an entry a ParentFolder. The
// batch's rules add the folders above the entries fixed.
func batch(fixes []fix, markers, missing []string, verify bool, now time.Time) *backend.MetadataBatch {
	b := backend.NewMetadataBatch(now)
	for _, f := range fixes {
		b.Fix(f.path, f.snap, f.info, verify)
	}
	for _, d := range markers {
		b.AddFolder(d, ReasonFolderInStore)
	}
	for _, d := range missing {
		b.ParentFolder(d)
	}
	return b
}

// split parts a result's changes into the ones made and the ones kept.
func split(res backend.MetadataResult) (changes, kept []Change) {
	for _, c := range res.Changes {
		if c.Action == Keep {
			kept = append(kept, c)
		} else {
			changes = append(changes, c)
		}
	}
	return changes, kept
}

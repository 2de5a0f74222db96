package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// MetadataBatch is a set of changes to one repository's metadata
// document, applied together by MetadataClient.UpdateMetadata. Its
// methods are the rules by which coop keeps a document matching the
// objects — the transfer queue, repair, the demo and the contract checks
// all record changes through them — and each change is worked out
// against the document as it is when the batch is applied (see Plan), so
// a store may apply a batch again after losing a race to another writer.
//
// A batch is built by one goroutine and then handed to UpdateMetadata,
// which does not change it.
type MetadataBatch struct {
	now  time.Time
	ops  []metaOp
	base MetadataBase
	head map[string]json.RawMessage // SetHeadField; a nil value removes
}

// MetadataBase streams the entries a document should start with when a
// repository has none yet: one entry for each object already stored (as
// repo repair records them), so that the first write never leaves a
// partial document. A store calls it only when there is no document, and
// may call it again if it loses a race.
type MetadataBase func(ctx context.Context, emit func(e MetadataEntry) error) error

type opKind uint8

const (
	opStored opKind = iota
	opRemoved
	opPrune
	opFix
	opAddFolder
	opParentFolder
	opSet
	opDelete
)

type metaOp struct {
	kind   opKind
	path   string
	info   *ObjectInfo // opStored, opFix (nil: the object is gone)
	was    *ObjectMeta // opFix: the entry the fix was worked out against
	meta   *ObjectMeta // opSet
	verify bool        // opFix
	reason string      // opAddFolder
}

// NewMetadataBatch starts an empty batch whose new entries are stamped
// now (the time of the write if now is zero).
func NewMetadataBatch(now time.Time) *MetadataBatch {
	return &MetadataBatch{now: now}
}

// Len is the number of changes in the batch, top-level fields included
// (a base not counted).
func (b *MetadataBatch) Len() int { return len(b.ops) + len(b.head) }

// Empty reports whether applying the batch can change nothing.
func (b *MetadataBatch) Empty() bool { return len(b.ops) == 0 && len(b.head) == 0 }

// Stored records an object just written as info describes it: a fresh
// entry that keeps the id, creation time, custom metadata and unknown
// fields of the entry it replaces, and a folder entry for each folder
// above it that has none.
func (b *MetadataBatch) Stored(info ObjectInfo) {
	i := info
	b.ops = append(b.ops, metaOp{kind: opStored, path: info.Path, info: &i})
}

// Removed records an object deleted: its entry goes, and so does the
// entry of each folder above it left with no file below it.
func (b *MetadataBatch) Removed(path string) {
	b.ops = append(b.ops, metaOp{kind: opRemoved, path: path})
}

// Prune drops the entries of folder, of every folder below it and of
// every folder above it that are left with no file below them, as after
// a recursive delete ("" prunes the whole repository).
func (b *MetadataBatch) Prune(folder string) {
	b.ops = append(b.ops, metaOp{kind: opPrune, path: folder})
}

// Fix is repair's change, worked out against entry was (nil if there was
// none) of path: if the entry is still was, it is replaced by one for
// the object as info describes it — only where they differ (see
// EntryDiff) — or removed if info is nil (the object is gone). If
// another writer changed the entry meanwhile, the fix is not made (a
// ChangeKeep), unless verify is set, the object is recorded and its
// entry still differs from its content.
func (b *MetadataBatch) Fix(path string, was *ObjectMeta, info *ObjectInfo, verify bool) {
	op := metaOp{kind: opFix, path: path, verify: verify}
	if was != nil {
		w := *was
		op.was = &w
	}
	if info != nil {
		i := *info
		op.info = &i
	}
	b.ops = append(b.ops, op)
}

// AddFolder records a folder entry for path unless it has an entry;
// reason is reported with the change.
func (b *MetadataBatch) AddFolder(path, reason string) {
	b.ops = append(b.ops, metaOp{kind: opAddFolder, path: path, reason: reason})
}

// ParentFolder records a folder entry for path unless it has one, if
// some entry lies below it once the batch is applied: repair's fix for a
// folder missing above entries others wrote.
func (b *MetadataBatch) ParentFolder(path string) {
	b.ops = append(b.ops, metaOp{kind: opParentFolder, path: path})
}

// Set sets the entry of path to m as it is, with no other rule applied.
func (b *MetadataBatch) Set(path string, m ObjectMeta) {
	b.ops = append(b.ops, metaOp{kind: opSet, path: path, meta: &m})
}

// Delete removes the entry of path, if any, with no other rule applied.
func (b *MetadataBatch) Delete(path string) {
	b.ops = append(b.ops, metaOp{kind: opDelete, path: path})
}

// SetBase gives the entries a repository with no document starts with
// (see MetadataBase).
func (b *MetadataBatch) SetBase(base MetadataBase) { b.base = base }

// Base is what SetBase gave, or nil.
func (b *MetadataBatch) Base() MetadataBase { return b.base }

// Paths lists the paths the batch names, in its order.
func (b *MetadataBatch) Paths() []string {
	out := make([]string, len(b.ops))
	for i, o := range b.ops {
		out[i] = o.path
	}
	return out
}

// Validate checks the paths the batch names. A path is only a key of the
// document, so any key another tool may have written is accepted (repair
// must be able to drop it), but not an empty one (except to prune the
// whole repository), one with NUL, or one longer than any object path.
// It checks the top-level fields the batch sets too (see SetHeadField).
func (b *MetadataBatch) Validate() error {
	if err := b.validateHead(); err != nil {
		return err
	}
	for _, o := range b.ops {
		switch {
		case o.path == "" && o.kind != opPrune:
			return fmt.Errorf("%w metadata path: empty", ErrInvalid)
		case len(o.path) > MaxPathBytes:
			return fmt.Errorf("%w metadata path: longer than %d bytes", ErrInvalid, MaxPathBytes)
		case strings.ContainsRune(o.path, 0):
			return fmt.Errorf("%w metadata path %q: contains NUL", ErrInvalid, o.path)
		}
	}
	return nil
}

// ChangeAction is what applying a batch did to one entry.
type ChangeAction string

// Actions of a MetadataChange.
const (
	ChangeAdd    ChangeAction = "add"
	ChangeRemove ChangeAction = "remove"
	ChangeUpdate ChangeAction = "update"
	// ChangeKeep is a Fix not made: another writer changed the entry
	// after the fix was worked out, and its entry is kept.
	ChangeKeep ChangeAction = "keep"
)

// Reasons given in MetadataChange.Reasons.
const (
	ReasonNoEntry          = "no entry"
	ReasonObjectGone       = "object gone"
	ReasonRecordedAsFolder = "recorded as a folder"
	ReasonSizeDiffers      = "size differs"
	ReasonChecksumDiffers  = "checksum differs"
	ReasonChecksumMissing  = "checksum missing"
	ReasonCRC32CDiffers    = "crc32c differs"
	ReasonCRC32CMissing    = "crc32c missing"
	ReasonFolderInStore    = "folder in the store"
	ReasonParentFolder     = "parent folder"
	ReasonEmptyFolder      = "folder left empty"
	ReasonChangedMeanwhile = "changed by another writer during the repair"
)

// MetadataChange is one entry added, removed, updated or (ChangeKeep)
// left alone by a batch.
type MetadataChange struct {
	Action  ChangeAction `json:"action"`
	Path    string       `json:"path"`
	Type    EntryType    `json:"type"`
	Reasons []string     `json:"reasons"`
	// ChecksumDiffered is set when a recorded SHA-256 or CRC-32C differs
	// from the content of an object of the recorded size: the object was
	// changed without its entry, or damaged. It deserves a look.
	ChecksumDiffered bool `json:"checksum_differed,omitempty"`
	// Before is the entry as it was. For an entry a Removed dropped it
	// may hold the Type alone, one value shared by such changes (see
	// metadataTyper).
	Before *ObjectMeta `json:"before,omitempty"`
	After  *ObjectMeta `json:"after,omitempty"`
}

// MetadataResult is what applying a batch did.
type MetadataResult struct {
	// Changes are in byte order of paths.
	Changes []MetadataChange
	// Folders are the folders whose listings the batch may have altered:
	// the folder of each path it names, and the folder holding each
	// folder whose entry it added or dropped.
	Folders map[string]struct{}
	// Written says whether the document was written (an empty batch, or
	// one that changes nothing, writes nothing).
	Written bool
}

package backend

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Optional capabilities a store may add to StorageClient. The transfer
// queue (backend/transfer) uses them when a store has them and falls back
// to the four StorageClient calls when it does not, so a wrapper (an
// access-control layer, say) that forwards only StorageClient still works,
// only slower; a wrapper that checks permissions should forward these too.

// ErrObjectExists is what PutObjectIfAbsent returns when an object is
// already stored under the name. It is also ErrExists, but a file/folder
// name clash (ErrExists alone) is not ErrObjectExists: only this one is an
// overwrite a user can be asked about.
var ErrObjectExists = fmt.Errorf("%w: an object is already stored under this name", ErrExists)

// MaxDeleteBatch is the most paths one DeleteObjects call takes: one S3
// DeleteObjects request.
const MaxDeleteBatch = 1000

// ConditionalPutter stores an object only if none is there yet, in one
// atomic step, so that two writers cannot both believe they created it.
type ConditionalPutter interface {
	// PutObjectIfAbsent is PutObject, except that it fails with
	// ErrObjectExists, storing nothing, when path already holds an object.
	PutObjectIfAbsent(ctx context.Context, repo RepoRef, path string, r io.Reader, size int64) (ObjectInfo, error)
}

// BatchDeleter removes many objects per request.
type BatchDeleter interface {
	// DeleteObjects removes up to MaxDeleteBatch entries, as listed by
	// WalkObjects (a folder entry removes that folder's marker, if the
	// store has such things). It returns the error of each entry that could
	// not be removed, keyed by its Path; an entry already gone counts as
	// removed. err is set when the request as a whole failed, and then
	// nothing is known to be removed.
	DeleteObjects(ctx context.Context, repo RepoRef, entries []Entry) (failed map[string]error, err error)
}

// ObjectWalker lists every object under a folder, at any depth, without a
// request per folder.
type ObjectWalker interface {
	// WalkObjects calls fn with successive pages of the objects under
	// folder ("" for the whole repository), files as TypeFile entries and
	// folder markers (stores that keep them) as TypeDirectory entries, in
	// no particular order across pages. The metadata file is never
	// listed. A folder with nothing under it is ErrNotFound. An error from
	// fn stops the walk and is returned.
	WalkObjects(ctx context.Context, repo RepoRef, folder string, fn func(page []Entry) error) error
}

// IncompleteCleaner removes what interrupted writes left behind:
// temporary files of a killed process, unfinished multipart uploads.
type IncompleteCleaner interface {
	// CleanIncomplete removes leftovers under folder ("" for the whole
	// repository) that no live writer is using. Where a store cannot tell
	// (S3 multipart uploads), only leftovers started more than olderThan
	// ago are removed. It returns how many it removed.
	CleanIncomplete(ctx context.Context, repo RepoRef, folder string, olderThan time.Duration) (int, error)
}

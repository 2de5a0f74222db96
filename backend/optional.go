package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Optional capabilities a store may add to StorageClient. The functions
// PutObjectIfAbsent, DeleteBatch, Walk, CleanIncomplete, GetObjectRange
// and RebuildMetadata below use them when a store offers them (see
// CapabilitiesOf) and fall back to the plain StorageClient calls when it
// does not. A wrapper (the access-control layer, say) offers exactly the
// capabilities of the store it wraps, no more, by implementing Capable:
// otherwise code that chooses a path by capability (ranged downloads,
// batch deletes) would be told of one the store underneath lacks.

// Capabilities are the optional capabilities a store offers, each nil
// when it does not offer it.
type Capabilities struct {
	ConditionalPut  ConditionalPutter
	BatchDelete     BatchDeleter
	Walk            ObjectWalker
	CleanIncomplete IncompleteCleaner
	RangeGet        RangeGetter
	RebuildMetadata MetadataRebuilder
	Presign         Presigner
	HeadGet         HeadGetter
	StatFile        FileStatter
	Warm            Warmer
	GatedPut        GatedPutter
}

// Capable is a store that reports its optional capabilities instead of
// implementing their interfaces itself: a wrapper, whose offer depends on
// the store it wraps.
type Capable interface {
	Capabilities() Capabilities
}

// CapabilitiesOf returns the optional capabilities s offers: what a
// Capable store reports, else the capability interfaces s implements.
func CapabilitiesOf(s any) Capabilities {
	if c, ok := s.(Capable); ok {
		return c.Capabilities()
	}
	var c Capabilities
	c.ConditionalPut, _ = s.(ConditionalPutter)
	c.BatchDelete, _ = s.(BatchDeleter)
	c.Walk, _ = s.(ObjectWalker)
	c.CleanIncomplete, _ = s.(IncompleteCleaner)
	c.RangeGet, _ = s.(RangeGetter)
	c.RebuildMetadata, _ = s.(MetadataRebuilder)
	c.Presign, _ = s.(Presigner)
	c.HeadGet, _ = s.(HeadGetter)
	c.StatFile, _ = s.(FileStatter)
	c.Warm, _ = s.(Warmer)
	c.GatedPut, _ = s.(GatedPutter)
	return c
}

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
	// byte order of their keys (a marker is where "name/" sorts), as
	// ListObjectsV2 gives them. The metadata file is never
	// listed. A folder with nothing under it is ErrNotFound. An error from
	// fn stops the walk and is returned.
	WalkObjects(ctx context.Context, repo RepoRef, folder string, fn func(page []Entry) error) error
}

// IncompleteCleaner removes what interrupted writes left behind:
// temporary files of a killed process, unfinished multipart uploads.
type IncompleteCleaner interface {
	// CleanIncomplete removes leftovers in folder ("" for the root), and
	// in the folders below it if recursive, that no live writer is using.
	// Where a store cannot tell (S3 multipart uploads), only leftovers
	// started more than olderThan ago are removed. It returns how many it
	// removed.
	CleanIncomplete(ctx context.Context, repo RepoRef, folder string, recursive bool, olderThan time.Duration) (int, error)
}

// MaxPresignExpiry is the longest a presigned URL can last: seven days,
// the most an S3 signature (SigV4) allows.
const MaxPresignExpiry = 7 * 24 * time.Hour

// Presigner makes HTTPS links to one object that anyone holding them can
// open, without credentials, until they expire: S3's presigned GET URLs.
// A local store has none (its files are not served over HTTP).
type Presigner interface {
	// PresignGetObject returns a URL that reads the object at path for
	// expiry (a second to MaxPresignExpiry; ErrInvalid otherwise). An
	// object that is not there is ErrNotFound: no link is made to it.
	PresignGetObject(ctx context.Context, repo RepoRef, path string, expiry time.Duration) (string, error)
}

// PresignGetObject makes a link to the object at path on a Presigner;
// other stores cannot make one (errors.ErrUnsupported).
func PresignGetObject(ctx context.Context, s any, repo RepoRef, path string, expiry time.Duration) (string, error) {
	if p := CapabilitiesOf(s).Presign; p != nil {
		return p.PresignGetObject(ctx, repo, path, expiry)
	}
	return "", fmt.Errorf("link to %s/%s: this store cannot make links anyone can open: %w", repo, path, errors.ErrUnsupported)
}

// PutObjectIfAbsent stores r under path unless an object is already
// there (ErrObjectExists): in one atomic step on a ConditionalPutter, else
// by StatObject then PutObject, between which another writer can slip in.
func PutObjectIfAbsent(ctx context.Context, s StorageClient, repo RepoRef, path string, r io.Reader, size int64) (ObjectInfo, error) {
	if cp := CapabilitiesOf(s).ConditionalPut; cp != nil {
		return cp.PutObjectIfAbsent(ctx, repo, path, r, size)
	}
	if _, err := s.StatObject(ctx, repo, path); err == nil {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", repo, path, ErrObjectExists)
	} else if !errors.Is(err, ErrNotFound) {
		return ObjectInfo{}, err
	}
	return s.PutObject(ctx, repo, path, r, size)
}

// DeleteBatch removes up to MaxDeleteBatch entries (as Walk gives them):
// with one request on a BatchDeleter, else with one DeleteObject per
// file (folder entries are left to the store). It reports failures as
// BatchDeleter.DeleteObjects does; a file already gone counts as removed.
func DeleteBatch(ctx context.Context, s StorageClient, repo RepoRef, entries []Entry) (map[string]error, error) {
	if bd := CapabilitiesOf(s).BatchDelete; bd != nil {
		return bd.DeleteObjects(ctx, repo, entries)
	}
	if len(entries) > MaxDeleteBatch {
		return nil, fmt.Errorf("%w delete batch: %d entries, at most %d", ErrInvalid, len(entries), MaxDeleteBatch)
	}
	failed := map[string]error{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if err := ctx.Err(); err != nil {
			return failed, err
		}
		if err := s.DeleteObject(ctx, repo, e.Path); err != nil && !errors.Is(err, ErrNotFound) {
			failed[e.Path] = err
		}
	}
	return failed, nil
}

// ObjectLister lists one folder level: the one StorageClient call that
// Walk needs, so that a reader that lists and nothing more can walk.
type ObjectLister interface {
	// ListObjects is StorageClient.ListObjects.
	ListObjects(ctx context.Context, repo RepoRef, folder string, req PageRequest) (Page[Entry], error)
}

// Walk calls fn with pages of every object under folder: with one listing
// of the whole prefix on an ObjectWalker, else folder by folder with
// ListObjects (files only; links to folders, links that are not followed,
// and folders whose path would be too long to address are not entered),
// a folder's files before its subfolders', so that what is near comes
// first. WalkSorted gives them in byte order of paths.
func Walk(ctx context.Context, s ObjectLister, repo RepoRef, folder string, fn func([]Entry) error) error {
	if w := CapabilitiesOf(s).Walk; w != nil {
		return w.WalkObjects(ctx, repo, folder, fn)
	}
	return walkFolders(ctx, s, repo, folder, fn)
}

// WalkSorted is Walk in byte order of paths (an ObjectWalker's folder
// markers come where "name/" sorts), as a walk beside a sorted document
// (repair) needs.
func WalkSorted(ctx context.Context, s ObjectLister, repo RepoRef, folder string, fn func([]Entry) error) error {
	if w := CapabilitiesOf(s).Walk; w != nil {
		return w.WalkObjects(ctx, repo, folder, fn)
	}
	return walkFoldersSorted(ctx, s, repo, folder, fn)
}

// walkFoldersSorted walks folder by folder, in byte order of paths: a child
// folder's files come after the names of its folder that sort between it
// and its contents ("a", "a.txt", then "a/b"), which ListObjects, sorting
// by name, gives before them.
func walkFoldersSorted(ctx context.Context, s ObjectLister, repo RepoRef, folder string, fn func([]Entry) error) error {
	var (
		files    []Entry
		deferred []string // child folders, by path+"/"
	)
	emit := func() error {
		if len(files) == 0 {
			return nil
		}
		err := fn(files)
		files = nil
		return err
	}
	// enter walks the deferred folders whose contents sort before upto
	// ("" for all of them).
	enter := func(upto string) error {
		for len(deferred) > 0 && (upto == "" || deferred[0]+"/" < upto) {
			sub := deferred[0]
			deferred = deferred[1:]
			if err := emit(); err != nil {
				return err
			}
			if err := walkFoldersSorted(ctx, s, repo, sub, fn); err != nil {
				return err
			}
		}
		return nil
	}
	req := PageRequest{}
	for {
		page, err := s.ListObjects(ctx, repo, folder, req)
		if err != nil {
			return err
		}
		for _, e := range page.Items {
			switch {
			case e.IsLink() || !e.Addressable():
				// not an object coop can copy, delete or record
			case !e.IsDir():
				if err := enter(e.Path); err != nil {
					return err
				}
				files = append(files, e)
			case !e.Link && len(e.Path)+2 < MaxPathBytes:
				i, _ := slices.BinarySearchFunc(deferred, e.Path, func(d, p string) int { return strings.Compare(d+"/", p+"/") })
				deferred = slices.Insert(deferred, i, e.Path)
			}
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	if err := enter(""); err != nil {
		return err
	}
	return emit()
}

// CleanIncomplete removes what interrupted writes left under folder, on
// stores that can (IncompleteCleaner); on others it does nothing.
func CleanIncomplete(ctx context.Context, s StorageClient, repo RepoRef, folder string, recursive bool, olderThan time.Duration) (int, error) {
	if c := CapabilitiesOf(s).CleanIncomplete; c != nil {
		return c.CleanIncomplete(ctx, repo, folder, recursive, olderThan)
	}
	return 0, nil
}

// ErrObjectChanged is what a ranged read returns when the object was
// replaced since its ETag was taken: the parts would not fit together.
var ErrObjectChanged = errors.New("object changed while it was being read")

// RangeGetter reads part of an object, so that a large object can be
// fetched as several ranges at once.
type RangeGetter interface {
	// GetObjectRange opens length bytes of path from offset (all the rest
	// if length < 0). With a non-empty etag it fails with ErrObjectChanged
	// if the object no longer has that ETag.
	GetObjectRange(ctx context.Context, repo RepoRef, path string, offset, length int64, etag string) (io.ReadCloser, error)
}

// Warmer is a store that can open connections ahead of a wave of object
// requests it is about to be sent: a transfer queue about to start n
// files at once asks for n while it still waits for something else (the
// repository's lookup), so that at a distance the files do not each wait
// a round trip more for their connection's handshake.
type Warmer interface {
	// WarmUp opens, in the background, connections for object requests
	// until n have been opened ahead in all (within the store's bound);
	// those left unused a few seconds are closed.
	WarmUp(n int)
}

// HeadGetter reads an object's first bytes and what the store knows of
// it with one request, so that a caller that needs both (coop stat: the
// object's size and times, and its content's first bytes) waits one
// round trip, not two.
type HeadGetter interface {
	// GetObjectHead returns the first n bytes of path (all of it if it
	// is shorter) and the object's size, times, content type and ETag.
	// The checksum is not among them: a ranged read does not carry it.
	GetObjectHead(ctx context.Context, repo RepoRef, path string, n int64) ([]byte, ObjectInfo, error)
}

// FileStatter looks an object up by its exact name, without asking
// whether the name is a folder as StatObject does when there is no
// object: for a caller that lists the folder itself, beside it (coop
// download and rm tell a file from a folder so), and would otherwise
// leave a listing in flight that nothing waits for.
type FileStatter interface {
	// StatFile returns what the store knows of the object named path,
	// as StatObject does, or ErrNotFound if there is none (a folder
	// of that name included). A lazily checked store does not check
	// its bucket on that ErrNotFound: the caller's listing beside it
	// answers for the bucket.
	StatFile(ctx context.Context, repo RepoRef, path string) (ObjectInfo, error)
}

// GetObjectRange opens part of an object: with a ranged request on a
// RangeGetter, else by opening the object and seeking (or skipping) to
// offset.
func GetObjectRange(ctx context.Context, s StorageClient, repo RepoRef, path string, offset, length int64, etag string) (io.ReadCloser, error) {
	if rg := CapabilitiesOf(s).RangeGet; rg != nil {
		return rg.GetObjectRange(ctx, repo, path, offset, length, etag)
	}
	rc, info, err := s.GetObject(ctx, repo, path)
	if err != nil {
		return nil, err
	}
	if etag != "" && info.ETag != "" && info.ETag != etag {
		rc.Close()
		return nil, fmt.Errorf("read %s/%s: %w", repo, path, ErrObjectChanged)
	}
	if sk, ok := rc.(io.Seeker); ok {
		_, err = sk.Seek(offset, io.SeekStart)
	} else {
		_, err = io.CopyN(io.Discard, rc, offset)
	}
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("read %s/%s at %d: %w", repo, path, offset, err)
	}
	if length < 0 {
		return rc, nil
	}
	return limitedCloser{Reader: io.LimitReader(rc, length), Closer: rc}, nil
}

type limitedCloser struct {
	io.Reader
	io.Closer
}

// ErrMetadataChanged is what RebuildMetadata returns when the metadata
// file is no longer the unreadable one it read: another writer fixed or
// replaced it, and nothing is written over it.
var ErrMetadataChanged = errors.New("metadata file changed meanwhile")

// CorruptMetadataName is the name, at the repository root, under which a
// rebuild keeps an unreadable metadata file made at t: visible in
// listings, so that whoever looks after the repository sees it and can
// inspect or delete it.
func CorruptMetadataName(t time.Time) string {
	return ".source-metadata.corrupt-" + t.UTC().Format("20060102T150405Z") + ".json"
}

// MetadataRebuilder replaces an unreadable metadata file by a document
// built afresh, keeping the unreadable bytes as an object, and writes it
// only if the file is still the one it read.
type MetadataRebuilder interface {
	// RebuildMetadata reads the metadata file, which must be unreadable:
	// a readable one fails with ErrMetadataChanged, a missing one with
	// ErrMetadataMissing. It calls build with the file's bytes; then, if
	// the file still holds those bytes, it stores them unchanged as the
	// object backup (never replacing an object: ErrObjectExists) and
	// writes the document build returned, with an entry for backup, which
	// it returns. If the file changed in between it writes nothing over
	// it (ErrMetadataChanged); a store that cannot make both steps one
	// may leave the backup object behind, and its error says so.
	RebuildMetadata(ctx context.Context, repo RepoRef, backup string, build func(raw []byte) (SourceMetadata, error)) (ObjectMeta, error)
}

// RebuildMetadata rebuilds repo's unreadable metadata file on a
// MetadataRebuilder (see there); other stores cannot, and say so.
func RebuildMetadata(ctx context.Context, s StorageClient, repo RepoRef, backup string, build func(raw []byte) (SourceMetadata, error)) (ObjectMeta, error) {
	if rb := CapabilitiesOf(s).RebuildMetadata; rb != nil {
		return rb.RebuildMetadata(ctx, repo, backup, build)
	}
	return ObjectMeta{}, fmt.Errorf("rebuild metadata of %s: %w: this store cannot rebuild a metadata file", repo, errors.ErrUnsupported)
}

func walkFolders(ctx context.Context, s ObjectLister, repo RepoRef, folder string, fn func([]Entry) error) error {
	var subs []string
	req := PageRequest{}
	for {
		page, err := s.ListObjects(ctx, repo, folder, req)
		if err != nil {
			return err
		}
		files := make([]Entry, 0, len(page.Items))
		for _, e := range page.Items {
			switch {
			case e.IsLink() || !e.Addressable():
				// not an object coop can copy, delete or record
			case !e.IsDir():
				files = append(files, e)
			case !e.Link && len(e.Path)+2 < MaxPathBytes:
				subs = append(subs, e.Path)
			}
		}
		if len(files) > 0 {
			if err := fn(files); err != nil {
				return err
			}
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	for _, sub := range subs {
		if err := walkFolders(ctx, s, repo, sub, fn); err != nil {
			return err
		}
	}
	return nil
}

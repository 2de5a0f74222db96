package access

import (
	"context"
	"io"
	"time"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// The optional capabilities of backend (see backend/optional.go), checked
// like the calls they stand for and passed on to the wrapped store, so
// that the transfer queue keeps its conditional writes, batch deletes and
// single-listing walks behind the access layer.
var (
	_ backend.ConditionalPutter = (*Store)(nil)
	_ backend.BatchDeleter      = (*Store)(nil)
	_ backend.ObjectWalker      = (*Store)(nil)
	_ backend.IncompleteCleaner = (*Store)(nil)
	_ backend.RangeGetter       = (*Store)(nil)
	_ backend.MetadataRebuilder = (*Store)(nil)
)

// PutObjectIfAbsent stores an object, unless one is there, in a
// repository the caller may write to, and records the upload (or the
// refusal).
func (s *Store) PutObjectIfAbsent(ctx context.Context, repo backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	var info backend.ObjectInfo
	err := s.need(ctx, repo, ReadWrite, "upload to")
	if err == nil {
		info, err = backend.PutObjectIfAbsent(ctx, s.base, repo, path, r, size)
	}
	s.record(audit.ActionUpload, targetPath(repo, path), info.Size, info.Checksum, err)
	return info, err
}

// DeleteObjects removes a batch of objects from a repository the caller
// may write to, and records each deletion (or the refusal).
func (s *Store) DeleteObjects(ctx context.Context, repo backend.RepoRef, entries []backend.Entry) (map[string]error, error) {
	err := s.need(ctx, repo, ReadWrite, "delete from")
	var failed map[string]error
	if err == nil {
		failed, err = backend.DeleteBatch(ctx, s.base, repo, entries)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ferr := err
		if ferr == nil {
			ferr = failed[e.Path]
		}
		s.record(audit.ActionDelete, targetPath(repo, e.Path), 0, "", ferr)
	}
	return failed, err
}

// WalkObjects lists every object under a folder of a repository the
// caller may read.
func (s *Store) WalkObjects(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	if err := s.need(ctx, repo, ReadOnly, "list"); err != nil {
		return err
	}
	return backend.Walk(ctx, s.base, repo, folder, fn)
}

// CleanIncomplete removes what interrupted uploads left in a repository
// the caller may write to.
func (s *Store) CleanIncomplete(ctx context.Context, repo backend.RepoRef, folder string, recursive bool, olderThan time.Duration) (int, error) {
	if err := s.need(ctx, repo, ReadWrite, "clean up"); err != nil {
		return 0, err
	}
	return backend.CleanIncomplete(ctx, s.base, repo, folder, recursive, olderThan)
}

// GetObjectRange reads part of an object of a repository the caller may
// read.
func (s *Store) GetObjectRange(ctx context.Context, repo backend.RepoRef, path string, offset, length int64, etag string) (io.ReadCloser, error) {
	if err := s.need(ctx, repo, ReadOnly, "read"); err != nil {
		return nil, err
	}
	return backend.GetObjectRange(ctx, s.base, repo, path, offset, length, etag)
}

// RebuildMetadata replaces the unreadable metadata file of a repository
// the caller may write to, and records it (or the refusal) as the
// metadata update it is, naming the object that keeps the old bytes.
// build reads objects through this Store, so each read is checked too.
func (s *Store) RebuildMetadata(ctx context.Context, repo backend.RepoRef, backup string, build func(raw []byte) (backend.SourceMetadata, error)) (backend.ObjectMeta, error) {
	var m backend.ObjectMeta
	err := s.need(ctx, repo, ReadWrite, "rebuild metadata of")
	if err == nil {
		m, err = backend.RebuildMetadata(ctx, s.base, repo, backup, build)
	}
	detail := ""
	if err == nil {
		detail = "rebuilt; the unreadable file is kept as " + backup
	}
	s.record(audit.ActionMetadataUpdate, repo.String(), m.Size, detail, err)
	return m, err
}

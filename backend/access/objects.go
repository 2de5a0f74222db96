package access

import (
	"context"
	"io"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// ListObjects lists a folder of a repository the caller may read.
func (s *Store) ListObjects(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	return readWhileChecking(ctx, s, repo, "list", func() (backend.Page[backend.Entry], error) {
		return s.base.ListObjects(ctx, repo, folder, req)
	}, nil)
}

// StatObject describes an object of a repository the caller may read.
func (s *Store) StatObject(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectInfo, error) {
	return readWhileChecking(ctx, s, repo, "stat", func() (backend.ObjectInfo, error) {
		return s.base.StatObject(ctx, repo, path)
	}, nil)
}

// GetObject opens an object of a repository the caller may read.
func (s *Store) GetObject(ctx context.Context, repo backend.RepoRef, path string) (io.ReadCloser, backend.ObjectInfo, error) {
	type opened struct {
		body io.ReadCloser
		info backend.ObjectInfo
	}
	o, err := readWhileChecking(ctx, s, repo, "read", func() (opened, error) {
		body, info, err := s.base.GetObject(ctx, repo, path)
		return opened{body, info}, err
	}, func(o opened) { _ = o.body.Close() })
	return o.body, o.info, err
}

// PutObject stores an object in a repository the caller may write to, and
// records the upload (or the refusal).
func (s *Store) PutObject(ctx context.Context, repo backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	var info backend.ObjectInfo
	err := s.writeChecked(ctx, repo, size, func(ctx context.Context) (err error) {
		info, err = s.base.PutObject(ctx, repo, path, r, size)
		return err
	})
	s.record(audit.ActionUpload, targetPath(repo, path), info.Size, info.Checksum, err)
	return info, err
}

// writeChecked runs an upload of size bytes to repo once the caller is
// known to be allowed to write there, or, for a gated write (see
// backend.Gate) the base store can send gated, at once behind a gate
// that opens when both the caller's gate and the permission check do:
// the check's round trip goes beside the upload's, and a refused upload
// is cut off before its end.
func (s *Store) writeChecked(ctx context.Context, repo backend.RepoRef, size int64, write func(context.Context) error) error {
	outer := backend.GateOf(ctx)
	if gp := s.baseCaps.GatedPut; outer == nil || gp == nil || !gp.GatesPut(size) {
		if err := s.need(ctx, repo, ReadWrite, "upload to"); err != nil {
			return err
		}
		defer s.hold(ctx, repo)()
		return write(ctx)
	}
	g := backend.NewGate()
	go func() {
		err := s.need(ctx, repo, ReadWrite, "upload to")
		if err == nil {
			err = outer.Wait(ctx)
		}
		g.Settle(err)
	}()
	release := s.hold(ctx, repo)
	err := write(backend.WithGate(ctx, g))
	release()
	if refused := g.Wait(ctx); refused != nil {
		return refused
	}
	return err
}

// CheckUpload tells a front end, before a transfer starts, whether the
// caller may upload to path, so a refused upload is refused before any
// byte is sent. A refusal is recorded as a refused upload; an allowed one
// is recorded when PutObject stores it.
func (s *Store) CheckUpload(ctx context.Context, repo backend.RepoRef, path string) error {
	err := s.need(ctx, repo, ReadWrite, "upload to")
	if err == nil {
		err = backend.ValidatePath(path, false)
	}
	if err != nil {
		s.record(audit.ActionUpload, targetPath(repo, path), 0, "", err)
	}
	return err
}

// DeleteObject removes an object from a repository the caller may write
// to, and records the deletion (or the refusal).
func (s *Store) DeleteObject(ctx context.Context, repo backend.RepoRef, path string) error {
	err := s.need(ctx, repo, ReadWrite, "delete from")
	if err == nil {
		release := s.hold(ctx, repo)
		err = s.base.DeleteObject(ctx, repo, path)
		release()
	}
	s.record(audit.ActionDelete, targetPath(repo, path), 0, "", err)
	return err
}

// ReadMetadata streams the metadata of a repository the caller may read.
func (s *Store) ReadMetadata(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	var head backend.MetadataHead
	refused, err := pagesWhileChecking(ctx, s, repo, "read metadata of", func(allowed func() error) error {
		var err error
		head, err = s.base.ReadMetadata(ctx, repo, folder, func(page []backend.MetadataEntry) error {
			if err := allowed(); err != nil {
				return err
			}
			return fn(page)
		})
		return err
	})
	if refused {
		return backend.MetadataHead{}, err
	}
	return head, err // with fn's error, the head read so far (see backend.MetadataClient)
}

// ReadObjectMetadata reads one entry of the metadata of a repository the
// caller may read.
func (s *Store) ReadObjectMetadata(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectMeta, error) {
	return readWhileChecking(ctx, s, repo, "read metadata of", func() (backend.ObjectMeta, error) {
		return s.base.ReadObjectMetadata(ctx, repo, path)
	}, nil)
}

// ReadFolderMetadata reads one folder's entries of the metadata of a
// repository the caller may read.
func (s *Store) ReadFolderMetadata(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
	return readWhileChecking(ctx, s, repo, "read metadata of", func() (backend.Page[backend.MetadataEntry], error) {
		return s.base.ReadFolderMetadata(ctx, repo, folder, req)
	}, nil)
}

// UpdateMetadata updates the metadata file of a repository the caller may
// write to.
func (s *Store) UpdateMetadata(ctx context.Context, repo backend.RepoRef, batch *backend.MetadataBatch) (backend.MetadataResult, error) {
	err := s.need(ctx, repo, ReadWrite, "update metadata of")
	var res backend.MetadataResult
	if err == nil {
		res, err = s.base.UpdateMetadata(ctx, repo, batch)
	}
	s.record(audit.ActionMetadataUpdate, repo.String(), 0, "", err)
	return res, err
}

// UpdateObjectMetadata sets or removes one entry of the metadata file of a
// repository the caller may write to.
func (s *Store) UpdateObjectMetadata(ctx context.Context, repo backend.RepoRef, path string, meta *backend.ObjectMeta) error {
	err := s.need(ctx, repo, ReadWrite, "update metadata of")
	if err == nil {
		err = s.base.UpdateObjectMetadata(ctx, repo, path, meta)
	}
	s.record(audit.ActionMetadataUpdate, targetPath(repo, path), 0, "", err)
	return err
}

// The compile-time proof that Store is a backend.Store.
var _ backend.Store = (*Store)(nil)

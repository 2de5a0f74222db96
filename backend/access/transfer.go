package access

import (
	"context"
	"io"
	"time"

	"github.com/coopterm/coop/audit"
	"github.com/coopterm/coop/backend"
)

// The optional capabilities of backend (see backend/optional.go) that the
// wrapped store offers, and only those, are offered through the Store,
// checked like the calls they stand for, so that the transfer queue keeps
// the conditional writes, batch deletes, single-listing walks and ranged
// reads of the store behind the access layer, and takes the plain path
// where the store has none.
var _ backend.Capable = (*Store)(nil)

// Capabilities implements backend.Capable: the base store's capabilities,
// each behind the caller's permissions.
func (s *Store) Capabilities() backend.Capabilities {
	var c backend.Capabilities
	b := s.baseCaps
	if b.ConditionalPut != nil {
		c.ConditionalPut = putter{s, b.ConditionalPut}
	}
	if b.BatchDelete != nil {
		c.BatchDelete = deleter{s, b.BatchDelete}
	}
	if b.Walk != nil {
		c.Walk = walker{s, b.Walk}
	}
	if b.CleanIncomplete != nil {
		c.CleanIncomplete = cleaner{s, b.CleanIncomplete}
	}
	if b.RangeGet != nil {
		c.RangeGet = ranger{s, b.RangeGet}
	}
	if b.RebuildMetadata != nil {
		c.RebuildMetadata = rebuilder{s, b.RebuildMetadata}
	}
	if b.Presign != nil {
		c.Presign = presigner{s, b.Presign}
	}
	if b.HeadGet != nil {
		c.HeadGet = headGetter{s, b.HeadGet}
	}
	if b.StatFile != nil {
		c.StatFile = fileStatter{s, b.StatFile}
	}
	// Connections opened ahead reach nothing the caller could not ask
	// for anyway, and carry no request.
	c.Warm = b.Warm
	// A gated write is checked beside its sending (see writeChecked).
	c.GatedPut = b.GatedPut
	return c
}

type putter struct {
	s    *Store
	base backend.ConditionalPutter
}

// PutObjectIfAbsent stores an object, unless one is there, in a
// repository the caller may write to, and records the upload (or the
// refusal).
func (p putter) PutObjectIfAbsent(ctx context.Context, repo backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	var info backend.ObjectInfo
	err := p.s.writeChecked(ctx, repo, size, func(ctx context.Context) (err error) {
		info, err = p.base.PutObjectIfAbsent(ctx, repo, path, r, size)
		return err
	})
	p.s.record(audit.ActionUpload, targetPath(repo, path), info.Size, info.Checksum, err)
	return info, err
}

type deleter struct {
	s    *Store
	base backend.BatchDeleter
}

// DeleteObjects removes a batch of objects from a repository the caller
// may write to, and records each deletion (or the refusal).
func (d deleter) DeleteObjects(ctx context.Context, repo backend.RepoRef, entries []backend.Entry) (map[string]error, error) {
	err := d.s.need(ctx, repo, ReadWrite, "delete from")
	var failed map[string]error
	if err == nil {
		release := d.s.hold(ctx, repo)
		failed, err = d.base.DeleteObjects(ctx, repo, entries)
		release()
	}
	evs := make([]audit.Event, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		ferr := err
		if ferr == nil {
			ferr = failed[e.Path]
		}
		evs = append(evs, d.s.event(audit.ActionDelete, targetPath(repo, e.Path), 0, "", ferr))
	}
	audit.RecordAll(d.s.rec, evs) // a batch's lines in one write
	return failed, err
}

type walker struct {
	s    *Store
	base backend.ObjectWalker
}

// WalkObjects lists every object under a folder of a repository the
// caller may read (the walk starts while that is checked: see
// pagesWhileChecking).
func (w walker) WalkObjects(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	_, err := pagesWhileChecking(ctx, w.s, repo, "list", func(allowed func() error) error {
		return w.base.WalkObjects(ctx, repo, folder, func(page []backend.Entry) error {
			if err := allowed(); err != nil {
				return err
			}
			return fn(page)
		})
	})
	return err
}

type cleaner struct {
	s    *Store
	base backend.IncompleteCleaner
}

// CleanIncomplete removes what interrupted uploads left in a repository
// the caller may write to.
func (c cleaner) CleanIncomplete(ctx context.Context, repo backend.RepoRef, folder string, recursive bool, olderThan time.Duration) (int, error) {
	if err := c.s.need(ctx, repo, ReadWrite, "clean up"); err != nil {
		return 0, err
	}
	return c.base.CleanIncomplete(ctx, repo, folder, recursive, olderThan)
}

type ranger struct {
	s    *Store
	base backend.RangeGetter
}

// GetObjectRange reads part of an object of a repository the caller may
// read.
func (r ranger) GetObjectRange(ctx context.Context, repo backend.RepoRef, path string, offset, length int64, etag string) (io.ReadCloser, error) {
	return readWhileChecking(ctx, r.s, repo, "read", func() (io.ReadCloser, error) {
		return r.base.GetObjectRange(ctx, repo, path, offset, length, etag)
	}, func(body io.ReadCloser) { _ = body.Close() })
}

type headGetter struct {
	s    *Store
	base backend.HeadGetter
}

// GetObjectHead reads the first bytes of an object of a repository the
// caller may read.
func (h headGetter) GetObjectHead(ctx context.Context, repo backend.RepoRef, path string, n int64) ([]byte, backend.ObjectInfo, error) {
	type head struct {
		b    []byte
		info backend.ObjectInfo
	}
	got, err := readWhileChecking(ctx, h.s, repo, "read", func() (head, error) {
		b, info, err := h.base.GetObjectHead(ctx, repo, path, n)
		return head{b, info}, err
	}, nil)
	return got.b, got.info, err
}

type fileStatter struct {
	s    *Store
	base backend.FileStatter
}

// StatFile looks up an object of a repository the caller may read.
func (f fileStatter) StatFile(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectInfo, error) {
	return readWhileChecking(ctx, f.s, repo, "read", func() (backend.ObjectInfo, error) {
		return f.base.StatFile(ctx, repo, path)
	}, nil)
}

type rebuilder struct {
	s    *Store
	base backend.MetadataRebuilder
}

// RebuildMetadata replaces the unreadable metadata file of a repository
// the caller may write to, and records it (or the refusal) as the
// metadata update it is, naming the object that keeps the old bytes.
// build reads objects through the Store, so each read is checked too.
func (r rebuilder) RebuildMetadata(ctx context.Context, repo backend.RepoRef, backup string, build func(raw []byte) (backend.SourceMetadata, error)) (backend.ObjectMeta, error) {
	var m backend.ObjectMeta
	err := r.s.need(ctx, repo, ReadWrite, "rebuild metadata of")
	if err == nil {
		m, err = r.base.RebuildMetadata(ctx, repo, backup, build)
	}
	detail := ""
	if err == nil {
		detail = "rebuilt; the unreadable file is kept as " + backup
	}
	r.s.record(audit.ActionMetadataUpdate, repo.String(), m.Size, detail, err)
	return m, err
}

type presigner struct {
	s    *Store
	base backend.Presigner
}

// PresignGetObject makes a link to an object of a repository the caller
// may read: the link reads with the store's credentials, so it is made
// only for what the caller could read through the Store.
func (p presigner) PresignGetObject(ctx context.Context, repo backend.RepoRef, path string, expiry time.Duration) (string, error) {
	if err := p.s.need(ctx, repo, ReadOnly, "link to"); err != nil {
		return "", err
	}
	return p.base.PresignGetObject(ctx, repo, path, expiry)
}

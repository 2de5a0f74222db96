package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

// metadataPath validates ref and returns where its metadata file lives.
func (s *Store) metadataPath(ref backend.RepoRef) (string, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return "", err
	}
	if err := s.checkRoot(); err != nil {
		return "", err
	}
	p := filepath.Join(s.repoDir(ref), backend.MetadataFileName)
	if err := s.checkInside(p); err != nil {
		return "", fmt.Errorf("metadata of %s: %w", ref, err)
	}
	return p, nil
}

// ReadMetadata streams the entries at folder and below (see
// backend.MetadataClient), from the index of the document.
func (s *Store) ReadMetadata(ctx context.Context, ref backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	var head backend.MetadataHead
	err := s.withVersion(ctx, ref, func(h *metaindex.Handle) error {
		head = h.Head
		return h.Walk(folder, fn)
	})
	return head, err
}

// ReadObjectMetadata returns the entry of one path, from the index.
func (s *Store) ReadObjectMetadata(ctx context.Context, ref backend.RepoRef, path string) (backend.ObjectMeta, error) {
	var (
		m  backend.ObjectMeta
		ok bool
	)
	err := s.withVersion(ctx, ref, func(h *metaindex.Handle) (err error) {
		m, ok, err = h.Entry(path)
		return err
	})
	switch {
	case err != nil:
		return backend.ObjectMeta{}, err
	case !ok:
		return backend.ObjectMeta{}, backend.NoEntry(ref, path)
	}
	return m, nil
}

// ReadFolderMetadata returns one page of the entries directly in folder.
func (s *Store) ReadFolderMetadata(ctx context.Context, ref backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
	var page backend.Page[backend.MetadataEntry]
	err := s.withVersion(ctx, ref, func(h *metaindex.Handle) (err error) {
		page, err = h.FolderPage(folder, req)
		return err
	})
	return page, err
}

// UpdateMetadata applies batch to the current document and writes the
// result atomically, holding the repository's lock (across goroutines and
// processes) from the read to the rename, so no writer's update is lost.
// The batch is planned against the document's index and merged into it
// in one streaming pass: memory grows with the batch, not the document,
// and the new document's index is made as it is written. A corrupt file
// is never overwritten.
func (s *Store) UpdateMetadata(ctx context.Context, ref backend.RepoRef, batch *backend.MetadataBatch) (backend.MetadataResult, error) {
	p, err := s.metadataPath(ref)
	if err != nil {
		return backend.MetadataResult{}, err
	}
	if err := batch.Validate(); err != nil {
		return backend.MetadataResult{}, err
	}
	if batch.Empty() {
		return backend.MetadataResult{}, nil
	}
	unlock, err := s.lockRepo(ctx, ref)
	if err != nil {
		return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	defer unlock()
	for attempt := 0; ; attempt++ {
		res, err := s.updateMetadata(ctx, ref, p, batch)
		if !errors.Is(err, metaindex.ErrStale) || attempt >= 2 {
			return res, err
		}
	}
}

// updateMetadata is UpdateMetadata under the lock.
func (s *Store) updateMetadata(ctx context.Context, ref backend.RepoRef, p string, batch *backend.MetadataBatch) (backend.MetadataResult, error) {
	src, done, err := s.current(ctx, ref, batch)
	if err != nil {
		return backend.MetadataResult{}, err
	}
	defer done()
	plan, err := batch.Plan(ref, src.view)
	if err != nil {
		return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	head, headChanged := batch.ApplyHead(src.head)
	if !plan.Changed() && !headChanged && !src.created {
		return plan.Result, nil
	}
	if err := ctx.Err(); err != nil {
		return backend.MetadataResult{}, err
	}
	var b *metaindex.Builder
	tmp, err := writeAtomic(p, func(f *os.File) (err error) {
		b, err = metaindex.WriteDoc(f, ref, time.Now(), head, src.entries, plan.Writes)
		return err
	})
	if err != nil {
		if errors.Is(err, metaindex.ErrStale) {
			s.versions.Drop(s.indexDir(ref), src.ident)
		}
		return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	// The document is written; an index that cannot be kept now is built
	// by the next read.
	_ = s.installWritten(ref, p, tmp, b, b.Head())
	plan.Result.Written = true
	return plan.Result, nil
}

// source is the document a batch is applied to: its index, or, for a
// repository with none, the entries of the batch's base.
type source struct {
	view    backend.MetadataView
	entries metadoc.Source
	head    backend.MetadataHead
	ident   string
	created bool // there was no document, and the base gave entries
}

// current returns the document batch is applied to, and a function that
// releases it.
func (s *Store) current(ctx context.Context, ref backend.RepoRef, batch *backend.MetadataBatch) (source, func(), error) {
	h, err := s.version(ctx, ref)
	switch {
	case err == nil:
		return source{view: h.Version, entries: h.Source(), head: h.Head, ident: h.Ident}, h.Release, nil
	case errors.Is(err, backend.ErrMetadataMissing):
	case errors.Is(err, backend.ErrMetadataCorrupt):
		return source{}, nil, fmt.Errorf("update metadata (refusing to overwrite it): %w", err)
	default:
		return source{}, nil, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	base := batch.Base()
	if base == nil {
		d := metadoc.NewDoc()
		return source{view: d, entries: d.Source()}, func() {}, nil
	}
	v, cleanup, err := metaindex.BuildBase(ctx, filepath.Join(s.root, StateDir, IndexDir), base)
	if err != nil {
		return source{}, nil, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	return source{view: v, entries: v.Source(), created: v.Count() > 0}, cleanup, nil
}

// UpdateObjectMetadata sets the entry for path, or removes it if meta is nil.
func (s *Store) UpdateObjectMetadata(ctx context.Context, ref backend.RepoRef, path string, meta *backend.ObjectMeta) error {
	if err := backend.ValidatePath(path, false); err != nil {
		return err
	}
	b := backend.NewMetadataBatch(time.Time{})
	if meta == nil {
		b.Delete(path)
	} else {
		b.Set(path, *meta)
	}
	_, err := s.UpdateMetadata(ctx, ref, b)
	return err
}

// writeAtomic replaces the file p by what write writes: temporary file in
// the same folder, fsync, rename, fsync of the folder. It returns what the
// temporary file was, to know the new file by.
func writeAtomic(p string, write func(*os.File) error) (os.FileInfo, error) {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := createTemp(dir)
	if err != nil {
		return nil, err
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if err == nil {
		err = commitTemp(f, tmp, p, false)
	} else {
		f.Close()
		_ = os.Remove(tmp)
	}
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return nil, fmt.Errorf("sync folder %s: %w", dir, err)
		}
	}
	return fi, nil
}

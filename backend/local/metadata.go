package local

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/doccache"
	"github.com/coopterm/coop/backend/internal/metadoc"
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
// backend.MetadataClient).
func (s *Store) ReadMetadata(ctx context.Context, ref backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	d, err := s.readDoc(ref)
	if err != nil {
		return backend.MetadataHead{}, err
	}
	if err := d.Walk(folder, fn); err != nil {
		return backend.MetadataHead{}, err
	}
	return d.Head, nil
}

// ReadObjectMetadata returns the entry of one path.
func (s *Store) ReadObjectMetadata(ctx context.Context, ref backend.RepoRef, path string) (backend.ObjectMeta, error) {
	d, err := s.readDoc(ref)
	if err != nil {
		return backend.ObjectMeta{}, err
	}
	m, ok, err := d.Entry(path)
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
	d, err := s.readDoc(ref)
	if err != nil {
		return backend.Page[backend.MetadataEntry]{}, err
	}
	return d.FolderPage(folder, req)
}

func (s *Store) readDoc(ref backend.RepoRef) (*metadoc.Doc, error) {
	p, err := s.metadataPath(ref)
	if err != nil {
		return nil, err
	}
	return readMetadataFile(ref, p)
}

func readMetadataFile(ref backend.RepoRef, p string) (*metadoc.Doc, error) {
	f, err := os.Open(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("metadata of %s: %w", ref, backend.ErrMetadataMissing)
	case err != nil:
		return nil, fmt.Errorf("metadata of %s: %w", ref, err)
	}
	defer f.Close()
	d, err := metadoc.Load(bufio.NewReaderSize(f, 1<<20))
	if errors.Is(err, metadoc.ErrSyntax) {
		return nil, fmt.Errorf("metadata of %s: %w: %s: %w", ref, backend.ErrMetadataCorrupt, p, err)
	}
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", ref, err)
	}
	return d, nil
}

// UpdateMetadata applies batch to the current metadata and writes the
// result atomically, holding the repository's lock (across goroutines and
// processes) from the read to the rename, so no writer's update is lost.
// A corrupt file is never overwritten.
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
	var (
		d       *metadoc.Doc
		created bool // a document made from the batch's base
	)
	doc, stamp, cached := s.docs.Take(ref)
	if cached && hasStamp(p, stamp) {
		d = doc
	} else {
		cached = false
		d, err = readMetadataFile(ref, p)
	}
	switch {
	case errors.Is(err, backend.ErrMetadataMissing):
		d, err = baseDoc(ctx, batch)
		if err != nil {
			return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
		}
		created = d.Len() > 0
	case err != nil:
		return backend.MetadataResult{}, fmt.Errorf("update metadata (refusing to overwrite it): %w", err)
	}
	plan, err := batch.Plan(ref, d)
	if err != nil {
		return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	if !plan.Changed() && !created {
		if cached {
			s.docs.Keep(ref, stamp, d)
		}
		return plan.Result, nil
	}
	if err := s.writeMetadata(ctx, ref, p, d, plan.Writes); err != nil {
		return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	plan.Result.Written = true
	return plan.Result, nil
}

// baseDoc is the document a repository with none starts from: the
// entries of the batch's base, if it has one.
func baseDoc(ctx context.Context, b *backend.MetadataBatch) (*metadoc.Doc, error) {
	d := metadoc.NewDoc()
	base := b.Base()
	if base == nil {
		return d, nil
	}
	return d, base(ctx, func(e backend.MetadataEntry) error { return d.Add(e.Path, e.Meta) })
}

// writeMetadata writes d with writes applied to p (see writeAtomic),
// keeping the new version in the document cache if it is large. The
// caller holds the lock.
func (s *Store) writeMetadata(ctx context.Context, ref backend.RepoRef, p string, d *metadoc.Doc, writes []backend.PlannedEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	size, err := writeAtomic(p, func(f *os.File) (int64, error) {
		w, err := metadoc.NewWriter(f, ref, time.Now(), d.Head)
		if err != nil {
			return 0, err
		}
		if err := metadoc.Merge(w, d.Source(), writes); err != nil {
			return 0, err
		}
		return w.Close()
	})
	if err != nil {
		return err
	}
	if size >= doccache.MinSize {
		if st, ok := statStamp(p); ok && d.Apply(writes) == nil {
			s.docs.Keep(ref, st, d)
		}
	}
	return nil
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
// the same folder, fsync, rename, fsync of the folder. It returns the
// length write reports.
func writeAtomic(p string, write func(*os.File) (int64, error)) (int64, error) {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	f, err := createTemp(dir)
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	n, err := write(f)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = commitTemp(f, tmp, p, false)
	} else {
		f.Close()
		_ = os.Remove(tmp)
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", p, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return 0, fmt.Errorf("sync folder %s: %w", dir, err)
		}
	}
	return n, nil
}

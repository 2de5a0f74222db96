package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

// IndexDir holds the metadata indexes, under StateDir: one folder per
// repository, {account}/{repository}, with the index files of the
// current version of its document (see backend/internal/metaindex).
const IndexDir = "metaindex"

// indexDir is where ref's metadata indexes live.
func (s *Store) indexDir(ref backend.RepoRef) string {
	return filepath.Join(s.root, StateDir, IndexDir, ref.AccountID, ref.RepositoryID)
}

// openDoc opens ref's metadata file; ErrMetadataMissing if there is none.
func (s *Store) openDoc(ref backend.RepoRef) (*os.File, string, error) {
	p, err := s.metadataPath(ref)
	if err != nil {
		return nil, "", err
	}
	f, err := os.Open(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, p, fmt.Errorf("metadata of %s: %w", ref, backend.ErrMetadataMissing)
	case err != nil:
		return nil, p, fmt.Errorf("metadata of %s: %w", ref, err)
	}
	return f, p, nil
}

// version returns the index of ref's document as it is now, held (the
// caller releases it): the one this process has open if the document's
// stamp is unchanged, else the one on disk, else one built now — a single
// pass over the document, done once however many callers ask. A
// corrupt document wraps ErrMetadataCorrupt.
func (s *Store) version(ctx context.Context, ref backend.RepoRef) (*metaindex.Handle, error) {
	for attempt := 0; ; attempt++ {
		h, err := s.tryVersion(ctx, ref)
		if !errors.Is(err, metaindex.ErrStale) || attempt >= 2 {
			return h, err
		}
	}
}

func (s *Store) tryVersion(ctx context.Context, ref backend.RepoRef) (*metaindex.Handle, error) {
	f, p, err := s.openDoc(ref)
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	st, err := openStamp(f)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", ref, err)
	}
	dir, ident := s.indexDir(ref), st.ident()
	if h := s.versions.Get(dir, ident); h != nil {
		return s.checked(h, f, st, dir)
	}
	unlock, err := s.versions.Lock(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if h := s.versions.Get(dir, ident); h != nil {
		return s.checked(h, f, st, dir)
	}
	v, err := metaindex.Open(dir, st.id(), ident, f)
	if err != nil {
		if err := metaindex.Build(dir, st.id(), ident, f, st.size); err != nil {
			if errors.Is(err, metadoc.ErrSyntax) {
				return nil, fmt.Errorf("metadata of %s: %w: %s: %w", ref, backend.ErrMetadataCorrupt, p, err)
			}
			return nil, fmt.Errorf("index metadata of %s: %w", ref, err)
		}
		if v, err = metaindex.Open(dir, st.id(), ident, f); err != nil {
			return nil, fmt.Errorf("index metadata of %s: %w", ref, err)
		}
	}
	var doc io.Closer
	if v.Facts().Data == "" {
		doc, keep = f, true
	}
	h := s.versions.Install(dir, ident, v, doc)
	metaindex.Prune(dir, st.id())
	return s.checked(h, f, st, dir)
}

// checked returns h once it is known to describe the document f (of
// stamp st): when the index was made before a change could no longer
// keep the stamp (see fileStamp.settled), the document's bytes are
// checked against it, once they have settled.
func (s *Store) checked(h *metaindex.Handle, f *os.File, st fileStamp, dir string) (*metaindex.Handle, error) {
	settled := st.settled()
	if h.Facts().Built.After(settled) {
		return h, nil
	}
	if err := h.Verify(io.NewSectionReader(f, 0, st.size), time.Now(), settled); err != nil {
		h.Release()
		if errors.Is(err, metaindex.ErrStale) {
			s.versions.Drop(dir, st.ident())
		}
		return nil, err
	}
	return h, nil
}

// withVersion calls fn with the index of ref's document as it is now
// (again on a new one if the document changed under it).
func (s *Store) withVersion(ctx context.Context, ref backend.RepoRef, fn func(h *metaindex.Handle) error) error {
	return s.versions.With(s.indexDir(ref), func() (*metaindex.Handle, error) { return s.version(ctx, ref) }, fn)
}

// installWritten makes the document just written to p (from the temp
// file whose stamp was tmp, with the block table b) the current version,
// so that the next read needs no index built. If p is no longer that
// file, nothing is installed.
func (s *Store) installWritten(ref backend.RepoRef, p string, tmp os.FileInfo, b *metaindex.Builder, head backend.MetadataHead) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil || !os.SameFile(fi, tmp) {
		f.Close()
		return err
	}
	st, err := openStamp(f)
	if err != nil {
		f.Close()
		return err
	}
	dir := s.indexDir(ref)
	if err := b.Commit(dir, st.id(), "", st.ident(), head); err != nil {
		f.Close()
		return err
	}
	v, err := metaindex.Open(dir, st.id(), st.ident(), f)
	if err != nil {
		f.Close()
		return err
	}
	s.versions.Install(dir, st.ident(), v, f).Release()
	metaindex.Prune(dir, st.id())
	return nil
}

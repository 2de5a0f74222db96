package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/doccache"
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

// ReadMetadata reads a repository's .source-metadata.json. Fields it does
// not know are ignored, so files written by other tools read fine.
func (s *Store) ReadMetadata(ctx context.Context, ref backend.RepoRef) (backend.SourceMetadata, error) {
	p, err := s.metadataPath(ref)
	if err != nil {
		return backend.SourceMetadata{}, err
	}
	return readMetadataFile(ref, p)
}

func readMetadataFile(ref backend.RepoRef, p string) (backend.SourceMetadata, error) {
	var m backend.SourceMetadata
	data, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return m, fmt.Errorf("metadata of %s: %w", ref, backend.ErrMetadataMissing)
	case err != nil:
		return m, fmt.Errorf("metadata of %s: %w", ref, err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return backend.SourceMetadata{}, fmt.Errorf("metadata of %s: %w: %s: %w", ref, backend.ErrMetadataCorrupt, p, err)
	}
	if m.Objects == nil {
		m.Objects = map[string]backend.ObjectMeta{}
	}
	return m, nil
}

// UpdateMetadata applies fn to the current metadata and writes the result
// atomically, holding the repository's lock (across goroutines and
// processes) from the read to the rename, so no writer's update is lost.
// A corrupt file is never overwritten; an error from fn writes nothing.
// fn must not keep m, or anything in it, after it returns.
func (s *Store) UpdateMetadata(ctx context.Context, ref backend.RepoRef, fn func(*backend.SourceMetadata) error) error {
	p, err := s.metadataPath(ref)
	if err != nil {
		return err
	}
	unlock, err := s.lockRepo(ctx, ref)
	if err != nil {
		return fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	defer unlock()
	var m backend.SourceMetadata
	if doc, stamp, ok := s.docs.Take(ref); ok && hasStamp(p, stamp) {
		m = *doc
	} else {
		m, err = readMetadataFile(ref, p)
	}
	switch {
	case errors.Is(err, backend.ErrMetadataMissing):
		m = backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{}}
	case err != nil:
		return fmt.Errorf("update metadata (refusing to overwrite it): %w", err)
	}
	if err := fn(&m); err != nil {
		return fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	if err := s.writeMetadata(ctx, ref, p, &m); err != nil {
		return fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	return nil
}

// writeMetadata stamps m and writes it to p (see writeAtomic), keeping it
// in the document cache if it is large. The caller holds the lock.
func (s *Store) writeMetadata(ctx context.Context, ref backend.RepoRef, p string, m *backend.SourceMetadata) error {
	m.RepositoryID, m.AccountID = ref.RepositoryID, ref.AccountID
	m.LastUpdated = time.Now().UTC()
	if m.Objects == nil {
		m.Objects = map[string]backend.ObjectMeta{}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := writeAtomic(p, data); err != nil {
		return err
	}
	if len(data) >= doccache.MinSize {
		if st, ok := statStamp(p); ok {
			s.docs.Keep(ref, st, m)
		}
	}
	return nil
}

// UpdateObjectMetadata sets the entry for path, or removes it if meta is nil.
func (s *Store) UpdateObjectMetadata(ctx context.Context, ref backend.RepoRef, path string, meta *backend.ObjectMeta) error {
	if err := backend.ValidatePath(path, false); err != nil {
		return err
	}
	return s.UpdateMetadata(ctx, ref, func(m *backend.SourceMetadata) error {
		if meta == nil {
			delete(m.Objects, path)
		} else {
			m.Objects[path] = *meta
		}
		return nil
	})
}

// writeAtomic replaces the file p by data: temporary file in the same
// folder, fsync, rename, fsync of the folder.
func writeAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := createTemp(dir)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
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
		return fmt.Errorf("write %s: %w", p, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("sync folder %s: %w", dir, err)
		}
	}
	return nil
}

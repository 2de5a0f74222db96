package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/coopterm/coop/backend"
)

// Each repository's metadata file is kept as the bytes a file would hold
// and decoded on each read, as the other stores do, so that what a test
// writes raw (SetMetadataFile) reads back as a store would read it.

// ReadMetadata implements backend.MetadataClient.
func (s *Store) ReadMetadata(ctx context.Context, ref backend.RepoRef) (backend.SourceMetadata, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return backend.SourceMetadata{}, err
	}
	if err := ctx.Err(); err != nil {
		return backend.SourceMetadata{}, err
	}
	s.mu.Lock()
	data, ok := s.meta[ref]
	s.mu.Unlock()
	if !ok {
		return backend.SourceMetadata{}, fmt.Errorf("metadata of %s: %w", ref, backend.ErrMetadataMissing)
	}
	return decode(ref, data)
}

func decode(ref backend.RepoRef, data []byte) (backend.SourceMetadata, error) {
	var m backend.SourceMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		return backend.SourceMetadata{}, fmt.Errorf("metadata of %s: %w: %w", ref, backend.ErrMetadataCorrupt, err)
	}
	if m.Objects == nil {
		m.Objects = map[string]backend.ObjectMeta{}
	}
	return m, nil
}

// UpdateMetadata implements backend.MetadataClient: writers of one
// repository take turns, each reading what the previous one wrote. A
// corrupt file is never overwritten; an error from fn writes nothing.
func (s *Store) UpdateMetadata(ctx context.Context, ref backend.RepoRef, fn func(*backend.SourceMetadata) error) error {
	if err := backend.ValidateRef(ref); err != nil {
		return err
	}
	unlock := s.lockMeta(ref)
	defer unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	_, repoOK := s.repos[ref]
	data, ok := s.meta[ref]
	s.mu.Unlock()
	if !repoOK {
		return fmt.Errorf("update metadata: repository %s: %w", ref, backend.ErrNotFound)
	}
	m := backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{}}
	if ok {
		var err error
		if m, err = decode(ref, data); err != nil {
			return fmt.Errorf("update metadata (refusing to overwrite it): %w", err)
		}
	}
	if err := fn(&m); err != nil {
		return fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	m.RepositoryID, m.AccountID = ref.RepositoryID, ref.AccountID
	m.LastUpdated = s.now().UTC()
	if m.Objects == nil {
		m.Objects = map[string]backend.ObjectMeta{}
	}
	out, err := json.Marshal(&m)
	if err != nil {
		return fmt.Errorf("update metadata of %s: encode: %w", ref, err)
	}
	s.mu.Lock()
	s.meta[ref] = out
	s.mu.Unlock()
	return nil
}

// UpdateObjectMetadata implements backend.MetadataClient.
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

// SetMetadataFile replaces ref's metadata file by data, as another tool
// (or a crash) might leave it; nil removes it. For tests.
func (s *Store) SetMetadataFile(ref backend.RepoRef, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if data == nil {
		delete(s.meta, ref)
		return
	}
	s.meta[ref] = bytes.Clone(data)
}

// lockMeta takes ref's metadata lock, for one writer at a time.
func (s *Store) lockMeta(ref backend.RepoRef) (unlock func()) {
	s.mu.Lock()
	l := s.metaMu[ref]
	if l == nil {
		l = &sync.Mutex{}
		s.metaMu[ref] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

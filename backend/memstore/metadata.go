package memstore

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
)

// Each repository's metadata file is kept as the bytes a file would hold
// and decoded on each read, as the other stores do, so that what a test
// writes raw (SetMetadataFile) reads back as a store would read it.

// doc reads ref's metadata file.
func (s *Store) doc(ctx context.Context, ref backend.RepoRef) (*metadoc.Doc, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	data, ok := s.meta[ref]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("metadata of %s: %w", ref, backend.ErrMetadataMissing)
	}
	return decode(ref, data)
}

func decode(ref backend.RepoRef, data []byte) (*metadoc.Doc, error) {
	d, err := metadoc.Load(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w: %w", ref, backend.ErrMetadataCorrupt, err)
	}
	return d, nil
}

// ReadMetadata implements backend.MetadataClient.
func (s *Store) ReadMetadata(ctx context.Context, ref backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	d, err := s.doc(ctx, ref)
	if err != nil {
		return backend.MetadataHead{}, err
	}
	return d.Head, d.Walk(folder, fn)
}

// ReadObjectMetadata implements backend.MetadataClient.
func (s *Store) ReadObjectMetadata(ctx context.Context, ref backend.RepoRef, path string) (backend.ObjectMeta, error) {
	d, err := s.doc(ctx, ref)
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

// ReadFolderMetadata implements backend.MetadataClient.
func (s *Store) ReadFolderMetadata(ctx context.Context, ref backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
	d, err := s.doc(ctx, ref)
	if err != nil {
		return backend.Page[backend.MetadataEntry]{}, err
	}
	return d.FolderPage(folder, req)
}

// UpdateMetadata implements backend.MetadataClient: writers of one
// repository take turns, each reading what the previous one wrote, and
// the batch is merged into the document as the other stores merge it. A
// corrupt file is never overwritten.
func (s *Store) UpdateMetadata(ctx context.Context, ref backend.RepoRef, b *backend.MetadataBatch) (backend.MetadataResult, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return backend.MetadataResult{}, err
	}
	if err := b.Validate(); err != nil {
		return backend.MetadataResult{}, err
	}
	if b.Empty() {
		return backend.MetadataResult{}, nil
	}
	unlock := s.lockMeta(ref)
	defer unlock()
	if err := ctx.Err(); err != nil {
		return backend.MetadataResult{}, err
	}
	s.mu.Lock()
	_, repoOK := s.repos[ref]
	data, ok := s.meta[ref]
	s.mu.Unlock()
	if !repoOK {
		return backend.MetadataResult{}, fmt.Errorf("update metadata: repository %s: %w", ref, backend.ErrNotFound)
	}
	d := metadoc.NewDoc()
	created := false
	if ok {
		var err error
		if d, err = decode(ref, data); err != nil {
			return backend.MetadataResult{}, fmt.Errorf("update metadata (refusing to overwrite it): %w", err)
		}
	} else if base := b.Base(); base != nil {
		if err := base(ctx, func(e backend.MetadataEntry) error { return d.Add(e.Path, e.Meta) }); err != nil {
			return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
		}
		created = d.Len() > 0
	}
	plan, err := b.Plan(ref, d)
	if err != nil {
		return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: %w", ref, err)
	}
	head, headChanged := b.ApplyHead(d.Head)
	if !plan.Changed() && !headChanged && !created {
		return plan.Result, nil
	}
	var out bytes.Buffer
	w, err := metadoc.NewWriter(&out, ref, s.now(), head)
	if err == nil {
		err = metadoc.Merge(w, d.Source(), plan.Writes)
	}
	if err == nil {
		_, err = w.Close()
	}
	if err != nil {
		return backend.MetadataResult{}, fmt.Errorf("update metadata of %s: encode: %w", ref, err)
	}
	s.mu.Lock()
	s.meta[ref] = out.Bytes()
	s.mu.Unlock()
	plan.Result.Written = true
	return plan.Result, nil
}

// UpdateObjectMetadata implements backend.MetadataClient.
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

// MetadataFile returns ref's metadata file as stored, nil if there is
// none. For tests.
func (s *Store) MetadataFile(ref backend.RepoRef) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.meta[ref])
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

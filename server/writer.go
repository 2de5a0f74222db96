package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/coopterm/coop/backend"
)

// Writer is how SFTP and scp store and remove files, so that they get the
// same checks and metadata updates as uploads from the browser. store is
// the session's access-controlled store: every call through it is
// checked and audited.
//
// DirectWriter is the one used today. When the transfer queue
// (backend/transfer) can take a stream, a Writer that hands files to it
// replaces DirectWriter here, and SFTP and scp follow without change.
type Writer interface {
	// Put stores r (size bytes, or -1 if unknown) under path and records
	// it in the repository's metadata. Nothing is visible under path
	// unless the whole content was stored.
	Put(ctx context.Context, store backend.Store, repo backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error)
	// Delete removes the object at path and its metadata entry.
	Delete(ctx context.Context, store backend.Store, repo backend.RepoRef, path string) error
}

// DirectWriter writes through the store's PutObject and DeleteObject, then
// updates the metadata entry at once (keeping an existing entry's id,
// creation time and custom fields).
type DirectWriter struct{}

// Put implements Writer.
func (DirectWriter) Put(ctx context.Context, store backend.Store, repo backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	info, err := store.PutObject(ctx, repo, path, r, size)
	if err != nil {
		return info, err
	}
	err = store.UpdateMetadata(ctx, repo, func(doc *backend.SourceMetadata) error {
		var prev *backend.ObjectMeta
		if old, ok := doc.Objects[path]; ok {
			prev = &old
		}
		if doc.Objects == nil {
			doc.Objects = map[string]backend.ObjectMeta{}
		}
		doc.Objects[path] = backend.NewObjectMeta(repo, info, prev, time.Now())
		return nil
	})
	if err != nil {
		return info, fmt.Errorf("%s stored, but its metadata entry was not: %w", path, err)
	}
	return info, nil
}

// Delete implements Writer.
func (DirectWriter) Delete(ctx context.Context, store backend.Store, repo backend.RepoRef, path string) error {
	if err := store.DeleteObject(ctx, repo, path); err != nil {
		return err
	}
	err := store.UpdateObjectMetadata(ctx, repo, path, nil)
	if err != nil && !errors.Is(err, backend.ErrNotFound) {
		return fmt.Errorf("%s removed, but its metadata entry was not: %w", path, err)
	}
	return nil
}

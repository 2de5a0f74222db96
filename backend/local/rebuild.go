package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

var _ backend.MetadataRebuilder = (*Store)(nil)

// RebuildMetadata replaces an unreadable metadata file by the document
// build makes (see backend.MetadataRebuilder). build runs without the
// lock, since it may read every object; then, under the repository's
// metadata lock, the file is read again and compared byte for byte with
// what build was given, the bytes are stored as the object backup and the
// new document is renamed into place. No coop writer can come in between,
// and a file changed meanwhile is refused before anything is written.
func (s *Store) RebuildMetadata(ctx context.Context, ref backend.RepoRef, backup string, build func(raw []byte) (backend.SourceMetadata, error)) (backend.ObjectMeta, error) {
	op := "rebuild metadata of " + ref.String()
	p, err := s.metadataPath(ref)
	if err != nil {
		return backend.ObjectMeta{}, err
	}
	if err := backend.ValidatePath(backup, false); err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: backup: %w", op, err)
	}
	raw, err := readUnreadable(p)
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	doc, err := build(raw)
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	unlock, err := s.lockRepo(ctx, ref)
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	defer unlock()
	now, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w: it was removed; nothing written", op, backend.ErrMetadataChanged)
	case err != nil:
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	case !bytes.Equal(now, raw):
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w: nothing written over it", op, backend.ErrMetadataChanged)
	}
	info, err := s.putObject(ctx, ref, backup, bytes.NewReader(raw), int64(len(raw)), true)
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: keep the unreadable file: %w", op, err)
	}
	entry := backend.NewObjectMeta(ref, info, nil, time.Now())
	d := metadoc.NewDoc()
	for path, m := range doc.Objects {
		if err := d.Add(path, m); err != nil {
			return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := d.Add(backup, entry); err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	var b *metaindex.Builder
	tmp, err := writeAtomic(p, func(f *os.File) (err error) {
		b, err = metaindex.WriteDoc(f, ref, time.Now(), backend.MetadataHead{}, d.Source(), nil)
		return err
	})
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w (the unreadable file is unchanged, and copied to %s)", op, err, backup)
	}
	_ = s.installWritten(ref, p, tmp, b, b.Head())
	return entry, nil
}

// readUnreadable reads the metadata file at p, which must be there and
// not parse.
func readUnreadable(p string) ([]byte, error) {
	raw, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, backend.ErrMetadataMissing
	case err != nil:
		return nil, err
	}
	if _, err := metadoc.Load(bytes.NewReader(raw)); err == nil {
		return nil, fmt.Errorf("%w: it is readable, nothing to rebuild", backend.ErrMetadataChanged)
	}
	return raw, nil
}

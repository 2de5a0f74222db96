package aws

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
	"github.com/coopterm/coop/backend/internal/metaindex"
)

var _ backend.MetadataRebuilder = (*Store)(nil)

// RebuildMetadata replaces an unreadable metadata file by the document
// build makes (see backend.MetadataRebuilder). After build, S3 copies the
// file to backup only if it still has the ETag read (CopySourceIfMatch)
// and nothing is stored under backup yet (If-None-Match), then the new
// document goes up with If-Match on that same ETag. A file changed before
// the copy is left alone with nothing written; one changed between the
// copy and the PUT is left alone too, with the copy behind.
func (s *Store) RebuildMetadata(ctx context.Context, repo backend.RepoRef, backup string, build func(raw []byte) (backend.SourceMetadata, error)) (backend.ObjectMeta, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return backend.ObjectMeta{}, err
	}
	op := "rebuild metadata of " + repo.String()
	if err := backend.ValidatePath(backup, false); err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: backup: %w", op, err)
	}
	f, exists, err := s.readMetadataRaw(ctx, repo)
	switch {
	case err != nil:
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	case !exists:
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, backend.ErrMetadataMissing)
	case metadocReadable(f.raw):
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w: it is readable, nothing to rebuild", op, backend.ErrMetadataChanged)
	}
	doc, err := build(f.raw)
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.copyUnreadable(ctx, repo, f.etag, backup); err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	entry := backend.NewObjectMeta(repo, backupInfo(backup, f), nil, time.Now())
	d := metadoc.NewDoc()
	for p, m := range doc.Objects {
		if err := d.Add(p, m); err != nil {
			return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := d.Add(backup, entry); err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	dir := s.indexDir(repo)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	tmp, err := os.CreateTemp(dir, "tmp-*.json")
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	defer func() {
		tmp.Close()
		_ = os.Remove(tmp.Name()) // gone once renamed
	}()
	b, err := metaindex.WriteDoc(tmp, repo, time.Now(), backend.MetadataHead{}, d.Source(), nil)
	if err != nil {
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w", op, err)
	}
	etag, err := s.putMetadataFile(ctx, repo, tmp, &f.etag)
	switch {
	case err == nil:
		s.installWritten(dir, etag, tmp, b)
		return entry, nil
	case lostRace(err):
		return backend.ObjectMeta{}, fmt.Errorf("%s: %w: nothing written over it (its unreadable bytes stay copied to %s)", op, backend.ErrMetadataChanged, backup)
	}
	return backend.ObjectMeta{}, fmt.Errorf("%w (the unreadable bytes are copied to %s)", s.s3Error(ctx, op, err), backup)
}

// copyUnreadable copies the metadata file, if it still has etag, to the
// object backup, if there is none there yet: checked first, since some
// S3-compatible servers (versitygw) ignore If-None-Match on a copy, and
// by If-None-Match where S3 honours it.
func (s *Store) copyUnreadable(ctx context.Context, repo backend.RepoRef, etag, backup string) error {
	key := repoPrefix(repo) + backup
	exists := func() error {
		if _, err := s.StatObject(ctx, repo, backup); err == nil {
			return fmt.Errorf("keep the unreadable file as %s: %w", backup, backend.ErrObjectExists)
		}
		return nil
	}
	if err := exists(); err != nil {
		return err
	}
	_, err := s.s3.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket: &s.cfg.Bucket, Key: &key,
		CopySource:           ptr(copySource(s.cfg.Bucket, metadataKey(repo))),
		CopySourceIfMatch:    &etag,
		IfNoneMatch:          ptr("*"),
		ServerSideEncryption: s.sse(),
	})
	switch {
	case err == nil:
		return nil
	case lostRace(err):
		if err := exists(); err != nil {
			return err
		}
		return fmt.Errorf("%w: nothing written over it", backend.ErrMetadataChanged)
	}
	return s.s3Error(ctx, "keep the unreadable file as "+backup, err)
}

// copySource names bucket/key for CopyObject, URL-encoded.
func copySource(bucket, key string) string {
	parts := strings.Split(bucket+"/"+key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// backupInfo describes the copy of metadata file f stored as backup, as a
// read of it would: its size, checksums and content type.
func backupInfo(backup string, f metadataFile) backend.ObjectInfo {
	h := backend.NewContentHash()
	h.Add(f.raw)
	ct := f.contentType
	if backend.GenericContentType(ct) {
		ct = backend.DetectContentType(f.raw[:min(len(f.raw), backend.SniffLen)], backup)
	}
	return backend.ObjectInfo{Path: backup, Size: h.Len(), Checksum: h.SHA256(), CRC32C: h.CRC32C(), ContentType: ct}
}

// metadocReadable reports whether raw is a metadata document coop reads.
func metadocReadable(raw []byte) bool {
	_, err := metadoc.Load(bytes.NewReader(raw))
	return err == nil
}

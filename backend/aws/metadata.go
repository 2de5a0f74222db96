package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/doccache"
	"github.com/coopterm/coop/backend/internal/metadoc"
)

// Retry policy of metadata writes that lose a race: jittered exponential
// back-off (backend.Backoff) from metadataBackoffBase up to
// metadataBackoffMax, at most metadataAttempts tries.
const (
	metadataAttempts = 100
	// metadataUnsure is how many PUTs of one update may fail unanswered.
	metadataUnsure      = 3
	metadataBackoffBase = 5 * time.Millisecond
	metadataBackoffMax  = 500 * time.Millisecond
)

// metadataKey is the key of a repository's .source-metadata.json.
func metadataKey(ref backend.RepoRef) string { return repoPrefix(ref) + backend.MetadataFileName }

// readMetadata reads the metadata file and its ETag; exists is false if
// there is none. A file that does not parse wraps ErrMetadataCorrupt.
func (s *Store) readMetadata(ctx context.Context, ref backend.RepoRef) (doc *metadoc.Doc, etag string, exists bool, err error) {
	f, exists, err := s.readMetadataRaw(ctx, ref)
	if err != nil || !exists {
		return nil, "", exists, err
	}
	if doc, err = parseMetadata(ref, f.raw); err != nil {
		return nil, "", false, err
	}
	return doc, f.etag, true, nil
}

// parseMetadata reads a whole document; ErrMetadataCorrupt if it is not one.
func parseMetadata(ref backend.RepoRef, raw []byte) (*metadoc.Doc, error) {
	doc, err := metadoc.Load(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read metadata of %s: %w: %w", ref, backend.ErrMetadataCorrupt, err)
	}
	return doc, nil
}

// metadataFile is the metadata file as stored: its bytes, ETag and
// content type.
type metadataFile struct {
	raw               []byte
	etag, contentType string
}

// readMetadataRaw reads the metadata file without parsing it; exists is
// false if there is none.
func (s *Store) readMetadataRaw(ctx context.Context, ref backend.RepoRef) (f metadataFile, exists bool, err error) {
	op := "read metadata of " + ref.String()
	key := metadataKey(ref)
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	if err != nil {
		if isCode(err, "NoSuchKey", "NotFound") {
			return f, false, nil
		}
		return f, false, s.s3Error(ctx, op, err)
	}
	defer out.Body.Close()
	if f.raw, err = io.ReadAll(out.Body); err != nil {
		return f, false, s.s3Error(ctx, op, err)
	}
	f.etag, f.contentType = deref(out.ETag, ""), deref(out.ContentType, "")
	return f, true, nil
}

// readDoc reads the whole document; ErrMetadataMissing if there is none.
func (s *Store) readDoc(ctx context.Context, repo backend.RepoRef) (*metadoc.Doc, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return nil, err
	}
	doc, _, exists, err := s.readMetadata(ctx, repo)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("read metadata of %s: %w", repo, backend.ErrMetadataMissing)
	}
	return doc, nil
}

// ReadMetadata streams the entries at folder and below (see
// backend.MetadataClient).
func (s *Store) ReadMetadata(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	doc, err := s.readDoc(ctx, repo)
	if err != nil {
		return backend.MetadataHead{}, err
	}
	if err := doc.Walk(folder, fn); err != nil {
		return backend.MetadataHead{}, err
	}
	return doc.Head, nil
}

// ReadObjectMetadata returns the entry of one path.
func (s *Store) ReadObjectMetadata(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectMeta, error) {
	doc, err := s.readDoc(ctx, repo)
	if err != nil {
		return backend.ObjectMeta{}, err
	}
	m, ok, err := doc.Entry(path)
	switch {
	case err != nil:
		return backend.ObjectMeta{}, err
	case !ok:
		return backend.ObjectMeta{}, backend.NoEntry(repo, path)
	}
	return m, nil
}

// ReadFolderMetadata returns one page of the entries directly in folder.
func (s *Store) ReadFolderMetadata(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.MetadataEntry], error) {
	doc, err := s.readDoc(ctx, repo)
	if err != nil {
		return backend.Page[backend.MetadataEntry]{}, err
	}
	return doc.FolderPage(folder, req)
}

// UpdateMetadata applies batch to the current metadata and writes the
// result with a conditional PUT: If-Match with the ETag it read, or
// If-None-Match: * when there was no file. When another writer got there
// first (412, or 409 for a concurrent conditional write) it reads again
// and applies the batch again after a jittered back-off, so no writer
// loses another's update. A corrupt file is never overwritten
// (ErrMetadataCorrupt).
func (s *Store) UpdateMetadata(ctx context.Context, repo backend.RepoRef, batch *backend.MetadataBatch) (backend.MetadataResult, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return backend.MetadataResult{}, err
	}
	if err := batch.Validate(); err != nil {
		return backend.MetadataResult{}, err
	}
	if batch.Empty() {
		return backend.MetadataResult{}, nil
	}
	op := "update metadata of " + repo.String()
	unsure := 0
	for attempt := 0; ; attempt++ {
		doc, etag, exists, err := (*metadoc.Doc)(nil), "", true, error(nil)
		if attempt == 0 {
			doc, etag, _ = s.docs.Take(repo)
		}
		if doc == nil {
			if doc, etag, exists, err = s.readMetadata(ctx, repo); err != nil {
				return backend.MetadataResult{}, fmt.Errorf("update: %w", err)
			}
		}
		if !exists {
			if doc, err = baseDoc(ctx, batch); err != nil {
				return backend.MetadataResult{}, fmt.Errorf("%s: %w", op, err)
			}
		}
		plan, err := batch.Plan(repo, doc)
		if err != nil {
			return backend.MetadataResult{}, fmt.Errorf("%s: %w", op, err)
		}
		if !plan.Changed() && (exists || doc.Len() == 0) {
			return plan.Result, nil
		}
		plan.Result.Written = true
		body, err := encodeMetadata(repo, doc, plan.Writes)
		if err != nil {
			return backend.MetadataResult{}, fmt.Errorf("%s: %w", op, err)
		}
		ifMatch := &etag
		if !exists {
			ifMatch = nil
		}
		err = s.putMetadata(ctx, repo, doc, plan.Writes, body, ifMatch)
		switch {
		case err == nil:
			return plan.Result, nil
		case lostRace(err):
		case unanswered(ctx, err) && unsure < metadataUnsure:
			// The connection failed before S3's answer came (a server
			// that refuses a conditional PUT may answer before reading
			// the body, and close): whether the write landed is unknown.
			// Reading again and applying the batch again is right
			// either way.
			unsure++
		default:
			return backend.MetadataResult{}, s.s3Error(ctx, op, err)
		}
		if attempt+1 >= metadataAttempts {
			return backend.MetadataResult{}, fmt.Errorf("%s: %w: still conflicting with other writers after %d attempts", op, backend.ErrUnavailable, metadataAttempts)
		}
		if err := sleepJitter(ctx, attempt); err != nil {
			return backend.MetadataResult{}, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// baseDoc is the document a repository with none starts from: the
// entries of the batch's base, if it has one.
func baseDoc(ctx context.Context, b *backend.MetadataBatch) (*metadoc.Doc, error) {
	d := metadoc.NewDoc()
	if base := b.Base(); base != nil {
		return d, base(ctx, func(e backend.MetadataEntry) error { return d.Add(e.Path, e.Meta) })
	}
	return d, nil
}

// encodeMetadata encodes doc with writes applied, stamped as repo's
// metadata written now.
func encodeMetadata(repo backend.RepoRef, doc *metadoc.Doc, writes []backend.PlannedEntry) ([]byte, error) {
	var buf bytes.Buffer
	w, err := metadoc.NewWriter(&buf, repo, time.Now(), doc.Head)
	if err == nil {
		err = metadoc.Merge(w, doc.Source(), writes)
	}
	if err == nil {
		_, err = w.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}

// putMetadata writes body, the encoding of doc with writes applied, as
// repo's metadata file with a conditional PUT: If-Match *ifMatch, or
// If-None-Match: * when ifMatch is nil (there was no file). A large
// document is kept in the document cache under the ETag S3 gives it. A
// failed PUT's error comes back as S3 gave it, for the caller to tell a
// lost race from the rest.
func (s *Store) putMetadata(ctx context.Context, repo backend.RepoRef, doc *metadoc.Doc, writes []backend.PlannedEntry, body []byte, ifMatch *string) error {
	key := metadataKey(repo)
	in := &s3.PutObjectInput{
		Bucket: &s.cfg.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentLength:        ptr(int64(len(body))),
		ContentType:          ptr("application/json"),
		ServerSideEncryption: s.sse(),
		IfMatch:              ifMatch,
	}
	if ifMatch == nil {
		in.IfNoneMatch = ptr("*")
	}
	out, err := s.s3.PutObject(ctx, in)
	if err != nil {
		return err
	}
	if len(body) >= doccache.MinSize && out.ETag != nil && doc.Apply(writes) == nil {
		s.docs.Keep(repo, *out.ETag, doc)
	}
	return nil
}

// lostRace reports whether a conditional PUT failed because another
// writer changed (or removed) the file since it was read.
func lostRace(err error) bool {
	return isStatus(err, 412) || isStatus(err, 409) || isStatus(err, 404) ||
		isCode(err, "PreconditionFailed", "ConditionalRequestConflict")
}

// unanswered reports whether a request failed with no answer from the
// server (a reset or closed connection), as opposed to an error it sent
// or the caller giving up.
func unanswered(ctx context.Context, err error) bool {
	_, status := apiCode(err)
	return status == 0 && ctx.Err() == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// sleepJitter waits before another attempt, with backend.Backoff.
func sleepJitter(ctx context.Context, attempt int) error {
	return backend.Sleep(ctx, backend.Backoff(metadataBackoffBase, metadataBackoffMax, attempt))
}

// UpdateObjectMetadata sets the entry for path, or removes it if meta is nil.
func (s *Store) UpdateObjectMetadata(ctx context.Context, repo backend.RepoRef, p string, meta *backend.ObjectMeta) error {
	if err := backend.ValidatePath(p, false); err != nil {
		return err
	}
	b := backend.NewMetadataBatch(time.Time{})
	if meta == nil {
		b.Delete(p)
	} else {
		b.Set(p, *meta)
	}
	_, err := s.UpdateMetadata(ctx, repo, b)
	return err
}

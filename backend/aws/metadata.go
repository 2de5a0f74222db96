package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/metadoc"
	"github.com/coopterm/coop/backend/internal/metaindex"
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

// trustedSize is the largest document whose version held is written
// over without a HEAD first (see current): one PUT's worth.
const trustedSize = 8 << 20

// metadataKey is the key of a repository's .source-metadata.json.
func metadataKey(ref backend.RepoRef) string { return repoPrefix(ref) + backend.MetadataFileName }

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

// ReadMetadata streams the entries at folder and below (see
// backend.MetadataClient), from the index of the document.
func (s *Store) ReadMetadata(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.MetadataEntry) error) (backend.MetadataHead, error) {
	var head backend.MetadataHead
	err := s.withVersion(ctx, repo, func(h *metaindex.Handle) error {
		head = h.Head
		return h.Walk(folder, fn)
	})
	return head, err
}

// ReadObjectMetadata returns the entry of one path: a HEAD of the
// document, and a lookup in its index.
func (s *Store) ReadObjectMetadata(ctx context.Context, repo backend.RepoRef, path string) (backend.ObjectMeta, error) {
	var (
		m  backend.ObjectMeta
		ok bool
	)
	err := s.withVersion(ctx, repo, func(h *metaindex.Handle) (err error) {
		m, ok, err = h.Entry(path)
		return err
	})
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
	var page backend.Page[backend.MetadataEntry]
	err := s.withVersion(ctx, repo, func(h *metaindex.Handle) (err error) {
		page, err = h.FolderPage(folder, req)
		return err
	})
	return page, err
}

// UpdateMetadata applies batch to the current document and writes the
// result with a conditional PUT — streamed from a local file, in parts
// when large — with If-Match on the ETag it read, or If-None-Match: *
// when there was no document. When another writer got there first (412,
// or 409 for a concurrent conditional write) it reads again and applies
// the batch again after a jittered back-off, so no writer loses
// another's update. Memory grows with the batch, not the document. A
// corrupt document is never overwritten (ErrMetadataCorrupt).
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
		// The first attempt trusts the version this process holds (no
		// HEAD); a PUT refused for it reads the document again.
		res, err := s.updateOnce(ctx, repo, batch, attempt == 0)
		switch {
		case err == nil:
			return res, nil
		case lostRace(err):
		case unanswered(ctx, err) && unsure < metadataUnsure:
			// The connection failed before S3's answer came (a server
			// that refuses a conditional PUT may answer before reading
			// the body, and close): whether the write landed is unknown.
			// Reading again and applying the batch again is right
			// either way.
			unsure++
		case errors.Is(err, errNotWritten):
			return backend.MetadataResult{}, err
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

// errNotWritten marks the errors of updateOnce that come before any
// write: they are returned as they are, not retried.
var errNotWritten = errors.New("metadata not written")

// updateOnce plans the batch against the current document and writes
// the result. Errors from S3's PUT come back as S3 gave them, for the
// caller to tell a lost race; the others wrap errNotWritten.
func (s *Store) updateOnce(ctx context.Context, repo backend.RepoRef, batch *backend.MetadataBatch, trust bool) (backend.MetadataResult, error) {
	op := "update metadata of " + repo.String()
	notWritten := func(err error) (backend.MetadataResult, error) {
		return backend.MetadataResult{}, fmt.Errorf("%w: %w", errNotWritten, err)
	}
	src, done, err := s.current(ctx, repo, batch, trust)
	if err != nil {
		return notWritten(err)
	}
	defer done()
	view := src.view
	if src.etag != nil {
		view = s.removed.take(s.indexDir(repo), src.ident, view)
	}
	plan, err := batch.Plan(repo, view)
	if err != nil {
		return notWritten(fmt.Errorf("%s: %w", op, err))
	}
	head, headChanged := batch.ApplyHead(src.head)
	if !plan.Changed() && !headChanged && !src.created {
		return plan.Result, nil
	}
	dir := s.indexDir(repo)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return notWritten(fmt.Errorf("%s: %w", op, err))
	}
	f, err := os.CreateTemp(dir, "tmp-*.json")
	if err != nil {
		return notWritten(fmt.Errorf("%s: %w", op, err))
	}
	defer func() {
		f.Close()
		_ = os.Remove(f.Name()) // gone once renamed
	}()
	b, err := metaindex.WriteDoc(f, repo, time.Now(), head, src.entries, plan.Writes)
	if err != nil {
		if errors.Is(err, metaindex.ErrStale) {
			s.versions.Drop(dir, src.ident)
		}
		return notWritten(fmt.Errorf("%s: %w", op, err))
	}
	etag, err := s.putMetadataFile(ctx, repo, f, src.etag)
	if err != nil {
		return backend.MetadataResult{}, err
	}
	// Written; an index that cannot be kept now is built by the next read.
	s.installWritten(dir, etag, f, b)
	plan.Result.Written = true
	return plan.Result, nil
}

// installWritten makes the document just written from f, whose new ETag
// is etag, the current version: f becomes its local copy and b its index.
func (s *Store) installWritten(dir, etag string, f *os.File, b *metaindex.Builder) {
	s.missing.forget(dir)
	if etag == "" {
		return
	}
	ident := etagIdent(etag)
	id := metaindex.IDOf(ident)
	name := filepath.Join(dir, metaindex.DocName(id))
	if err := os.Rename(f.Name(), name); err != nil {
		return
	}
	if err := b.Commit(dir, id, "", ident, b.Head()); err != nil {
		return
	}
	doc, err := os.Open(name)
	if err != nil {
		return
	}
	v, err := metaindex.Open(dir, id, ident, doc)
	if err != nil {
		doc.Close()
		return
	}
	s.versions.Install(dir, ident, v, doc).Release()
	metaindex.Prune(dir, id)
	s.sweepCache()
}

// source is the document a batch is applied to: its index, or, for a
// repository with none, the entries of the batch's base.
type source struct {
	view    backend.MetadataView
	entries metadoc.Source
	head    backend.MetadataHead
	ident   string
	etag    *string // nil: there is no document
	created bool    // there was no document, and the base gave entries
}

// current returns the document batch is applied to, and a function that
// releases it. With trust, a small document's version this process holds
// is taken as current without asking S3: the PUT is conditional on its
// ETag, so a version out of date costs a refused PUT, after which the
// caller asks again without trust. A large document is asked about
// first, since a refused PUT of it would cost far more than a HEAD.
func (s *Store) current(ctx context.Context, repo backend.RepoRef, batch *backend.MetadataBatch, trust bool) (source, func(), error) {
	var h *metaindex.Handle
	if trust {
		if h = s.versions.Current(s.indexDir(repo)); h != nil && h.Facts().DataEnd > trustedSize {
			h.Release()
			h = nil
		}
	}
	var err error
	switch {
	case h != nil:
	case trust && s.missing.recent(s.indexDir(repo)):
		// Found missing a moment ago (an upload's check): the PUT is
		// conditional on there being none still.
		err = fmt.Errorf("metadata of %s: %w", repo, backend.ErrMetadataMissing)
	default:
		h, err = s.version(ctx, repo)
	}
	switch {
	case err == nil:
		etag := h.Ident[len(etagIdent("")):]
		return source{view: h.Version, entries: h.Source(), head: h.Head, ident: h.Ident, etag: &etag}, h.Release, nil
	case errors.Is(err, backend.ErrMetadataMissing):
	case errors.Is(err, backend.ErrMetadataCorrupt):
		return source{}, nil, fmt.Errorf("update metadata (refusing to overwrite it): %w", err)
	default:
		return source{}, nil, err
	}
	base := batch.Base()
	if base == nil {
		d := metadoc.NewDoc()
		return source{view: d, entries: d.Source()}, func() {}, nil
	}
	v, cleanup, err := metaindex.BuildBase(ctx, s.cfg.CacheDir, base)
	if err != nil {
		return source{}, nil, fmt.Errorf("update metadata of %s: %w", repo, err)
	}
	return source{view: v, entries: v.Source(), created: v.Count() > 0}, cleanup, nil
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

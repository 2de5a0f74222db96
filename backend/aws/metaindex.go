package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// The index of a repository's document lives in the cache folder
// (Config.CacheDir), one folder per bucket and repository, named by the
// document's ETag: a local copy of the document, sorted, and its block
// table (see backend/internal/metaindex). A HEAD tells whether it is
// current; only a changed document is read again.

// indexDir is where ref's metadata indexes live.
func (s *Store) indexDir(ref backend.RepoRef) string {
	sum := sha256.Sum256([]byte(s.cfg.EndpointURL + "\x00" + s.cfg.Bucket))
	return filepath.Join(s.cfg.CacheDir, hex.EncodeToString(sum[:8]), ref.AccountID, ref.RepositoryID)
}

// etagIdent is the identity of a document version with this ETag.
func etagIdent(etag string) string { return "s3:" + etag }

// headMetadata returns the ETag of ref's document; ErrMetadataMissing if
// there is none.
func (s *Store) headMetadata(ctx context.Context, ref backend.RepoRef) (string, error) {
	key := metadataKey(ref)
	etag, err := s.headETag(ctx, key)
	if err != nil {
		if isCode(err, "NoSuchKey", "NotFound") || isStatus(err, 404) {
			s.missing.seen(s.indexDir(ref))
			return "", fmt.Errorf("metadata of %s: %w", ref, backend.ErrMetadataMissing)
		}
		return "", s.s3Error(ctx, "read metadata of "+ref.String(), err)
	}
	s.missing.forget(s.indexDir(ref))
	return etag, nil
}

// headETag is the ETag of key from its HEAD, sent by the store itself
// when it can (see headDirect).
func (s *Store) headETag(ctx context.Context, key string) (string, error) {
	if s.direct.active() {
		o, err := s.headDirect(ctx, key, false)
		if directAnswered(err) {
			return o.h.Get("ETag"), s.bucketAnswer(ctx, err)
		}
	}
	out, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	if err != nil {
		return "", err
	}
	return deref(out.ETag, ""), nil
}

// version returns the index of ref's document as it is now, held: the
// one this process has open if the ETag is unchanged, else the one in the
// cache folder, else one built from a GET of that very version.
func (s *Store) version(ctx context.Context, ref backend.RepoRef) (*metaindex.Handle, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		etag, err := s.headMetadata(ctx, ref)
		if err != nil {
			return nil, err
		}
		h, err := s.versionOf(ctx, ref, etag)
		// Replaced between the HEAD and the GET: look again.
		if !errors.Is(err, errReplaced) || attempt >= 5 {
			return h, err
		}
	}
}

var errReplaced = errors.New("metadata file replaced while being read")

func (s *Store) versionOf(ctx context.Context, ref backend.RepoRef, etag string) (*metaindex.Handle, error) {
	dir, ident := s.indexDir(ref), etagIdent(etag)
	if h := s.versions.Get(dir, ident); h != nil {
		return h, nil
	}
	unlock, err := s.versions.Lock(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if h := s.versions.Get(dir, ident); h != nil {
		return h, nil
	}
	id := metaindex.IDOf(ident)
	if v, doc, err := openCached(dir, id, ident); err == nil {
		metaindex.Touch(dir, id, time.Now())
		h := s.versions.Install(dir, ident, v, doc)
		return h, nil
	}
	doc, err := s.download(ctx, ref, etag, dir, id)
	if err != nil {
		return nil, err
	}
	fi, err := doc.Stat()
	if err == nil {
		err = metaindex.Build(dir, id, ident, doc, fi.Size())
	}
	if err != nil {
		doc.Close()
		_ = os.Remove(filepath.Join(dir, metaindex.DocName(id)))
		if errors.Is(err, metadoc.ErrSyntax) {
			return nil, fmt.Errorf("read metadata of %s: %w: %w", ref, backend.ErrMetadataCorrupt, err)
		}
		return nil, fmt.Errorf("index metadata of %s: %w", ref, err)
	}
	v, docCloser, err := openBuilt(dir, id, ident, doc)
	if err != nil {
		return nil, fmt.Errorf("index metadata of %s: %w", ref, err)
	}
	h := s.versions.Install(dir, ident, v, docCloser)
	metaindex.Prune(dir, id)
	s.sweepCache()
	return h, nil
}

// sweepCache bounds the cache folder (metaindex.Sweep) once a day, when
// an index is added to it: the cache grows only then.
func (s *Store) sweepCache() {
	if now := time.Now(); metaindex.SweepDue(s.cfg.CacheDir, now) {
		metaindex.Sweep(s.cfg.CacheDir, now, metaindex.MaxCacheBytes)
	}
}

// openCached opens the version id kept in dir from an earlier run (or
// another process).
func openCached(dir, id, ident string) (*metaindex.Version, io.Closer, error) {
	doc, err := os.Open(filepath.Join(dir, metaindex.DocName(id)))
	if err != nil {
		doc = nil // the index may have a sorted copy instead
	}
	v, err := metaindex.Open(dir, id, ident, doc)
	if err != nil {
		if doc != nil {
			doc.Close()
		}
		return nil, nil, err
	}
	if v.Facts().Data != "" && doc != nil {
		doc.Close()
		return v, nil, nil
	}
	return v, doc, nil
}

// openBuilt opens a version just built from the local copy doc, which it
// keeps as the data if the index reads it, and removes otherwise.
func openBuilt(dir, id, ident string, doc *os.File) (*metaindex.Version, io.Closer, error) {
	v, err := metaindex.Open(dir, id, ident, doc)
	if err != nil {
		doc.Close()
		return nil, nil, err
	}
	if v.Facts().Data != "" {
		doc.Close()
		_ = os.Remove(filepath.Join(dir, metaindex.DocName(id)))
		return v, nil, nil
	}
	return v, doc, nil
}

// download copies the version etag of ref's document to dir, as
// DocName(id), and returns it open; errReplaced if it changed since.
func (s *Store) download(ctx context.Context, ref backend.RepoRef, etag, dir, id string) (*os.File, error) {
	op := "read metadata of " + ref.String()
	key := metadataKey(ref)
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key, IfMatch: &etag})
	switch {
	case err != nil && (lostRace(err) || isCode(err, "NoSuchKey", "NotFound")):
		return nil, errReplaced
	case err != nil:
		return nil, s.s3Error(ctx, op, err)
	}
	defer out.Body.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	tmp, err := os.CreateTemp(dir, "tmp-*.json")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if _, err := io.Copy(tmp, out.Body); err != nil {
		tmp.Close()
		_ = os.Remove(tmp.Name())
		return nil, s.s3Error(ctx, op, err)
	}
	name := filepath.Join(dir, metaindex.DocName(id))
	if err := os.Rename(tmp.Name(), name); err != nil {
		tmp.Close()
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return tmp, nil
}

// withVersion calls fn with the index of ref's document as it is now
// (again on a new one if the document changed under it).
func (s *Store) withVersion(ctx context.Context, ref backend.RepoRef, fn func(h *metaindex.Handle) error) error {
	return s.versions.With(s.indexDir(ref), func() (*metaindex.Handle, error) { return s.version(ctx, ref) }, fn)
}

package aws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/internal/doccache"
)

// Retry policy of metadata writes that lose a race: full-jitter
// exponential back-off from metadataBackoffBase up to metadataBackoffMax,
// at most metadataAttempts tries.
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
func (s *Store) readMetadata(ctx context.Context, ref backend.RepoRef) (doc backend.SourceMetadata, etag string, exists bool, err error) {
	f, exists, err := s.readMetadataRaw(ctx, ref)
	if err != nil || !exists {
		return doc, "", exists, err
	}
	if err := json.Unmarshal(f.raw, &doc); err != nil {
		return doc, "", false, fmt.Errorf("read metadata of %s: %w: %w", ref, backend.ErrMetadataCorrupt, err)
	}
	if doc.Objects == nil {
		doc.Objects = map[string]backend.ObjectMeta{}
	}
	return doc, f.etag, true, nil
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

// ReadMetadata reads the repository's .source-metadata.json;
// ErrMetadataMissing if there is none.
func (s *Store) ReadMetadata(ctx context.Context, repo backend.RepoRef) (backend.SourceMetadata, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return backend.SourceMetadata{}, err
	}
	doc, _, exists, err := s.readMetadata(ctx, repo)
	if err != nil {
		return backend.SourceMetadata{}, err
	}
	if !exists {
		return backend.SourceMetadata{}, fmt.Errorf("read metadata of %s: %w", repo, backend.ErrMetadataMissing)
	}
	return doc, nil
}

// UpdateMetadata applies fn to the current metadata and writes the result
// with a conditional PUT: If-Match with the ETag it read, or
// If-None-Match: * when there was no file. When another writer got there
// first (412, or 409 for a concurrent conditional write) it reads again
// and reapplies fn after a jittered back-off, so no writer loses another's
// update; fn may therefore run more than once and must depend only on the
// document it is given. A corrupt file is never overwritten
// (ErrMetadataCorrupt).
func (s *Store) UpdateMetadata(ctx context.Context, repo backend.RepoRef, fn func(*backend.SourceMetadata) error) error {
	if err := backend.ValidateRef(repo); err != nil {
		return err
	}
	op := "update metadata of " + repo.String()
	unsure := 0
	for attempt := 0; ; attempt++ {
		doc, etag, exists, err := backend.SourceMetadata{}, "", true, error(nil)
		cached, cachedETag := (*backend.SourceMetadata)(nil), ""
		if attempt == 0 {
			cached, cachedETag, _ = s.docs.Take(repo)
		}
		if cached != nil {
			doc, etag = *cached, cachedETag
		} else if doc, etag, exists, err = s.readMetadata(ctx, repo); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if !exists {
			doc = backend.SourceMetadata{Objects: map[string]backend.ObjectMeta{}}
		}
		if err := fn(&doc); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		body, err := encodeMetadata(repo, &doc)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		ifMatch := &etag
		if !exists {
			ifMatch = nil
		}
		err = s.putMetadata(ctx, repo, &doc, body, ifMatch)
		switch {
		case err == nil:
			return nil
		case lostRace(err):
		case unanswered(ctx, err) && unsure < metadataUnsure:
			// The connection failed before S3's answer came (a server
			// that refuses a conditional PUT may answer before reading
			// the body, and close): whether the write landed is unknown.
			// Reading again and reapplying fn is right either way.
			unsure++
		default:
			return s.s3Error(ctx, op, err)
		}
		if attempt+1 >= metadataAttempts {
			return fmt.Errorf("%s: %w: still conflicting with other writers after %d attempts", op, backend.ErrUnavailable, metadataAttempts)
		}
		if err := sleepJitter(ctx, attempt); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
}

// encodeMetadata stamps doc as repo's metadata, written now, and encodes it.
func encodeMetadata(repo backend.RepoRef, doc *backend.SourceMetadata) ([]byte, error) {
	doc.RepositoryID, doc.AccountID = repo.RepositoryID, repo.AccountID
	doc.LastUpdated = time.Now().UTC()
	if doc.Objects == nil {
		doc.Objects = map[string]backend.ObjectMeta{}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return body, nil
}

// putMetadata writes body, the encoding of doc, as repo's metadata file
// with a conditional PUT: If-Match *ifMatch, or If-None-Match: * when
// ifMatch is nil (there was no file). A large document is kept in the
// document cache under the ETag S3 gives it. A failed PUT's error comes
// back as S3 gave it, for the caller to tell a lost race from the rest.
func (s *Store) putMetadata(ctx context.Context, repo backend.RepoRef, doc *backend.SourceMetadata, body []byte, ifMatch *string) error {
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
	if len(body) >= doccache.MinSize && out.ETag != nil {
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

// sleepJitter waits a random time up to an exponentially growing bound.
func sleepJitter(ctx context.Context, attempt int) error {
	bound := metadataBackoffMax
	if attempt < 16 {
		bound = min(metadataBackoffBase<<attempt, metadataBackoffMax)
	}
	return backend.Sleep(ctx, rand.N(bound)+time.Millisecond)
}

// UpdateObjectMetadata sets the entry for path, or removes it if meta is nil.
func (s *Store) UpdateObjectMetadata(ctx context.Context, repo backend.RepoRef, p string, meta *backend.ObjectMeta) error {
	if err := backend.ValidatePath(p, false); err != nil {
		return err
	}
	return s.UpdateMetadata(ctx, repo, func(doc *backend.SourceMetadata) error {
		if meta == nil {
			delete(doc.Objects, p)
		} else {
			doc.Objects[p] = *meta
		}
		return nil
	})
}

package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
)

var (
	_ backend.ConditionalPutter = (*Store)(nil)
	_ backend.BatchDeleter      = (*Store)(nil)
	_ backend.ObjectWalker      = (*Store)(nil)
	_ backend.IncompleteCleaner = (*Store)(nil)
	_ backend.RangeGetter       = (*Store)(nil)
)

// putError maps a failed PUT: a refused If-None-Match is
// backend.ErrObjectExists (409 is another conditional writer of the same
// key still at work), anything else as s3Error does.
func (s *Store) putError(ctx context.Context, op string, err error) error {
	if isStatus(err, 412) || isStatus(err, 409) || isCode(err, "PreconditionFailed", "ConditionalRequestConflict") {
		return fmt.Errorf("%s: %w", op, backend.ErrObjectExists)
	}
	return s.s3Error(ctx, op, err)
}

// DeleteObjects removes up to backend.MaxDeleteBatch entries with one
// DeleteObjects request (quiet mode: only failures come back), and
// reports each key S3 refused. Keys with control characters cannot travel
// in the request's XML; they are removed one by one instead.
func (s *Store) DeleteObjects(ctx context.Context, repo backend.RepoRef, entries []backend.Entry) (map[string]error, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return nil, err
	}
	if len(entries) > backend.MaxDeleteBatch {
		return nil, fmt.Errorf("%w delete batch: %d entries, at most %d", backend.ErrInvalid, len(entries), backend.MaxDeleteBatch)
	}
	op := "delete in " + repo.String()
	failed := map[string]error{}
	keys := deleteKeys{prefix: repoPrefix(repo), entries: entries}
	oddPrefix := hasControl(keys.prefix)
	// The batch goes as it came, unless some of its entries cannot go in
	// the request: those are sorted out of a copy (a copy of 1,000
	// entries is 100 KB).
	for i, e := range entries {
		if !oddPrefix && !hasControl(e.Path) && backend.ValidateReadPath(e.Path, e.IsDir()) == nil {
			continue
		}
		keys.entries = append(make([]backend.Entry, 0, len(entries)), entries[:i]...)
		for _, e := range entries[i:] {
			if err := backend.ValidateReadPath(e.Path, e.IsDir()); err != nil {
				failed[e.Path] = err
				continue
			}
			if oddPrefix || hasControl(e.Path) {
				if err := s.deleteKey(ctx, keys.keyOf(e)); err != nil {
					failed[e.Path] = s.s3Error(ctx, "delete "+repo.String()+"/"+e.Path, err)
				}
				continue
			}
			keys.entries = append(keys.entries, e)
		}
		break
	}
	if len(keys.entries) == 0 {
		return failed, nil
	}
	dctx, cancel := s.opContext(ctx)
	defer cancel()
	out, err := s.deleteObjects(dctx, keys)
	if err != nil {
		return nil, s.s3Error(dctx, op, err)
	}
	var byKey map[string]string
	if len(out.Errors) > 0 {
		byKey = make(map[string]string, len(keys.entries))
		for _, e := range keys.entries {
			byKey[keys.keyOf(e)] = e.Path
		}
	}
	for _, e := range out.Errors {
		key := deref(e.Key, "")
		p, ok := byKey[key]
		if !ok {
			p = strings.TrimPrefix(key, keys.prefix)
		}
		failed[p] = keyError(repo, p, deref(e.Code, "error"), deref(e.Message, "refused"))
	}
	s.noteRemoved(repo, keys.entries, failed)
	return failed, nil
}

// deleteKeys are the keys of one DeleteObjects: prefix and each entry's
// path (a folder marker's with its "/"), kept apart so that a batch
// makes no string per key unless S3 refuses some.
type deleteKeys struct {
	prefix  string
	entries []backend.Entry
}

// keyOf is e's key.
func (k deleteKeys) keyOf(e backend.Entry) string {
	if e.IsDir() && e.Path != "" {
		return k.prefix + e.Path + "/"
	}
	return k.prefix + e.Path
}

// all lists the keys.
func (k deleteKeys) all() []string {
	out := make([]string, len(k.entries))
	for i, e := range k.entries {
		out[i] = k.keyOf(e)
	}
	return out
}

// deleteObjects sends one DeleteObjects of keys in quiet mode: by the
// store itself when it can (see deleteDirect), else through the SDK.
func (s *Store) deleteObjects(ctx context.Context, keys deleteKeys) (*s3.DeleteObjectsOutput, error) {
	if s.direct.active() {
		out, err := s.deleteDirect(ctx, keys)
		if directAnswered(err) {
			return out, s.bucketAnswer(ctx, err)
		}
	}
	return s.s3.DeleteObjects(ctx, deleteInput(&s.cfg.Bucket, keys.all()), s.lightDelete)
}

// keyError describes one key a DeleteObjects refused, as the sentinel
// error its code means, so callers know what to try again.
func keyError(repo backend.RepoRef, p, code, msg string) error {
	var kind error
	switch code {
	case "InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeout":
		kind = backend.ErrUnavailable
	case "AccessDenied":
		kind = backend.ErrUnauthorized
	case "NoSuchKey":
		kind = backend.ErrNotFound
	default:
		return fmt.Errorf("delete %s/%s: %s: %s", repo, p, code, msg)
	}
	return fmt.Errorf("delete %s/%s: %w: %s: %s", repo, p, kind, code, msg)
}

// deleteKey removes one key, without first checking that it exists.
func (s *Store) deleteKey(ctx context.Context, key string) error {
	dctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err := s.s3.DeleteObject(dctx, &s3.DeleteObjectInput{Bucket: &s.cfg.Bucket, Key: &key})
	return err
}

// hasControl reports whether k holds a character XML 1.0 cannot carry.
func hasControl(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
	}
	return false
}

// CleanIncomplete aborts the unfinished multipart uploads in folder (and
// below it if recursive) that were started more than olderThan ago. S3 cannot tell a live upload
// from one whose process died, so age is the test here; a new multipart
// upload of a key also aborts earlier ones of that same key (see
// abortStaleUploads).
func (s *Store) CleanIncomplete(ctx context.Context, repo backend.RepoRef, folder string, recursive bool, olderThan time.Duration) (int, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return 0, err
	}
	folder, err := backend.CleanFolder(folder)
	if err != nil {
		return 0, err
	}
	prefix := repoPrefix(repo)
	if folder != "" {
		prefix += folder + "/"
	}
	cutoff := time.Now().Add(-olderThan)
	return s.abortUploads(ctx, prefix, func(u s3types.MultipartUpload) bool {
		below := strings.Contains(strings.TrimPrefix(deref(u.Key, ""), prefix), "/")
		return u.Initiated != nil && u.Initiated.Before(cutoff) && (recursive || !below)
	})
}

// keySet counts the multipart uploads of each key this Store has running.
type keySet struct {
	mu sync.Mutex
	m  map[string]int
}

// begin registers an upload of key and reports whether it is the only one.
func (k *keySet) begin(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]int{}
	}
	k.m[key]++
	return k.m[key] == 1
}

// end unregisters an upload of key.
func (k *keySet) end(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m[key]--; k.m[key] <= 0 {
		delete(k.m, key)
	}
}

// abortUploads aborts the multipart uploads under prefix that match.
func (s *Store) abortUploads(ctx context.Context, prefix string, match func(s3types.MultipartUpload) bool) (int, error) {
	op := "clean up uploads under " + prefix
	var keyMarker, idMarker *string
	n := 0
	for {
		lctx, cancel := s.opContext(ctx)
		out, err := s.s3.ListMultipartUploads(lctx, &s3.ListMultipartUploadsInput{
			Bucket: &s.cfg.Bucket, Prefix: &prefix, KeyMarker: keyMarker, UploadIdMarker: idMarker,
		})
		if err != nil {
			err = s.s3Error(lctx, op, err)
			cancel()
			return n, err
		}
		cancel()
		for _, u := range out.Uploads {
			if !match(u) {
				continue
			}
			actx, cancel := s.opContext(ctx)
			_, err := s.s3.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
				Bucket: &s.cfg.Bucket, Key: u.Key, UploadId: u.UploadId,
			})
			cancel()
			if err != nil && !isCode(err, "NoSuchUpload") {
				return n, s.s3Error(ctx, op, err)
			}
			if err == nil {
				n++
			}
		}
		if !deref(out.IsTruncated, false) {
			return n, nil
		}
		keyMarker, idMarker = out.NextKeyMarker, out.NextUploadIdMarker
		if keyMarker == nil && idMarker == nil {
			return n, errors.New(op + ": listing truncated without a marker")
		}
	}
}

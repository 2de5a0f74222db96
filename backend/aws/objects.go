package aws

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
)

// MaxListLimit is the most entries one ListObjects page holds: one S3
// ListObjectsV2 page.
const MaxListLimit = 1000

// repoPrefix is where a repository's objects start in the bucket.
func repoPrefix(ref backend.RepoRef) string {
	return ref.AccountID + "/" + ref.RepositoryID + "/"
}

// unescapeKey decodes a key from a listing made with EncodingType=url.
func unescapeKey(k string) string {
	if u, err := url.QueryUnescape(k); err == nil {
		return u
	}
	return k
}

// ListObjects lists one folder level: one ListObjectsV2 page (delimiter
// "/") per call, the cursor being its continuation token. Common prefixes
// are folders; a folder's zero-byte "name/" marker makes it exist but is
// never an entry itself; the metadata file is never listed. Keys are
// listed URL-encoded, so that names that are not valid UTF-8 or that hold
// control characters come through intact (front ends sanitize them).
// Entries of a page are in the byte order of S3 keys, a folder sorting as
// its name followed by "/" ("a.txt" < "a/" < "a0"), which is also the
// order of the pages.
func (s *Store) ListObjects(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	if err := backend.ValidateRef(repo); err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	folder, err := backend.CleanFolder(folder)
	if err != nil {
		return backend.Page[backend.Entry]{}, err
	}
	prefix := repoPrefix(repo)
	if folder != "" {
		prefix += folder + "/"
	}
	op := "list " + repo.String() + "/" + folder
	limit := req.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = MaxListLimit
	}
	token := req.Cursor
	var page backend.Page[backend.Entry]
	for {
		in := &s3.ListObjectsV2Input{
			Bucket: &s.cfg.Bucket, Prefix: &prefix, Delimiter: ptr("/"),
			MaxKeys: ptr(int32(limit)), EncodingType: s3types.EncodingTypeUrl,
		}
		if token != "" {
			in.ContinuationToken = &token
		}
		lctx, cancel := s.opContext(ctx)
		out, err := s.listObjects(lctx, in)
		if err != nil {
			err = s.s3Error(lctx, op, err)
			cancel()
			return backend.Page[backend.Entry]{}, err
		}
		cancel()
		page.Items = appendEntries(page.Items, out, prefix, folder, out.EncodingType == s3types.EncodingTypeUrl)
		if req.Cursor == "" && token == "" && len(out.Contents)+len(out.CommonPrefixes) == 0 {
			if err := s.checkEmptyFolder(ctx, repo, folder); err != nil {
				return backend.Page[backend.Entry]{}, fmt.Errorf("%s: %w", op, err)
			}
		}
		page.Next = ""
		if deref(out.IsTruncated, false) && deref(out.NextContinuationToken, "") != "" {
			page.Next = *out.NextContinuationToken
		}
		// A page that held only a folder marker or the metadata file
		// gives nothing to show: go on to the next one.
		if len(page.Items) > 0 || page.Next == "" {
			break
		}
		token = page.Next
	}
	slices.SortFunc(page.Items, func(a, b backend.Entry) int { return strings.Compare(sortKey(a), sortKey(b)) })
	return page, nil
}

// sortKey is an entry's name as it sorts among S3 keys.
func sortKey(e backend.Entry) string {
	if e.IsDir() {
		return e.Name + "/"
	}
	return e.Name
}

// appendEntries turns one ListObjectsV2 page into entries.
// Keys are decoded when the server says it encoded them (some servers
// ignore EncodingType and send keys as they are).
func appendEntries(items []backend.Entry, out *s3.ListObjectsV2Output, prefix, folder string, encoded bool) []backend.Entry {
	unescape := func(k *string) string {
		if encoded {
			return unescapeKey(deref(k, ""))
		}
		return deref(k, "")
	}
	for _, cp := range out.CommonPrefixes {
		name := strings.TrimSuffix(strings.TrimPrefix(unescape(cp.Prefix), prefix), "/")
		items = append(items, backend.Entry{Name: name, Path: backend.JoinPath(folder, name), Type: backend.TypeDirectory, Odd: backend.OddName(name)})
	}
	for _, o := range out.Contents {
		key := unescape(o.Key)
		name, ok := strings.CutPrefix(key, prefix)
		if !ok || name == "" || strings.Contains(name, "/") {
			continue // the folder's own marker, or nothing of this folder
		}
		if folder == "" && name == backend.MetadataFileName {
			continue
		}
		e := backend.Entry{Name: name, Path: backend.JoinPath(folder, name), Type: backend.TypeFile, Size: deref(o.Size, 0),
			Odd: backend.OddName(name)}
		if o.LastModified != nil {
			e.ModTime = o.LastModified.UTC()
		}
		items = append(items, e)
	}
	return items
}

// checkEmptyFolder decides what an empty first page means: a folder that
// does not exist (ErrNotFound), or an empty repository root, which is
// fine if the repository exists.
func (s *Store) checkEmptyFolder(ctx context.Context, repo backend.RepoRef, folder string) error {
	if folder != "" {
		return fmt.Errorf("folder %q: %w", folder, backend.ErrNotFound)
	}
	_, err := s.GetRepository(ctx, repo.AccountID, repo.RepositoryID)
	return err
}

// StatObject returns what S3 knows of one object; a path that is only a
// prefix of other keys (a folder) gives an ObjectInfo with just its Path.
func (s *Store) StatObject(ctx context.Context, repo backend.RepoRef, p string) (backend.ObjectInfo, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return backend.ObjectInfo{}, err
	}
	if err := backend.ValidateReadPath(p, true); err != nil {
		return backend.ObjectInfo{}, err
	}
	op := "stat " + repo.String() + "/" + p
	if p == "" {
		if _, err := s.GetRepository(ctx, repo.AccountID, repo.RepositoryID); err != nil {
			return backend.ObjectInfo{}, fmt.Errorf("%s: %w", op, err)
		}
		return backend.ObjectInfo{}, nil
	}
	hctx, cancel := s.opContext(ctx)
	defer cancel()
	info, err := s.headObject(followed404(hctx), repo, p)
	if !errors.Is(err, backend.ErrNotFound) {
		return info, err
	}
	key := repoPrefix(repo) + p
	dir := key + "/"
	list, err := s.listObjects(hctx, &s3.ListObjectsV2Input{Bucket: &s.cfg.Bucket, Prefix: &dir, MaxKeys: ptr(int32(1))})
	if err != nil {
		return backend.ObjectInfo{}, s.s3Error(hctx, op, err)
	}
	if len(list.Contents) == 0 {
		return backend.ObjectInfo{}, fmt.Errorf("%s: %w", op, backend.ErrNotFound)
	}
	return backend.ObjectInfo{Path: p}, nil
}

// StatFile returns what S3 knows of the object named p (see
// backend.FileStatter): its HEAD alone, a 404 being ErrNotFound.
func (s *Store) StatFile(ctx context.Context, repo backend.RepoRef, p string) (backend.ObjectInfo, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return backend.ObjectInfo{}, err
	}
	if err := backend.ValidateReadPath(p, false); err != nil {
		return backend.ObjectInfo{}, err
	}
	hctx, cancel := s.opContext(ctx)
	defer cancel()
	return s.headObject(followed404(hctx), repo, p)
}

// headObject is StatObject of a file: one HEAD, a 404 being ErrNotFound.
func (s *Store) headObject(ctx context.Context, repo backend.RepoRef, p string) (backend.ObjectInfo, error) {
	key := repoPrefix(repo) + p
	var err error
	if s.direct.active() {
		var o objectHeaders
		if o, err = s.headDirect(ctx, key, true); directAnswered(err) {
			if err = s.bucketAnswer(ctx, err); err == nil {
				return o.objectInfo(p, o.size()), nil
			}
			return backend.ObjectInfo{}, s.headError(ctx, repo, p, err)
		}
	}
	out, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: &s.cfg.Bucket, Key: &key, ChecksumMode: s3types.ChecksumModeEnabled,
	})
	if err == nil {
		return objectInfo(p, deref(out.ContentLength, 0), out.LastModified, out.ContentType, out.ETag, out.ChecksumSHA256, out.ChecksumType), nil
	}
	return backend.ObjectInfo{}, s.headError(ctx, repo, p, err)
}

// headError is what a failed HEAD of p says: a 404 is ErrNotFound.
func (s *Store) headError(ctx context.Context, repo backend.RepoRef, p string, err error) error {
	op := "stat " + repo.String() + "/" + p
	if isStatus(err, 404) || isCode(err, "NoSuchKey", "NotFound") {
		return fmt.Errorf("%s: %w", op, backend.ErrNotFound)
	}
	return s.s3Error(ctx, op, err)
}

// GetObject opens an object's content. The SDK checks a full-object
// checksum stored with it as the body is read.
func (s *Store) GetObject(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, backend.ObjectInfo, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return nil, backend.ObjectInfo{}, err
	}
	if err := backend.ValidateReadPath(p, false); err != nil {
		return nil, backend.ObjectInfo{}, err
	}
	key := repoPrefix(repo) + p
	// No opContext here: the body outlives this call. The transport's
	// response-header time-out bounds the wait for an answer.
	out, err := s.s3.GetObject(ctx, &s3.GetObjectInput{
		Bucket: &s.cfg.Bucket, Key: &key, ChecksumMode: s3types.ChecksumModeEnabled,
	})
	if err != nil {
		return nil, backend.ObjectInfo{}, s.s3Error(ctx, "get "+repo.String()+"/"+p, err)
	}
	return out.Body, objectInfo(p, deref(out.ContentLength, 0), out.LastModified, out.ContentType, out.ETag, out.ChecksumSHA256, out.ChecksumType), nil
}

// DeleteObject removes one object; ErrNotFound if there is none (S3's
// own delete succeeds either way, so the object is looked up first).
func (s *Store) DeleteObject(ctx context.Context, repo backend.RepoRef, p string) error {
	if err := backend.ValidateRef(repo); err != nil {
		return err
	}
	if err := backend.ValidateReadPath(p, false); err != nil {
		return err
	}
	op := "delete " + repo.String() + "/" + p
	key := repoPrefix(repo) + p
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	if _, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.cfg.Bucket, Key: &key}); err != nil {
		return s.s3Error(ctx, op, err)
	}
	if _, err := s.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.cfg.Bucket, Key: &key}); err != nil {
		return s.s3Error(ctx, op, err)
	}
	return nil
}

// objectInfo builds an ObjectInfo from what S3 answered. Checksum is set
// when S3 holds a full-object SHA-256 (single-part uploads); a multipart
// object's composite checksum is not the SHA-256 of its content.
func objectInfo(p string, size int64, mod *time.Time, ctype, etag, sha256b64 *string, ctyp s3types.ChecksumType) backend.ObjectInfo {
	info := backend.ObjectInfo{
		Path:        p,
		Size:        size,
		ContentType: deref(ctype, ""),
		ETag:        strings.Trim(deref(etag, ""), `"`),
		Checksum:    sha256Hex(deref(sha256b64, ""), ctyp),
	}
	if mod != nil {
		info.ModTime = mod.UTC()
	}
	return info
}

// sha256Hex turns S3's base64 SHA-256 into "sha256:<hex>", or "" unless
// S3 says it is of the full object (a multipart upload's composite
// checksum is not; see wholeObjectChecksumsOnly).
func sha256Hex(b64 string, typ s3types.ChecksumType) string {
	if b64 == "" || typ != s3types.ChecksumTypeFullObject || strings.Contains(b64, "-") {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		return ""
	}
	return "sha256:" + hex.EncodeToString(raw)
}

package aws

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
)

// A download's GETs are signed and sent by the store itself when it can
// (see direct), as GetObject would send them with the same input: a
// download of many small files makes one per file, and the SDK's
// pipeline took about a fifth of its CPU, several hundred allocations
// per GET on top of the transport's. The answer's body is the
// transport's, read by the caller as the SDK's would be.

// getDirect sends a GET of key: of the bytes rng ("bytes=0-99"; "" for
// the whole object), and with ifMatch set only if the object's ETag is
// still that (a quoted ETag). The caller reads and closes the answer's
// body; the error is the SDK's type, as GetObject's (errSkewed when the
// SDK must send it again).
func (s *Store) getDirect(ctx context.Context, key, rng, ifMatch string) (*http.Response, error) {
	u := s.direct.objectURL(key, "x-id=GetObject").String()
	return s.direct.do(ctx, request{
		op:          "GetObject",
		payloadHash: emptySHA256,
		build: func(ctx context.Context) (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodGet, u, http.NoBody)
			if err != nil {
				return nil, err
			}
			if ifMatch != "" {
				r.Header.Set("If-Match", ifMatch)
			}
			if rng != "" {
				r.Header.Set("Range", rng)
			}
			return r, nil
		},
	})
}

// getRangeDirect sends a GET of the bytes rng ("bytes=0-99") of key; the
// caller reads and closes the answer's body.
func (s *Store) getRangeDirect(ctx context.Context, key, rng string) (*http.Response, error) {
	return s.getDirect(ctx, key, rng, "")
}

// GetObjectRange reads length bytes of an object from offset (to the end
// if length < 0) with one GET; with etag set, If-Match makes S3 refuse
// (412) if the object was replaced meanwhile, which is
// backend.ErrObjectChanged. Unlike GetObject it does not ask for the
// stored checksum, so nothing hashes the body here: for callers that
// check the content themselves. The GET is sent by the store itself
// when it can (see getDirect), else through the SDK.
func (s *Store) GetObjectRange(ctx context.Context, repo backend.RepoRef, p string, offset, length int64, etag string) (io.ReadCloser, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return nil, err
	}
	if err := backend.ValidateReadPath(p, false); err != nil {
		return nil, err
	}
	key := repoPrefix(repo) + p
	var rng, ifMatch string
	switch {
	case length >= 0:
		rng = "bytes=" + strconv.FormatInt(offset, 10) + "-" + strconv.FormatInt(offset+length-1, 10)
	case offset > 0:
		rng = "bytes=" + strconv.FormatInt(offset, 10) + "-"
	}
	if etag != "" {
		ifMatch = `"` + strings.Trim(etag, `"`) + `"`
	}
	if s.direct.active() {
		resp, err := s.getDirect(ctx, key, rng, ifMatch)
		if directAnswered(err) {
			if err = s.bucketAnswer(ctx, err); err != nil {
				return nil, s.rangeError(ctx, repo, p, offset, err)
			}
			return resp.Body, nil
		}
	}
	in := &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key}
	if rng != "" {
		in.Range = &rng
	}
	if ifMatch != "" {
		in.IfMatch = &ifMatch
	}
	out, err := s.s3.GetObject(ctx, in)
	if err != nil {
		return nil, s.rangeError(ctx, repo, p, offset, err)
	}
	return out.Body, nil
}

// rangeError is what a failed GetObjectRange of p from offset says: a
// 412 (the object is no longer the one asked for) is
// backend.ErrObjectChanged.
func (s *Store) rangeError(ctx context.Context, repo backend.RepoRef, p string, offset int64, err error) error {
	op := fmt.Sprintf("get %s/%s at %d", repo, p, offset)
	if isStatus(err, 412) || isCode(err, "PreconditionFailed") {
		return fmt.Errorf("%s: %w", op, backend.ErrObjectChanged)
	}
	return s.s3Error(ctx, op, err)
}

package aws

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
)

// GetObjectHead reads the first n bytes of an object with one ranged GET
// and returns them with what the answer says of the object: its whole
// size (from Content-Range), times, content type and ETag. A ranged
// answer carries no full-object checksum, so Checksum is empty; a caller
// that needs it asks HeadObject beside this (see coop stat).
func (s *Store) GetObjectHead(ctx context.Context, repo backend.RepoRef, p string, n int64) ([]byte, backend.ObjectInfo, error) {
	if err := backend.ValidateRef(repo); err != nil {
		return nil, backend.ObjectInfo{}, err
	}
	if err := backend.ValidateReadPath(p, false); err != nil {
		return nil, backend.ObjectInfo{}, err
	}
	if n <= 0 {
		return nil, backend.ObjectInfo{}, fmt.Errorf("%w: read the first %d bytes", backend.ErrInvalid, n)
	}
	key := repoPrefix(repo) + p
	op := "get " + repo.String() + "/" + p
	// A 404 here is told by the caller's StatObject beside it, whose
	// folder listing answers for the bucket.
	rng := fmt.Sprintf("bytes=0-%d", n-1)
	if s.direct.active() {
		fctx := followed404(ctx)
		resp, err := s.getRangeDirect(fctx, key, rng)
		if directAnswered(err) {
			if err = s.bucketAnswer(fctx, err); err != nil {
				return nil, backend.ObjectInfo{}, s.s3Error(ctx, op, err)
			}
			defer resp.Body.Close()
			o := objectHeaders{h: resp.Header}
			info := o.objectInfo(p, o.size())
			info.Checksum = "" // a range's, if any
			return s.readHead(ctx, op, resp.Body, n, info, o.h.Get("Content-Range"))
		}
	}
	out, err := s.s3.GetObject(followed404(ctx), &s3.GetObjectInput{Bucket: &s.cfg.Bucket, Key: &key, Range: &rng})
	if err != nil {
		return nil, backend.ObjectInfo{}, s.s3Error(ctx, op, err)
	}
	defer out.Body.Close()
	info := objectInfo(p, deref(out.ContentLength, 0), out.LastModified, out.ContentType, out.ETag, nil, "")
	return s.readHead(ctx, op, out.Body, n, info, deref(out.ContentRange, ""))
}

// readHead reads the first n bytes of a ranged GET's body, for the
// object info describes; its size is the whole object's from the
// answer's Content-Range cr when there is one.
func (s *Store) readHead(ctx context.Context, op string, body io.Reader, n int64, info backend.ObjectInfo, cr string) ([]byte, backend.ObjectInfo, error) {
	if total, ok := rangeTotal(cr); ok {
		info.Size = total
	}
	// A server that ignores the range sends the whole object: read no
	// more than asked for.
	b, err := io.ReadAll(io.LimitReader(body, n))
	if err != nil {
		return nil, backend.ObjectInfo{}, s.s3Error(ctx, op, err)
	}
	if int64(len(b)) < min(n, info.Size) {
		return nil, backend.ObjectInfo{}, fmt.Errorf("%s: %w: %d bytes of the first %d", op, io.ErrUnexpectedEOF, len(b), min(n, info.Size))
	}
	return b, info, nil
}

// rangeTotal reads the whole size from a Content-Range such as
// "bytes 0-99/1234".
func rangeTotal(cr string) (int64, bool) {
	_, total, ok := strings.Cut(cr, "/")
	if !ok || total == "*" {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil && n >= 0
}

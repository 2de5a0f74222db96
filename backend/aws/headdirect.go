package aws

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
)

// The requests every `coop stat` (and a preview, a download's first
// question) makes of one object — its HEAD, its first bytes, the HEAD of
// the repository's document — are signed and sent by the store itself
// when it can (see direct), as HeadObject and GetObject would send them:
// through the SDK's pipeline each took about as much CPU as the rest of
// the command's work after its start.

// objectHeaders is what S3 answered of an object: the headers of a HEAD
// or of a ranged GET.
type objectHeaders struct{ h http.Header }

// headDirect sends the HEAD of key, asking for the object's checksum
// when checksum is set (as HeadObject with ChecksumMode ENABLED). The
// error is the SDK's type, as HeadObject's (errSkewed when the SDK must
// send it again).
func (s *Store) headDirect(ctx context.Context, key string, checksum bool) (objectHeaders, error) {
	u := s.direct.objectURL(key, "")
	resp, err := s.direct.do(ctx, request{
		op:          "HeadObject",
		payloadHash: emptySHA256,
		build: func(ctx context.Context) (*http.Request, error) {
			r, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), http.NoBody)
			if err == nil && checksum {
				r.Header.Set("X-Amz-Checksum-Mode", "ENABLED")
			}
			return r, err
		},
	})
	if err != nil {
		return objectHeaders{}, err
	}
	drain(resp)
	return objectHeaders{h: resp.Header}, nil
}

// emptySHA256 is the SHA-256 of no bytes, the payload of a HEAD or GET.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// directAnswered reports whether err is a direct request's answer to go by: not
// one refused for the machine's clock, which the SDK sends again.
func directAnswered(err error) bool { return !errors.As(err, new(errSkewed)) }

// size is the answer's Content-Length (0 if absent or unreadable, as the
// SDK leaves it).
func (o objectHeaders) size() int64 {
	n, err := strconv.ParseInt(o.h.Get("Content-Length"), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// opt is a header's value, nil when absent (as the SDK's output fields).
func (o objectHeaders) opt(k string) *string {
	if vs := o.h.Values(k); len(vs) > 0 {
		return &vs[0]
	}
	return nil
}

// modTime is Last-Modified, nil when absent or unreadable.
func (o objectHeaders) modTime() *time.Time {
	t, err := http.ParseTime(o.h.Get("Last-Modified"))
	if err != nil {
		return nil
	}
	return &t
}

// objectInfo is the object p as the answer describes it, of the given
// size (a ranged GET's Content-Length is the range's).
func (o objectHeaders) objectInfo(p string, size int64) backend.ObjectInfo {
	return objectInfo(p, size, o.modTime(), o.opt("Content-Type"), o.opt("ETag"),
		o.opt("X-Amz-Checksum-Sha256"), s3types.ChecksumType(o.h.Get("X-Amz-Checksum-Type")))
}

package aws

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// maxParts is the most parts S3 takes for one object.
const maxParts = 10000

// multipart is one large object going up in parts: the parts are read
// one after another from src (which hashes the whole content as it is
// read) into buffers of partSize, and sent uploadConcurrency at a time.
// The upload is created while the first part is read, not after, and
// the leftovers of a killed process are cleaned up beside it: at a
// distance, the first part leaves one round trip after the start.
//
// It takes the place of the SDK's feature/s3/transfermanager, the
// uploader DESIGN.md names, for a measured reason: the manager reads the
// whole first part and sets aside its part buffers (72 MiB) before it
// creates the upload, so at 100 ms RTT a 17 MiB file waited 3 round trips
// for its first part and a 65 MiB file 5 (e2e
// TestLargeUploadRoundTripsAtADistance: now 2 and 2). The metadata
// rewrite left the manager for the same kind of reason (110 MiB of part
// buffers per write, see metadataput.go).
type multipart struct {
	s           *Store
	key, ctype  string
	ifNoneMatch *string
	partSize    int64
}

// newMultipart prepares an upload of size bytes (-1: unknown) to key.
// The part size grows past partSize for an object that would need more
// than maxParts of it.
func (s *Store) newMultipart(key, ctype string, size int64, ifNoneMatch *string) *multipart {
	ps := int64(partSize)
	if size > ps*maxParts {
		ps = (size + maxParts - 1) / maxParts
	}
	return &multipart{s: s, key: key, ctype: ctype, ifNoneMatch: ifNoneMatch, partSize: ps}
}

// created is the answer to CreateMultipartUpload.
type created struct {
	id  *string
	err error
}

// upload sends head followed by the rest of src and returns the object's
// ETag. A failed or cancelled upload is aborted (with a context of its
// own), so nothing is left behind; the error is the reader's when the
// reader failed.
func (m *multipart) upload(ctx context.Context, head []byte, src *sizedReader, cleanStale bool) (*string, error) {
	s := m.s
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	made := make(chan created, 1)
	go func() {
		// Not cut off by a cancel: an upload the server made is known,
		// so that it can be aborted.
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
		defer ccancel()
		out, err := s.s3.CreateMultipartUpload(cctx, &s3.CreateMultipartUploadInput{
			Bucket: &s.cfg.Bucket, Key: &m.key, ContentType: &m.ctype,
			ChecksumAlgorithm:    s3types.ChecksumAlgorithmSha256,
			ServerSideEncryption: s.sse(),
		})
		if err != nil {
			made <- created{err: err}
			return
		}
		made <- created{id: out.UploadId}
	}()
	// The answer is read once, here, and passed on by closing ready.
	var (
		up    created
		ready = make(chan struct{})
	)
	go func() {
		up = <-made
		close(ready)
	}()
	var stale sync.WaitGroup
	if cleanStale {
		stale.Go(func() {
			// Earlier uploads of the key, not this one.
			_, _ = s.abortUploads(parent, m.key, func(u s3types.MultipartUpload) bool {
				<-ready
				return deref(u.Key, "") == m.key && (up.id == nil || deref(u.UploadId, "") != *up.id)
			})
		})
	}
	parts, err := m.sendParts(ctx, head, src, ready, func() (*string, error) { return up.id, up.err })
	<-ready
	var etag *string
	if err == nil {
		var out *s3.CompleteMultipartUploadOutput
		out, err = s.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &s.cfg.Bucket, Key: &m.key, UploadId: up.id,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
			IfNoneMatch:     m.ifNoneMatch,
		})
		if err == nil {
			etag = out.ETag
		}
	}
	cancel()
	stale.Wait()
	if err != nil && up.id != nil {
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
		defer acancel()
		_, _ = s.s3.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &m.key, UploadId: up.id})
	}
	return etag, err
}

// sendParts reads the parts and sends each once the upload is created
// (ready), uploadConcurrency at a time; it returns them in order. A
// buffer is read into again only once its part has been sent and the
// transport has closed every request body made of it: the parts in
// memory are those in flight and the one being read, and for a moment
// after an answer, one still being written (uploadConcurrency+1 buffers
// in all, and any the SDK kept until the garbage collector has them).
func (m *multipart) sendParts(ctx context.Context, head []byte, src *sizedReader, ready <-chan struct{}, id func() (*string, error)) ([]s3types.CompletedPart, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		parts []s3types.CompletedPart
		// A part's buffer comes back here once nothing uses it (see
		// sendPart), or nil once the SDK had it: then a new one is made.
		free = make(chan []byte, uploadConcurrency+1)
	)
	r := io.MultiReader(bytes.NewReader(head), src)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for i := 0; ; i++ {
		var buf []byte
		select {
		case buf = <-free:
		default:
			if i < uploadConcurrency+1 {
				buf = make([]byte, m.partSize)
			} else {
				select {
				case buf = <-free:
				case <-ctx.Done():
				}
			}
		}
		if ctx.Err() != nil {
			break
		}
		if buf == nil {
			buf = make([]byte, m.partSize)
		}
		n, err := io.ReadFull(r, buf)
		if src.err != nil {
			err = src.err // the content is not the size announced
		}
		end := err == io.EOF || err == io.ErrUnexpectedEOF //nolint:errorlint // ReadFull's own, unwrapped
		if err != nil && !end {
			fail(err)
			break
		}
		if i >= maxParts || (n == 0 && i > 0) {
			if n > 0 {
				fail(fmt.Errorf("more than %d parts of %d bytes", maxParts, m.partSize))
			}
			break
		}
		num := int32(i + 1) //nolint:gosec // at most maxParts
		lease := lend(buf[:n], func(b []byte) { free <- b[:cap(b)] })
		wg.Go(func() {
			defer func() {
				lease.release()
				if lease.lost.Load() {
					free <- nil // the SDK had it: never given back
				}
			}()
			select {
			case <-ready:
			case <-ctx.Done():
				return
			}
			uploadID, err := id()
			if err != nil {
				fail(err)
				return
			}
			part, err := m.sendPart(ctx, *uploadID, num, lease)
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			parts = append(parts, part)
			mu.Unlock()
		})
		if end {
			break
		}
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	if first != nil {
		return nil, first
	}
	slices.SortFunc(parts, func(a, b s3types.CompletedPart) int { return cmp.Compare(*a.PartNumber, *b.PartNumber) })
	return parts, nil
}

// sendPart sends part num of the upload id, the bytes lease holds, with
// their SHA-256 as the part's checksum, which S3 verifies. The request is
// signed and sent here (see direct) when the store can, with each
// request body holding the lease, so that the buffer is read into again
// only once the transport has closed every body made of it (net/http may
// still be writing one when the answer comes). Else, or when S3 refused
// the request for the machine's clock, the SDK sends it, and the buffer
// is lost to the garbage collector (free gets nil: a new one is made).
func (m *multipart) sendPart(ctx context.Context, id string, num int32, lease *bodyLease) (s3types.CompletedPart, error) {
	s, body := m.s, lease.buf
	sum := sha256.Sum256(body)
	checksum := base64.StdEncoding.EncodeToString(sum[:])
	if s.direct.active() {
		etag, err := s.partDirect(ctx, m.key, id, num, body, lease, sum[:], checksum)
		if !errors.As(err, new(errSkewed)) {
			if err != nil {
				return s3types.CompletedPart{}, err
			}
			return s3types.CompletedPart{PartNumber: &num, ETag: &etag, ChecksumSHA256: &checksum}, nil
		}
	}
	lease.lose()
	length := int64(len(body))
	out, err := s.s3.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: &s.cfg.Bucket, Key: &m.key, UploadId: &id, PartNumber: &num,
		Body: bytes.NewReader(body), ContentLength: &length,
		ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
		ChecksumSHA256:    &checksum,
	}, withPayloadHash(sum[:]))
	if err != nil {
		return s3types.CompletedPart{}, err
	}
	return s3types.CompletedPart{PartNumber: &num, ETag: out.ETag, ChecksumSHA256: &checksum}, nil
}

// partDirect is sendPart's request, as the SDK's UploadPart would send it
// with the same input; it returns the part's ETag.
func (s *Store) partDirect(ctx context.Context, key, id string, num int32, body []byte, lease *bodyLease, sum []byte, checksum string) (string, error) {
	// The query as SigV4 wants it: keys sorted, values escaped.
	u := s.direct.objectURL(key, "partNumber="+strconv.Itoa(int(num))+
		"&uploadId="+strings.ReplaceAll(url.QueryEscape(id), "+", "%20")+"&x-id=UploadPart")
	resp, err := s.direct.do(ctx, request{
		op:          "UploadPart",
		payloadHash: s.direct.bodyHash(sum),
		build: func(ctx context.Context) (*http.Request, error) {
			return checkedPut(ctx, u.String(), body, lease, checksum)
		},
	})
	if err != nil {
		return "", err
	}
	s.direct.verified(resp, checksum)
	etag := resp.Header.Get("ETag")
	drain(resp)
	return etag, nil
}

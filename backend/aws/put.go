package aws

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/coopterm/coop/backend"
)

// Upload tuning. An object of known size up to singlePutMax goes up in
// one PUT carrying its SHA-256; larger ones, or ones of unknown size, go
// up in parts of partSize, uploadConcurrency at a time, so that one
// upload holds at most (uploadConcurrency+1)×partSize in memory (72 MiB;
// the queue moves at most 4 large files at once). Eight parts in flight,
// not four, because each part waits a round trip: at 100 ms, a 1 GiB file
// spends 1.6 s on them at four, 0.8 s at eight.
const (
	singlePutMax      = 16 << 20
	partSize          = 8 << 20
	uploadConcurrency = 8
)

// PutObject stores r under path. The SHA-256 of the content is computed
// as it is read, in one pass, and returned as ObjectInfo.Checksum
// ("sha256:<hex>"). When the size is known and small enough for one PUT,
// that digest is sent as the object's checksum (ChecksumAlgorithm SHA256),
// which S3 verifies and keeps; larger objects go up in parts, each with
// its own SHA-256. A reader that yields more or fewer bytes than size
// fails the upload, and S3 shows nothing under path until the upload is
// complete.
func (s *Store) PutObject(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	return s.putObject(ctx, repo, p, r, size, false)
}

// GatesPut implements backend.GatedPutter: a PUT of one request, sent by
// the store itself, holds back its last byte (see setBody); the SDK's
// requests and multipart uploads wait for the gate instead.
func (s *Store) GatesPut(size int64) bool {
	return size > 0 && size <= singlePutMax && s.direct.active()
}

// PutObjectIfAbsent is PutObject with If-None-Match: * on the PUT (or on
// CompleteMultipartUpload), so S3 itself refuses to replace an existing
// object: backend.ErrObjectExists, and nothing is stored.
func (s *Store) PutObjectIfAbsent(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	return s.putObject(ctx, repo, p, r, size, true)
}

// putObject stores an object, refusing to replace one when ifAbsent.
func (s *Store) putObject(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64, ifAbsent bool) (info backend.ObjectInfo, rerr error) {
	if err := backend.ValidateRef(repo); err != nil {
		return backend.ObjectInfo{}, err
	}
	if err := backend.ValidatePath(p, false); err != nil {
		return backend.ObjectInfo{}, err
	}
	if size < -1 {
		return backend.ObjectInfo{}, fmt.Errorf("%w size %d", backend.ErrInvalid, size)
	}
	if g := backend.GateOf(ctx); g != nil {
		if !s.GatesPut(size) {
			if err := g.Wait(ctx); err != nil {
				return backend.ObjectInfo{}, err
			}
		}
		// A refused gate is the answer, whatever the cut-off PUT made
		// of it.
		defer func() {
			if err := g.Refused(); err != nil {
				info, rerr = backend.ObjectInfo{}, err
			}
		}()
	}
	op := "put " + repo.String() + "/" + p
	key := repoPrefix(repo) + p
	src := &sizedReader{r: r, h: backend.NewContentHash(), want: size}
	if size >= backend.SniffLen && size <= singlePutMax {
		return s.putKnown(ctx, op, key, p, src, ifAbsent)
	}

	head := make([]byte, backend.SniffLen)
	n, err := io.ReadFull(src, head)
	if src.err != nil {
		return backend.ObjectInfo{}, fmt.Errorf("%s: %w", op, src.err)
	}
	whole := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if err != nil && !whole {
		return backend.ObjectInfo{}, fmt.Errorf("%s: read: %w", op, err)
	}
	head = head[:n]
	ctype := backend.DetectContentType(head, p)

	var etag *string
	if !whole && size < 0 {
		// Of unknown size: up to singlePutMax goes in one PUT all the same.
		rest, err := io.ReadAll(io.LimitReader(src, singlePutMax+1-int64(len(head))))
		if err != nil {
			if src.err != nil {
				err = src.err
			}
			return backend.ObjectInfo{}, fmt.Errorf("%s: read: %w", op, err)
		}
		head = append(head, rest...)
		whole = len(head) <= singlePutMax
	}
	if whole {
		etag, err = s.putWhole(ctx, key, ctype, head, nil, src.h.SHA256Bytes(), ifAbsent)
		if err != nil {
			return backend.ObjectInfo{}, s.putError(ctx, op, err)
		}
	} else {
		first := s.uploading.begin(key)
		defer s.uploading.end(key)
		var ifNoneMatch *string
		if ifAbsent {
			ifNoneMatch = ptr("*")
		}
		etag, err = s.newMultipart(key, ctype, size, ifNoneMatch).upload(ctx, head, src, first)
		if err != nil {
			if src.err != nil {
				return backend.ObjectInfo{}, fmt.Errorf("%s: %w", op, src.err)
			}
			return backend.ObjectInfo{}, s.putError(ctx, op, err)
		}
	}
	return stored(p, src, ctype, etag), nil
}

// putKnown stores an object of a size known to go in one PUT and to
// hold at least its head (smaller ones are read whole into the head): the content is read straight into a buffer
// of the pool, in one read and one more to see its end, its type told
// from the buffer's head. (Read first into a head of its own, each file
// cost a read and a fresh 3 KiB buffer more.)
func (s *Store) putKnown(ctx context.Context, op, key, p string, src *sizedReader, ifAbsent bool) (backend.ObjectInfo, error) {
	buf := s.bodies.get(src.want)
	body, err := readRest(src, buf, nil)
	if err != nil {
		s.bodies.put(buf) // never sent
		if src.err != nil {
			err = src.err
		}
		return backend.ObjectInfo{}, fmt.Errorf("%s: read: %w", op, err)
	}
	ctype := backend.DetectContentType(body[:backend.SniffLen], p)
	lease := lend(body, s.bodies.put) // the pool's buffer, given back once unused
	etag, err := s.putWhole(ctx, key, ctype, body, lease, src.h.SHA256Bytes(), ifAbsent)
	lease.release()
	if err != nil {
		return backend.ObjectInfo{}, s.putError(ctx, op, err)
	}
	return stored(p, src, ctype, etag), nil
}

// stored is what a PUT of src under p stored.
func stored(p string, src *sizedReader, ctype string, etag *string) backend.ObjectInfo {
	return backend.ObjectInfo{
		Path:        p,
		Size:        src.n,
		ModTime:     time.Now().UTC(),
		ContentType: ctype,
		ETag:        strings.Trim(deref(etag, ""), `"`),
		Checksum:    src.h.SHA256(),
		CRC32C:      src.h.CRC32C(),
	}
}

// readRest reads the rest of a body after its head into body (of the
// size announced), and checks that the source then ends (reading its end
// is also what lets a source report that it changed meanwhile).
func readRest(src io.Reader, body, head []byte) ([]byte, error) {
	size := len(body)
	n := copy(body, head)
	if _, err := io.ReadFull(src, body[n:]); err != nil {
		return nil, err
	}
	var one [1]byte
	if m, err := src.Read(one[:]); m > 0 || !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w content: longer than the %d bytes announced", backend.ErrInvalid, size)
		}
		return nil, err
	}
	return body, nil
}

// putWhole stores body under key in one PUT carrying sum, its SHA-256,
// as the object's checksum (S3 verifies it), refusing to replace an
// object when ifAbsent. The request is signed and sent here (see direct)
// when the store can, else by the SDK, and by the SDK again when S3
// refused it for the machine's clock. lease, if body is lent from the
// pool, is held by each request body sent here; the SDK's are not
// tracked, so a body it sends is lost to the pool.
func (s *Store) putWhole(ctx context.Context, key, ctype string, body []byte, lease *bodyLease, sum []byte, ifAbsent bool) (*string, error) {
	if s.direct.active() {
		etag, err := s.putDirect(ctx, key, ctype, body, lease, sum, ifAbsent)
		if !errors.As(err, new(errSkewed)) {
			return etag, s.bucketAnswer(ctx, err)
		}
	}
	// The SDK's requests hold nothing back: it waits for the gate.
	if err := backend.WaitGate(ctx); err != nil {
		return nil, err
	}
	lease.lose()
	in := &s3.PutObjectInput{
		Bucket: &s.cfg.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentLength:        ptr(int64(len(body))),
		ContentType:          &ctype,
		ChecksumAlgorithm:    s3types.ChecksumAlgorithmSha256,
		ChecksumSHA256:       ptr(base64.StdEncoding.EncodeToString(sum)),
		ServerSideEncryption: s.sse(),
	}
	if ifAbsent {
		in.IfNoneMatch = ptr("*")
	}
	out, err := s.s3.PutObject(ctx, in, withPayloadHash(sum))
	if err != nil {
		return nil, err
	}
	return out.ETag, nil
}

// checkedPut is a PUT of body to u with its SHA-256 checksum (base64)
// for the server to check, as the SDK sends it; the body is lent (see
// setBody).
func checkedPut(ctx context.Context, u string, body []byte, lease *bodyLease, checksum string) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPut, u, nil)
	if err != nil {
		return nil, err
	}
	setBody(r, body, lease)
	r.Header.Set("X-Amz-Checksum-Sha256", checksum)
	r.Header.Set("X-Amz-Sdk-Checksum-Algorithm", "SHA256")
	return r, nil
}

// putDirect is putWhole's request, as the SDK's PutObject would send it
// with the same input.
func (s *Store) putDirect(ctx context.Context, key, ctype string, body []byte, lease *bodyLease, sum []byte, ifAbsent bool) (*string, error) {
	u := s.direct.objectURL(key, "x-id=PutObject")
	checksum := base64.StdEncoding.EncodeToString(sum)
	resp, err := s.direct.do(ctx, request{
		op:          "PutObject",
		payloadHash: s.direct.bodyHash(sum),
		build: func(ctx context.Context) (*http.Request, error) {
			r, err := checkedPut(ctx, u.String(), body, lease, checksum)
			if err != nil {
				return nil, err
			}
			h := r.Header
			h.Set("Content-Type", ctype)
			if s.cfg.SSE != "" {
				h.Set("X-Amz-Server-Side-Encryption", s.cfg.SSE)
			}
			if ifAbsent {
				h.Set("If-None-Match", "*")
			}
			return r, nil
		},
	})
	if err != nil {
		return nil, err
	}
	s.direct.verified(resp, checksum)
	etag := resp.Header.Get("ETag")
	drain(resp)
	return &etag, nil
}

// withPayloadHash makes the SDK sign a request with sum, the SHA-256 of
// the body already computed while reading it, instead of hashing the body
// once more (it does so whenever the endpoint is not HTTPS).
func withPayloadHash(sum []byte) func(*s3.Options) {
	h := knownPayloadHash(hex.EncodeToString(sum))
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Insert(h, (*v4.ComputePayloadSHA256)(nil).ID(), middleware.Before)
		})
	}
}

// knownPayloadHash is a Finalize middleware that hands the signer a
// payload hash known in advance.
type knownPayloadHash string

// ID names the middleware in the stack.
func (knownPayloadHash) ID() string { return "CoopKnownPayloadHash" }

// HandleFinalize sets the payload hash and goes on.
func (h knownPayloadHash) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	return next.HandleFinalize(v4.SetPayloadHash(ctx, string(h)), in)
}

// sizedReader hashes what it reads and fails once the content is longer,
// or ends shorter, than the size announced (want, or -1 for unknown).
type sizedReader struct {
	r    io.Reader
	h    *backend.ContentHash
	n    int64
	want int64
	err  error // the first size error, kept for the caller's message
}

// Read reads from the underlying reader, hashing and counting.
func (s *sizedReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.r.Read(p)
	s.h.Add(p[:n])
	s.n += int64(n)
	switch {
	case s.want >= 0 && s.n > s.want:
		s.err = fmt.Errorf("%w content: longer than the %d bytes announced", backend.ErrInvalid, s.want)
		return n, s.err
	case errors.Is(err, io.EOF) && s.want >= 0 && s.n < s.want:
		s.err = fmt.Errorf("%w content: %d bytes, %d announced: %w", backend.ErrInvalid, s.n, s.want, io.ErrUnexpectedEOF)
		return n, s.err
	}
	return n, err
}

package aws

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
)

// bodyHashes records the x-amz-content-sha256 of each request with a
// body a store sends itself, and may hide the checksum of the answers.
type bodyHashes struct {
	mu     sync.Mutex
	hashes []string
	hide   bool // answer no x-amz-checksum-sha256, as a server that ignores checksums
}

func (b *bodyHashes) wrap(next s3.HTTPClient) s3.HTTPClient {
	return clientFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPut {
			b.mu.Lock()
			b.hashes = append(b.hashes, r.Header.Get("X-Amz-Content-Sha256"))
			b.mu.Unlock()
		}
		resp, err := next.Do(r)
		if err == nil && b.hide {
			resp.Header.Del("X-Amz-Checksum-Sha256")
		}
		return resp, err
	})
}

func (b *bodyHashes) seen() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.hashes...)
}

// S3 hashes a body once for each SHA-256 it is asked to check: the
// signed payload's and the checksum's. Once the server has answered a
// body with the checksum it was sent (it checks them), the store signs
// later bodies UNSIGNED-PAYLOAD, leaving the checksum alone to check: one
// hash on the server's side, not two. A body that is not what was hashed
// is still refused, whole objects and parts alike, and nothing is kept.
func TestBodiesAreCheckedOnceByAServerThatChecksChecksums(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its PUTs through the SDK")
	}
	rec := &bodyHashes{}
	s.direct.client = rec.wrap(s.direct.client)
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	for i := range 2 {
		if _, err := s.PutObject(t.Context(), ref, fmt.Sprintf("once/f%d", i), bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(data)
	if got := rec.seen(); len(got) != 2 || got[0] != hex.EncodeToString(sum[:]) || got[1] != unsignedPayload {
		t.Fatalf("the two PUTs' x-amz-content-sha256: %q, want the first's SHA-256 and then %s", got, unsignedPayload)
	}

	// Unsigned, a body that is not what its checksum says is refused.
	key := repoPrefix(ref) + "once/wrong.bin"
	body := []byte("what is sent")
	wrong := sha256.Sum256([]byte("what was read"))
	if _, err := s.putWhole(t.Context(), key, "application/octet-stream", body, nil, wrong[:], false); err == nil {
		t.Fatal("a body that is not what its checksum says was stored")
	}
	if _, err := s.StatObject(t.Context(), ref, "once/wrong.bin"); !errors.Is(err, backend.ErrNotFound) {
		t.Fatalf("after the refused PUT: %v, want not found", err)
	}
	partKey := repoPrefix(ref) + "once/parts.bin"
	up, err := s.s3.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &partKey, ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.s3.AbortMultipartUpload(t.Context(), &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &partKey, UploadId: up.UploadId})
	})
	if _, err := s.partDirect(t.Context(), partKey, *up.UploadId, 1, body, nil, wrong[:], base64.StdEncoding.EncodeToString(wrong[:])); err == nil {
		t.Fatal("a part that is not what its checksum says was stored")
	}
	right := sha256.Sum256(body)
	if _, err := s.partDirect(t.Context(), partKey, *up.UploadId, 2, body, nil, right[:], base64.StdEncoding.EncodeToString(right[:])); err != nil {
		t.Fatal(err)
	}
	listed, err := s.s3.ListParts(t.Context(), &s3.ListPartsInput{Bucket: &s.cfg.Bucket, Key: &partKey, UploadId: up.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Parts) != 1 || deref(listed.Parts[0].PartNumber, 0) != 2 {
		t.Fatalf("the server holds %d parts, want part 2 alone", len(listed.Parts))
	}
	if got := rec.seen(); len(got) != 5 || got[2] != unsignedPayload || got[3] != unsignedPayload || got[4] != unsignedPayload {
		t.Fatalf("x-amz-content-sha256 sent: %q, want %s after the first", got, unsignedPayload)
	}
}

// A server that answers a PUT without the checksum it was sent may not
// check checksums: every body's hash stays signed, which SigV4 servers
// all check.
func TestBodiesStaySignedForAServerThatIgnoresChecksums(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ref := newRepo(t, s)
	if !s.direct.active() {
		t.Fatal("the store sends its PUTs through the SDK")
	}
	rec := &bodyHashes{hide: true}
	s.direct.client = rec.wrap(s.direct.client)
	data := bytes.Repeat([]byte("fedcba9876543210"), 4096)
	sum := sha256.Sum256(data)
	for i := range 3 {
		if _, err := s.PutObject(t.Context(), ref, fmt.Sprintf("signed/f%d", i), bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range rec.seen() {
		if h != hex.EncodeToString(sum[:]) {
			t.Errorf("PUT %d: x-amz-content-sha256 %q, want the body's SHA-256", i, h)
		}
	}
}

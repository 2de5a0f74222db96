package aws

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
)

// lateBodies is an HTTP client that, for each UploadPart, sends the server
// the part's expected bytes and returns the answer before it has read the
// request's own body, which it reads (and checks) and closes afterwards,
// on another goroutine: net/http may do just that, its RoundTrip returning
// on the answer while its writer still reads the body.
type lateBodies struct {
	t       *testing.T
	content []byte
	size    int // part size
	wg      sync.WaitGroup
	read    atomic.Int64 // bytes the late bodies yielded
}

type clientFunc func(*http.Request) (*http.Response, error)

func (f clientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func (l *lateBodies) wrap(next s3.HTTPClient) s3.HTTPClient {
	return clientFunc(func(r *http.Request) (*http.Response, error) {
		num, err := strconv.Atoi(r.URL.Query().Get("partNumber"))
		if err != nil || r.Body == nil {
			return next.Do(r)
		}
		from := (num - 1) * l.size
		want := l.content[from:min(from+l.size, len(l.content))]
		if r.ContentLength != int64(len(want)) {
			l.t.Errorf("part %d: a body of %d bytes, want %d", num, r.ContentLength, len(want))
		}
		fwd := r.Clone(r.Context())
		fwd.Body, fwd.GetBody = io.NopCloser(bytes.NewReader(want)), nil
		resp, err := next.Do(fwd)
		body := r.Body
		l.wg.Go(func() {
			// What it still yields must be the part's bytes (a body
			// closed meanwhile, as the SDK's are, may yield none).
			got, _ := io.ReadAll(body)
			if !bytes.HasPrefix(want, got) {
				l.t.Errorf("part %d: the request's body changed after its answer came", num)
			}
			l.read.Add(int64(len(got)))
			_ = body.Close()
		})
		return resp, err
	})
}

// A large upload's part buffer is read into again only once every request
// body made of it was closed by the transport, not as soon as the part's
// answer came, when net/http may still be writing the body: with the race
// detector, the next part read into a buffer a late body still read from
// is a race; without it, the late body sees other bytes.
func TestPartBufferComesBackOnceEveryRequestIsDone(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	const ps, parts = 64 << 10, 2*uploadConcurrency + 3
	content := make([]byte, ps*parts-100)
	for i := range content {
		content[i] = byte(i*7 + i/ps)
	}
	late := &lateBodies{t: t, content: content, size: ps}
	if s.direct.active() {
		s.direct.client = late.wrap(s.direct.client)
	}
	s.s3 = s3.New(s.s3.Options(), func(o *s3.Options) { o.HTTPClient = late.wrap(o.HTTPClient) })

	key := "parts/late.bin"
	up, err := s.s3.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &key, ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.s3.AbortMultipartUpload(t.Context(), &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	})
	m := s.newMultipart(key, "application/octet-stream", int64(len(content)), nil)
	m.partSize = ps // UploadPart takes small parts; only completing would refuse them
	src := &sizedReader{r: bytes.NewReader(content), h: backend.NewContentHash(), want: int64(len(content))}
	ready := make(chan struct{})
	close(ready)
	sent, err := m.sendParts(t.Context(), nil, src, ready, func() (*string, error) { return up.UploadId, nil })
	late.wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	// The parts went through the store's own requests, whose bodies stay
	// readable until closed: the late reads above read every byte.
	if !s.direct.active() {
		t.Fatal("the store sends its parts through the SDK")
	}
	if n := late.read.Load(); n != int64(len(content)) {
		t.Errorf("the late bodies yielded %d bytes, want all %d", n, len(content))
	}
	if len(sent) != parts {
		t.Fatalf("%d parts sent, want %d", len(sent), parts)
	}
	// What the server kept is each part's bytes, with their checksum.
	listed, err := s.s3.ListParts(t.Context(), &s3.ListPartsInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Parts) != parts {
		t.Fatalf("the server holds %d parts, want %d", len(listed.Parts), parts)
	}
	for i, p := range listed.Parts {
		from := i * ps
		sum := sha256.Sum256(content[from:min(from+ps, len(content))])
		want := base64.StdEncoding.EncodeToString(sum[:])
		if deref(p.ChecksumSHA256, "") != want || deref(sent[i].ChecksumSHA256, "") != want {
			t.Errorf("part %d: checksum %s stored, %s sent, want %s", i+1, deref(p.ChecksumSHA256, ""), deref(sent[i].ChecksumSHA256, ""), want)
		}
	}
}

// A large upload's parts are signed and sent by the store itself (see
// direct), as small PUTs are, not through the SDK's middleware pipeline:
// the allocations per part stay under a bound the pipeline alone went
// over.
func TestPartAllocations(t *testing.T) {
	s := newStore(t)
	const ps, parts = 64 << 10, 12
	content := bytes.Repeat([]byte("0123456789abcdef"), ps*parts/16)
	key := "parts/allocs.bin"
	up, err := s.s3.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &key, ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.s3.AbortMultipartUpload(t.Context(), &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	})
	ready := make(chan struct{})
	close(ready)
	send := func() {
		m := s.newMultipart(key, "application/octet-stream", int64(len(content)), nil)
		m.partSize = ps
		src := &sizedReader{r: bytes.NewReader(content), h: backend.NewContentHash(), want: int64(len(content))}
		if _, err := m.sendParts(t.Context(), nil, src, ready, func() (*string, error) { return up.UploadId, nil }); err != nil {
			t.Fatal(err)
		}
	}
	send() // the connections, the signing key
	perPart := testing.AllocsPerRun(5, send) / parts
	t.Logf("%.0f allocations per part", perPart)
	if perPart > 250 {
		t.Errorf("%.0f allocations per part, want at most 250", perPart)
	}
}

// A part sent by the store itself carries its SHA-256 as the part's
// checksum and as the signed payload's hash, and S3 checks them: a part
// whose bytes are not what was hashed is refused, and nothing is kept.
func TestDirectPartIsCheckedByTheServer(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	if !s.direct.active() {
		t.Fatal("the store sends its parts through the SDK")
	}
	key := "parts/checked.bin"
	up, err := s.s3.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &key, ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.s3.AbortMultipartUpload(t.Context(), &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	})
	body := []byte("what is sent")
	wrong := sha256.Sum256([]byte("what was read"))
	if _, err := s.partDirect(t.Context(), key, *up.UploadId, 1, body, nil, wrong[:], base64.StdEncoding.EncodeToString(wrong[:])); err == nil {
		t.Fatal("a part that is not what its checksum says was stored")
	}
	// The checksum alone wrong (the payload's hash right) is refused too.
	right := sha256.Sum256(body)
	if _, err := s.partDirect(t.Context(), key, *up.UploadId, 2, body, nil, right[:], base64.StdEncoding.EncodeToString(wrong[:])); err == nil {
		t.Fatal("a part whose checksum is wrong was stored")
	}
	listed, err := s.s3.ListParts(t.Context(), &s3.ListPartsInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Parts) != 0 {
		t.Fatalf("after the refused parts the server holds %d, want none", len(listed.Parts))
	}
	checksum := base64.StdEncoding.EncodeToString(right[:])
	etag, err := s.partDirect(t.Context(), key, *up.UploadId, 3, body, nil, right[:], checksum)
	if err != nil {
		t.Fatal(err)
	}
	listed, err = s.s3.ListParts(t.Context(), &s3.ListPartsInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Parts) != 1 || deref(listed.Parts[0].PartNumber, 0) != 3 || deref(listed.Parts[0].ChecksumSHA256, "") != checksum || deref(listed.Parts[0].ETag, "") != etag {
		t.Fatalf("the server holds %+v, want part 3 with ETag %s and checksum %s", listed.Parts, etag, checksum)
	}
}

// Where the SDK sends the parts (after a refusal for the machine's clock),
// each buffer it had is left to the garbage collector and a new one made
// in its place: more parts than buffers still all go up, with their
// checksums.
func TestPartsThroughTheSDK(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	s.direct.off.Store(true)
	const ps, parts = 64 << 10, 2*uploadConcurrency + 3
	content := bytes.Repeat([]byte("abcdefghijklmnop"), ps*parts/16)
	key := "parts/sdk.bin"
	up, err := s.s3.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &key, ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.s3.AbortMultipartUpload(t.Context(), &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	})
	m := s.newMultipart(key, "application/octet-stream", int64(len(content)), nil)
	m.partSize = ps
	src := &sizedReader{r: bytes.NewReader(content), h: backend.NewContentHash(), want: int64(len(content))}
	ready := make(chan struct{})
	close(ready)
	sent, err := m.sendParts(t.Context(), nil, src, ready, func() (*string, error) { return up.UploadId, nil })
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content[:ps])
	want := base64.StdEncoding.EncodeToString(sum[:])
	if len(sent) != parts || deref(sent[0].ChecksumSHA256, "") != want {
		t.Fatalf("%d parts sent, the first with checksum %s; want %d, %s", len(sent), deref(sent[0].ChecksumSHA256, ""), parts, want)
	}
	listed, err := s.s3.ListParts(t.Context(), &s3.ListPartsInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: up.UploadId})
	if err != nil {
		t.Fatal(err)
	}
	if len(listed.Parts) != parts || deref(listed.Parts[0].ChecksumSHA256, "") != want {
		t.Fatalf("the server holds %d parts, want %d with checksums", len(listed.Parts), parts)
	}
}

package aws

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
)

// putComposite stores key as a two-part multipart upload with a SHA-256
// checksum per part: S3 keeps a COMPOSITE checksum for it.
func putComposite(t *testing.T, s *Store, key string, parts ...[]byte) {
	t.Helper()
	ctx := context.Background()
	cr, err := s.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &key, ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	var done []s3types.CompletedPart
	for i, body := range parts {
		n := int32(i + 1)
		up, err := s.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: cr.UploadId, PartNumber: &n,
			Body: bytes.NewReader(body), ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, s3types.CompletedPart{PartNumber: &n, ETag: up.ETag, ChecksumSHA256: up.ChecksumSHA256})
	}
	if _, err := s.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: cr.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
}

// typelessS3 is an S3 in front of versitygw that, like some other
// implementations, sends object checksums without their type; with
// noPartCount it also drops the "-N" part count of composite ones.
func typelessS3(t *testing.T, noPartCount bool) string {
	t.Helper()
	target, err := url.Parse(servers.S3(t).Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	partCount := regexp.MustCompile(`-\d+$`)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Header.Del("x-amz-checksum-type")
		if noPartCount {
			for _, h := range checksumHeaders {
				if v := r.Header.Get(h); v != "" {
					r.Header.Set(h, partCount.ReplaceAllString(v, ""))
				}
			}
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A multipart object's composite checksum is never taken for the SHA-256
// of its content, whether or not the store says what it is.
func TestCompositeChecksumIsNotAWholeObjectDigest(t *testing.T) {
	t.Parallel()
	body := [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")}
	whole := append(bytes.Clone(body[0]), body[1]...)
	for _, tc := range []struct {
		name        string
		typeless    bool
		noPartCount bool
	}{{"typed", false, false}, {"without type", true, false}, {"without type or part count", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			if tc.typeless {
				cfg.EndpointURL = typelessS3(t, tc.noPartCount)
			}
			s := openStore(t, cfg)
			if err := s.Init(context.Background()); err != nil {
				t.Fatal(err)
			}
			ref := newRepo(t, s)
			putComposite(t, s, repoPrefix(ref)+"mp.bin", body...)
			info, err := s.StatObject(context.Background(), ref, "mp.bin")
			if err != nil || info.Checksum != "" || info.Size != int64(len(whole)) {
				t.Errorf("StatObject = %+v, %v; want no checksum", info, err)
			}
			rc, info, err := s.GetObject(context.Background(), ref, "mp.bin")
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, whole) || info.Checksum != "" {
				t.Errorf("GetObject read %d bytes, %v; checksum %q", len(got), err, info.Checksum)
			}
			// A single-part object keeps its full-object SHA-256, when the
			// store says it is one.
			one, err := s.PutObject(context.Background(), ref, "one.txt", bytes.NewReader([]byte("hello")), 5)
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.StatObject(context.Background(), ref, "one.txt")
			want := one.Checksum
			if tc.typeless {
				want = ""
			}
			if err != nil || st.Checksum != want || backend.CompareSHA256(one.Checksum, backendtest.SHA256([]byte("hello"))) != backend.ChecksumEqual {
				t.Errorf("single part: stat checksum %q (%v), want %q", st.Checksum, err, want)
			}
		})
	}
}

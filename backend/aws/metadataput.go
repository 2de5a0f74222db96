package aws

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coopterm/coop/backend"
)

// metadataPartsAtOnce is how many parts of a large document go up at
// once. Each part is read from the local file as it is sent, so parts
// in flight hold no memory of their own.
const metadataPartsAtOnce = 4

// putMetadataFile uploads the document in f as repo's metadata file: If-
// Match etag, or If-None-Match: * when etag is nil (there was none). A
// document up to singlePutMax goes up in one PUT, a larger one in parts
// of partSize completed under the same condition; either way the bytes
// are read from f as they are sent, never copied into buffers (the
// transfer manager's part buffers cost tens of MiB for each write). It
// returns the new ETag.
func (s *Store) putMetadataFile(ctx context.Context, repo backend.RepoRef, f *os.File, etag *string) (string, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNotWritten, err)
	}
	key := metadataKey(repo)
	var ifNoneMatch *string
	if etag == nil {
		ifNoneMatch = ptr("*")
	}
	sse := s3types.ServerSideEncryption(s.cfg.SSE)
	if size <= singlePutMax {
		out, err := s.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.cfg.Bucket, Key: &key,
			Body: io.NewSectionReader(f, 0, size), ContentLength: &size,
			ContentType: ptr("application/json"), ServerSideEncryption: sse,
			IfMatch: etag, IfNoneMatch: ifNoneMatch,
		})
		if err != nil {
			return "", err
		}
		return deref(out.ETag, ""), nil
	}
	created, err := s.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: &s.cfg.Bucket, Key: &key,
		ContentType: ptr("application/json"), ServerSideEncryption: sse,
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return "", err
	}
	parts, err := s.putMetadataParts(ctx, key, created.UploadId, f, size)
	if err == nil {
		var out *s3.CompleteMultipartUploadOutput
		out, err = s.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &s.cfg.Bucket, Key: &key, UploadId: created.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
			IfMatch:         etag, IfNoneMatch: ifNoneMatch,
		})
		if err == nil {
			return deref(out.ETag, ""), nil
		}
	}
	// Nothing is left behind: the parts go, with a context of their own
	// so that a cancelled write cleans up too.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
	defer cancel()
	_, _ = s.s3.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &s.cfg.Bucket, Key: &key, UploadId: created.UploadId})
	return "", err
}

// putMetadataParts sends the parts of the size bytes of f,
// metadataPartsAtOnce at a time, and returns them in order.
func (s *Store) putMetadataParts(ctx context.Context, key string, uploadID *string, f *os.File, size int64) ([]s3types.CompletedPart, error) {
	n := int((size + partSize - 1) / partSize)
	parts := make([]s3types.CompletedPart, n)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		turns = make(chan struct{}, metadataPartsAtOnce)
	)
	for i := range n {
		select {
		case turns <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-turns }()
			off := int64(i) * partSize
			length := min(partSize, size-off)
			num := int32(i + 1) //nolint:gosec // at most 10,000 parts
			out, err := s.s3.UploadPart(ctx, &s3.UploadPartInput{
				Bucket: &s.cfg.Bucket, Key: &key, UploadId: uploadID, PartNumber: &num,
				Body: io.NewSectionReader(f, off, length), ContentLength: &length,
				ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
			})
			if err != nil {
				once.Do(func() { first = err; cancel() })
				return
			}
			parts[i] = s3types.CompletedPart{PartNumber: &num, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return parts, first
}

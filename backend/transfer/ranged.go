package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/coopterm/coop/backend"
)

// Ranged downloads: an object of at least 2×rangePart bytes is fetched as
// ranges of rangePart, up to rangeConcurrency at a time, each streamed by
// the goroutine that fetched it into the file at its offset, in pieces of
// streamPiece (as s5cmd does: large writes into one file stall each other
// on a busy file system, and large buffers cost fresh memory); then each
// range, once complete, is read back from the page cache and hashed, in
// order. So a download holds only a few small buffers, however large.
const (
	rangePart        = 16 << 20
	rangeConcurrency = 6
	rangeRetries     = 3
	streamPiece      = 256 << 10
	// copyBuffer is the buffer of a one-stream download.
	copyBuffer = 1 << 20
)

// fetchRanges copies the object described by info into f, range by
// range, and then, in order, through sum.
func (q *Queue) fetchRanges(ctx context.Context, repo backend.RepoRef, path string, info backend.ObjectInfo, f *os.File, sum io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := int((info.Size + rangePart - 1) / rangePart)
	results := make([]chan error, n)
	for i := range results {
		results[i] = make(chan error, 1)
	}
	var fetching sync.WaitGroup
	dispatched := make(chan struct{})
	defer func() {
		cancel() // stops the dispatcher and the fetches still going
		<-dispatched
		fetching.Wait()
	}()
	go func() {
		defer close(dispatched)
		sem := make(chan struct{}, rangeConcurrency)
		for i := range n {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] <- ctx.Err()
				continue
			}
			off := int64(i) * rangePart
			size := min(rangePart, info.Size-off)
			fetching.Go(func() {
				defer func() { <-sem }()
				results[i] <- q.fetchRange(ctx, repo, path, info.ETag, off, size, f)
			})
		}
	}()
	buf := make([]byte, copyBuffer)
	for i := range n {
		var err error
		select {
		case err = <-results[i]:
		case <-ctx.Done():
			err = ctx.Err()
		}
		if err != nil {
			return err
		}
		off := int64(i) * rangePart
		part := io.NewSectionReader(f, off, min(rangePart, info.Size-off))
		if _, err := io.CopyBuffer(sum, part, buf); err != nil {
			return &localWriteError{fmt.Errorf("read back %s: %w", f.Name(), err)}
		}
	}
	return nil
}

// fetchRange writes size bytes of the object from off into f at off,
// trying again after a passing failure.
func (q *Queue) fetchRange(ctx context.Context, repo backend.RepoRef, path, etag string, off, size int64, f io.WriterAt) error {
	var err error
	for try := 1; ; try++ {
		err = q.readRange(ctx, repo, path, etag, off, size, f)
		if err == nil || !transient(err) || try > rangeRetries || ctx.Err() != nil {
			return err
		}
		if serr := sleepCtx(ctx, backoff(q.opts.RetryBase, try)); serr != nil {
			return err
		}
	}
}

// readRange streams one range into f, streamPiece at a time.
func (q *Queue) readRange(ctx context.Context, repo backend.RepoRef, path, etag string, off, size int64, f io.WriterAt) error {
	rc, err := backend.GetObjectRange(ctx, q.store, repo, path, off, size, etag)
	if err != nil {
		return err
	}
	defer rc.Close()
	w := &offsetWriter{f: f, off: off}
	n, err := io.CopyBuffer(w, io.LimitReader(rc, size), make([]byte, streamPiece))
	switch {
	case err != nil:
		var lw *localWriteError
		if errors.As(err, &lw) {
			return err
		}
		return fmt.Errorf("read %s/%s at %d: %w", repo, path, off, err)
	case n != size:
		return fmt.Errorf("read %s/%s at %d: %w: %d of %d bytes", repo, path, off, io.ErrUnexpectedEOF, n, size)
	}
	return nil
}

// offsetWriter writes at successive offsets of a file.
type offsetWriter struct {
	f   io.WriterAt
	off int64
}

// Write writes p at the next offset; failures are local.
func (w *offsetWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	if err != nil {
		return n, &localWriteError{err}
	}
	return n, nil
}

package transfer

import (
	"context"
	"fmt"
	"io"

	"github.com/coopterm/coop/backend"
)

// Ranged downloads: an object of at least 2×rangePart bytes is fetched as
// ranges of rangePart, rangeConcurrency at a time; each range is written
// at its offset by the goroutine that fetched it (writes to the page cache
// are as slow as the network here, so they go in parallel too), then
// hashed in order, so at most rangeConcurrency+1 parts are in memory.
const (
	rangePart        = 16 << 20
	rangeConcurrency = 4
	rangeRetries     = 3
	// copyBuffer is the buffer of a one-stream download.
	copyBuffer = 1 << 20
)

// fetchRanges copies the object described by info into f, range by
// range, and through sum in order.
func (q *Queue) fetchRanges(ctx context.Context, repo backend.RepoRef, path string, info backend.ObjectInfo, f io.WriterAt, sum io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := int((info.Size + rangePart - 1) / rangePart)
	type result struct {
		buf []byte
		err error
	}
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	slots := make(chan struct{}, rangeConcurrency) // parts fetched but not yet written
	free := make(chan []byte, rangeConcurrency+1)
	go func() {
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			var buf []byte
			select {
			case buf = <-free:
			default:
				buf = make([]byte, rangePart)
			}
			off := int64(i) * rangePart
			size := min(rangePart, info.Size-off)
			go func() {
				err := q.fetchRange(ctx, repo, path, info.ETag, off, buf[:size])
				if err == nil {
					if _, werr := f.WriteAt(buf[:size], off); werr != nil {
						err = &localWriteError{werr}
					}
				}
				results[i] <- result{buf[:size], err}
			}()
		}
	}()
	for i := range n {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		if _, err := sum.Write(r.buf); err != nil {
			return err
		}
		free <- r.buf[:cap(r.buf)]
		<-slots
	}
	return nil
}

// fetchRange fills buf from the object at off, trying again after a
// passing failure.
func (q *Queue) fetchRange(ctx context.Context, repo backend.RepoRef, path, etag string, off int64, buf []byte) error {
	var err error
	for try := 1; ; try++ {
		err = q.readRange(ctx, repo, path, etag, off, buf)
		if err == nil || !transient(err) || try > rangeRetries || ctx.Err() != nil {
			return err
		}
		if serr := sleepCtx(ctx, backoff(q.opts.RetryBase, try)); serr != nil {
			return err
		}
	}
}

func (q *Queue) readRange(ctx context.Context, repo backend.RepoRef, path, etag string, off int64, buf []byte) error {
	rc, err := backend.GetObjectRange(ctx, q.store, repo, path, off, int64(len(buf)), etag)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, buf); err != nil {
		return fmt.Errorf("read %s/%s at %d: %w", repo, path, off, err)
	}
	return nil
}

package transfer

import (
	"context"
	"fmt"
	"io"

	"github.com/coopterm/coop/backend"
)

// Ranged downloads: an object of at least 2×rangePart bytes is fetched as
// ranges of rangePart, up to rangeConcurrency at a time; each range is
// written at its offset by the goroutine that fetched it (writes to the
// page cache cost as much as the network here, so they go in parallel
// too), then hashed in order. Parts in memory are bounded across the
// whole queue by rangeBudget (128 MiB), however many downloads run.
const (
	rangePart        = 8 << 20
	rangeConcurrency = 8
	rangeBudget      = 16
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
	mine := make(chan struct{}, rangeConcurrency) // this download's parts in memory
	dispatched := 0                               // owned by the dispatcher until done closes
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			select {
			case mine <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case q.rangeSlots <- struct{}{}:
			case <-ctx.Done():
				<-mine
				return
			}
			dispatched++
			var buf []byte
			select {
			case buf = <-q.rangeFree:
			default:
				buf = make([]byte, rangePart)
			}
			off := int64(i) * rangePart
			size := min(rangePart, info.Size-off)
			go func() {
				err := q.fetchRange(ctx, repo, path, info.ETag, off, buf[:size])
				if err == nil {
					err = writeAtInPieces(f, buf[:size], off)
				}
				results[i] <- result{buf[:size], err}
			}()
		}
	}()
	release := func(buf []byte) {
		select {
		case q.rangeFree <- buf[:cap(buf)]:
		default:
		}
		<-q.rangeSlots
		<-mine
	}
	hashed := 0 // parts hashed (or failed) and given back
	var err error
	for hashed < n && err == nil {
		var r result
		select {
		case r = <-results[hashed]:
		case <-ctx.Done():
			err = ctx.Err()
			continue
		}
		if err = r.err; err == nil {
			_, err = sum.Write(r.buf)
		}
		release(r.buf)
		hashed++
	}
	if err != nil {
		// Give back what the parts still in flight hold.
		cancel()
		<-done
		for i := hashed; i < dispatched; i++ {
			release((<-results[i]).buf)
		}
	}
	return err
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

// writePiece is how much one write of a ranged download hands the file
// system at a time: several goroutines write into the same file, and a
// file system that serializes writes to one file (ext4 does) would keep
// the others waiting for the whole of a large write.
const writePiece = 1 << 20

// writeAtInPieces writes b at off, writePiece at a time.
func writeAtInPieces(f io.WriterAt, b []byte, off int64) error {
	for len(b) > 0 {
		n := min(len(b), writePiece)
		if _, err := f.WriteAt(b[:n], off); err != nil {
			return &localWriteError{err}
		}
		b, off = b[n:], off+int64(n)
	}
	return nil
}

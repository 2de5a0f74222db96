package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/coopterm/coop/backend"
)

// Ranged downloads: an object of at least 2×rangePart bytes is fetched as
// ranges of rangePart, up to RangeConcurrency at a time, each streamed by
// the goroutine that fetched it into the file at its offset, in pieces of
// streamPiece (as s5cmd does: large writes into one file stall each other
// on a busy file system, and large buffers cost fresh memory). With a
// CRC-32C to check, each range computes its own CRC on the way, and the
// ranges' CRCs are combined in order; with only a SHA-256, which cannot
// be split, each range, once complete, is read back from the page cache
// and hashed, in order. So a download holds only a buffer of streamPiece
// per range in flight (from the queue's pool), however large, and twelve
// ranges in flight cost little: enough that the round trip each waits
// for is hidden on a long network path. The ranges' writes into the file
// take turns (see turnWriter).
const (
	rangePart    = 16 << 20
	rangeRetries = 3
	streamPiece  = 256 << 10
	// copyBuffer is the buffer of a one-stream download.
	copyBuffer = 1 << 20
)

// RangeConcurrency is how many ranges of one large download are in
// flight at once: a caller that may start one opens that many
// connections ahead.
const RangeConcurrency = 12

// rangeResult is the outcome of one range: its CRC-32C when it is the
// CRC that is checked.
type rangeResult struct {
	crc uint32
	err error
}

// rangeFile is the part file a ranged download writes its ranges into
// and reads them back from.
type rangeFile interface {
	io.WriterAt
	io.ReaderAt
	Name() string
}

// fetchRanges copies the object described by info into f, range by
// range, and checks it through rx.
func (q *Queue) fetchRanges(ctx context.Context, repo backend.RepoRef, path string, info backend.ObjectInfo, f rangeFile, rx *receipt) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := int((info.Size + rangePart - 1) / rangePart)
	results := make([]chan rangeResult, n)
	for i := range results {
		results[i] = make(chan rangeResult, 1)
	}
	var fetching sync.WaitGroup
	w := &turnWriter{f: f}
	dispatched := make(chan struct{})
	defer func() {
		cancel() // stops the dispatcher and the fetches still going
		<-dispatched
		fetching.Wait()
	}()
	go func() {
		defer close(dispatched)
		sem := make(chan struct{}, RangeConcurrency)
		for i := range n {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] <- rangeResult{err: ctx.Err()}
				continue
			}
			off := int64(i) * rangePart
			size := min(rangePart, info.Size-off)
			fetching.Go(func() {
				defer func() { <-sem }()
				crc, err := q.fetchRange(ctx, repo, path, info.ETag, off, size, w, rx)
				results[i] <- rangeResult{crc, err}
			})
		}
	}()
	var buf []byte
	for i := range n {
		var r rangeResult
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			r.err = ctx.Err()
		}
		if r.err != nil {
			return r.err
		}
		off := int64(i) * rangePart
		size := min(rangePart, info.Size-off)
		if rx.byCRC() {
			rx.addRange(r.crc, size)
			continue
		}
		if buf == nil {
			buf = make([]byte, copyBuffer)
		}
		if _, err := io.CopyBuffer(rx, io.NewSectionReader(f, off, size), buf); err != nil {
			return &localWriteError{fmt.Errorf("read back %s: %w", f.Name(), err)}
		}
	}
	return nil
}

// fetchRange writes size bytes of the object from off into f at off,
// trying again after a passing failure, and gives their CRC-32C when rx
// checks by CRC.
func (q *Queue) fetchRange(ctx context.Context, repo backend.RepoRef, path, etag string, off, size int64, f io.WriterAt, rx *receipt) (uint32, error) {
	for try := 1; ; try++ {
		w := &rangeWriter{f: f, off: off, rx: rx}
		err := q.readRange(ctx, repo, path, etag, off, size, w)
		if err == nil {
			return w.crc, nil
		}
		w.uncount()
		if !transient(err) || try > rangeRetries || ctx.Err() != nil {
			return 0, err
		}
		if serr := backend.Sleep(ctx, backoff(q.opts.RetryBase, try)); serr != nil {
			return 0, err
		}
	}
}

// readRange streams one range into w, streamPiece at a time, through a
// buffer of the queue's pool: a fresh one per range (64 for 1 GiB) was
// faulted in page by page as the socket first filled it, 4,096 page
// faults per GiB, where the ranges in flight need 12 buffers.
func (q *Queue) readRange(ctx context.Context, repo backend.RepoRef, path, etag string, off, size int64, w io.Writer) error {
	rc, err := backend.GetObjectRange(ctx, q.store, repo, path, off, size, etag)
	if err != nil {
		return err
	}
	defer rc.Close()
	buf := q.bufs.get(streamPiece)
	defer q.bufs.put(buf)
	n, err := io.CopyBuffer(w, io.LimitReader(rc, size), *buf)
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

// rangeWriter writes one try at a range into the file at successive
// offsets. When the download is checked by CRC it also computes the
// range's CRC-32C and counts its progress as the bytes arrive; else the
// bytes are counted when they are read back in order.
type rangeWriter struct {
	f   io.WriterAt
	off int64
	rx  *receipt
	crc uint32
	n   int64 // bytes counted into progress
}

// Write writes p at the next offset; failures are local.
func (w *rangeWriter) Write(p []byte) (int, error) {
	n, err := w.f.WriteAt(p, w.off)
	w.off += int64(n)
	if w.rx.byCRC() {
		w.crc = backend.UpdateCRC32C(w.crc, p[:n])
		w.n += int64(n)
		w.rx.count(int64(n))
	}
	if err != nil {
		return n, &localWriteError{err}
	}
	return n, nil
}

// uncount takes back the progress of a failed try.
func (w *rangeWriter) uncount() { w.rx.count(-w.n) }

// turnWriter writes the ranges' pieces into one file one at a time. A
// local file system locks a file for each buffered write (ext4 takes the
// inode's lock for the whole copy into the page cache), and writers
// waiting for that lock spin on it in the kernel while its holder runs,
// each holding an OS thread: twelve ranges writing at once burnt a core
// the socket reads and the checksum needed. Waiting here parks the
// goroutine instead, and the thread goes on with the other ranges.
type turnWriter struct {
	mu sync.Mutex
	f  io.WriterAt
}

// WriteAt writes p at off once no other piece is being written.
func (w *turnWriter) WriteAt(p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.WriteAt(p, off)
}

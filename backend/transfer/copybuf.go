package transfer

import (
	"context"
	"io"
	"math/bits"
	"sync"
)

// Buffers of one-stream downloads are reused by size class, powers of
// two from minCopyClass to copyBuffer: a job of many small files would
// otherwise make a fresh buffer for each, which the kernel then faults
// in page by page as the socket fills it (a tenth of the CPU of 1,000
// downloads of 64 KiB). The ranges of large downloads take their
// buffers of streamPiece from the same pool. A pool holds at most what
// the limiter lets run at once (and the ranges in flight), and the
// garbage collector empties it.
const minCopyClass = 4 << 10

// copyBuffers is the pool of a Queue.
type copyBuffers struct {
	classes [copyClasses]sync.Pool // of *[]byte
}

const copyClasses = 1 + 20 - 12 // 4 KiB (1<<12) … 1 MiB (1<<20 = copyBuffer)

// copyClass is the index and size of the smallest class that holds n
// bytes (n ≤ copyBuffer).
func copyClass(n int) (int, int) {
	if n <= minCopyClass {
		return 0, minCopyClass
	}
	shift := bits.Len(uint(n - 1)) // 2^shift ≥ n
	return shift - 12, 1 << shift
}

// copySize is the buffer a one-stream download of size bytes (< 0:
// unknown) copies through: the object's size, so that all of it arrives
// before the first write (see spool), up to copyBuffer.
func copySize(size int64) int {
	if size < 0 {
		return copyBuffer
	}
	return int(min(copyBuffer, max(size, 1)))
}

// get returns a buffer of at least n bytes (n ≤ copyBuffer).
func (p *copyBuffers) get(n int) *[]byte {
	i, size := copyClass(n)
	if b, ok := p.classes[i].Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, size)
	return &b
}

// put gives back a buffer from get.
func (p *copyBuffers) put(b *[]byte) {
	i, size := copyClass(len(*b))
	if size == len(*b) {
		p.classes[i].Put(b)
	}
}

// spool copies r into w through rx, until r ends or ctx does. The bytes
// are gathered in buf and written a buffer-full at a time, so a body
// that fits in buf is written by one write once it has all arrived, and
// a partWriter makes its file only then.
func spool(ctx context.Context, w io.Writer, r io.Reader, rx *receipt, buf []byte) error {
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var m int
		var err error
		if n < len(buf) {
			m, err = r.Read(buf[n:])
		} else {
			// Full: a body of exactly len(buf) ends here, and is then
			// written once; else write, and go on from the byte read.
			var one [1]byte
			if m, err = r.Read(one[:]); m > 0 {
				if _, werr := w.Write(buf); werr != nil {
					return werr
				}
				buf[0], n = one[0], 0
			}
		}
		if m > 0 {
			_, _ = rx.Write(buf[n : n+m])
			n += m
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if n > 0 {
		if _, err := w.Write(buf[:n]); err != nil {
			return err
		}
	}
	return nil
}

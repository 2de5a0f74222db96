package server

import (
	"errors"
	"io"
	"slices"
	"sync"
)

// readWindow is how far behind the furthest byte read a streamed object
// keeps what it read, so that the reads an SFTP client sends in parallel
// (64 × 32 KiB in flight for OpenSSH) can be served out of order.
const readWindow = 8 << 20

// streamBuffer is the most memory one stream's window takes: the window,
// the half window dropped at a time, and one read.
const streamBuffer = readWindow + readWindow/2 + 64<<10

// streamReaderAt serves ReadAt from an object's stream: reads ahead of
// the stream pull it forward, reads within the window come from memory,
// and a read before the window, or far past it, opens the object again
// at that offset (a ranged request where the store has them). Its window
// is taken from the server's read-buffer budget; when that is spent, each
// read is its own ranged request (slower, and no memory held).
type streamReaderAt struct {
	// open returns the object's bytes from offset, length of them.
	open func(offset, length int64) (io.ReadCloser, error)
	// size is the object's size.
	size int64
	// budget is the server's read-buffer budget (nil: unbounded).
	budget *budget

	mu       sync.Mutex
	rc       io.ReadCloser
	pos      int64 // stream offset of the next byte rc gives
	buf      []byte
	bufStart int64 // stream offset of buf[0]
	eof      bool
	held     bool // streamBuffer bytes are taken from budget
	direct   bool // no window could be had: every read is its own request
}

func (s *streamReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.held && !s.direct && s.budget != nil {
		s.held = s.budget.take(streamBuffer)
		if s.direct = !s.held; s.direct && s.rc != nil {
			_ = s.rc.Close()
			s.rc = nil
		}
	}
	if s.direct {
		return s.readDirect(p, off)
	}
	if off < s.bufStart || s.rc == nil || off > s.pos+readWindow {
		if err := s.reopen(off); err != nil {
			return 0, err
		}
	}
	end := off + int64(len(p))
	for s.pos < end && !s.eof {
		if err := s.fill(off); err != nil {
			return 0, err
		}
	}
	if off >= s.pos {
		return 0, io.EOF
	}
	n := copy(p, s.buf[off-s.bufStart:min(end, s.pos)-s.bufStart])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fill reads the next chunk of the stream, first dropping what lies more
// than readWindow behind (but never anything from keep on).
func (s *streamReaderAt) fill(keep int64) error {
	// Drop in large steps, so that copying stays a small share of reading.
	if drop := min(keep, s.pos-readWindow) - s.bufStart; drop >= readWindow/2 {
		s.buf = append(s.buf[:0], s.buf[drop:]...)
		s.bufStart += drop
	}
	s.buf = slices.Grow(s.buf, 64<<10)
	n, err := s.rc.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	s.pos += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		s.eof = true
	case err != nil:
		return err
	}
	return nil
}

// readDirect serves one read with a request of its own.
func (s *streamReaderAt) readDirect(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.size-off)
	rc, err := s.open(off, n)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	got, err := io.ReadFull(rc, p[:n])
	if err != nil {
		return got, err
	}
	if got < len(p) {
		return got, io.EOF
	}
	return got, nil
}

func (s *streamReaderAt) reopen(off int64) error {
	if s.rc != nil {
		s.rc.Close()
	}
	rc, err := s.open(off, max(s.size-off, 0))
	if err != nil {
		return err
	}
	s.rc, s.pos, s.buf, s.bufStart, s.eof = rc, off, s.buf[:0], off, false
	return nil
}

// Close releases the stream.
func (s *streamReaderAt) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held {
		s.budget.give(streamBuffer)
		s.held = false
	}
	if s.rc == nil {
		return nil
	}
	err := s.rc.Close()
	s.rc, s.buf = nil, nil
	return err
}

// readerAtCloser is an object that can be read at any offset directly
// (a local file).
type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

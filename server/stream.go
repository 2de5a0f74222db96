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

// streamReaderAt serves ReadAt from an object's stream: reads ahead of
// the stream pull it forward, reads within the window come from memory,
// and a read before the window opens the object again at that offset (a
// ranged request where the store has them).
type streamReaderAt struct {
	open func(offset int64) (io.ReadCloser, error)

	mu       sync.Mutex
	rc       io.ReadCloser
	pos      int64 // stream offset of the next byte rc gives
	buf      []byte
	bufStart int64 // stream offset of buf[0]
	eof      bool
}

func (s *streamReaderAt) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if off < s.bufStart || s.rc == nil {
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

func (s *streamReaderAt) reopen(off int64) error {
	if s.rc != nil {
		s.rc.Close()
	}
	rc, err := s.open(off)
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

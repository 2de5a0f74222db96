package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/coopterm/coop/backend"
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

// spool holds an upload in a temporary file until the client closes it
// cleanly; only then is it stored, whole. An upload the connection drops
// (TransferError) is thrown away, so no partial object ever appears.
type spool struct {
	f      *os.File
	commit func(local string) error

	mu      sync.Mutex
	aborted error
	closed  bool
}

func newSpool(dir string, commit func(local string) error) (*spool, error) {
	f, err := newSpoolFile(dir)
	if err != nil {
		return nil, err
	}
	return &spool{f: f, commit: commit}, nil
}

func (s *spool) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > maxUpload {
		return 0, fmt.Errorf("%w: uploads are limited to %d bytes", backend.ErrInvalid, int64(maxUpload))
	}
	return s.f.WriteAt(p, off)
}

// maxUpload bounds one SFTP upload: S3's largest object.
const maxUpload = 5 << 40

// TransferError is called by the SFTP server when the connection ends
// with the file still open: the upload is incomplete.
func (s *spool) TransferError(err error) {
	s.mu.Lock()
	s.aborted = err
	s.mu.Unlock()
}

// Close stores the upload, unless it was aborted, and removes the spool
// file.
func (s *spool) Close() error {
	s.mu.Lock()
	aborted, closed := s.aborted, s.closed
	s.closed = true
	s.mu.Unlock()
	if closed {
		return nil
	}
	defer func() { _ = os.Remove(s.f.Name()) }()
	err := s.f.Close()
	if aborted != nil {
		return fmt.Errorf("upload incomplete, nothing stored: %w", aborted)
	}
	if err != nil {
		return fmt.Errorf("spool upload: %w", err)
	}
	return s.commit(s.f.Name())
}

// lister pages through a listing for an SFTP directory handle. Clients
// read it sequentially; only the current page is kept in memory.
type lister struct {
	ctx   context.Context
	next  func(ctx context.Context, cursor string) ([]os.FileInfo, string, error)
	extra func(seen map[string]bool) []os.FileInfo // appended at the end

	mu     sync.Mutex
	items  []os.FileInfo
	start  int64 // offset of items[0]
	cursor string
	done   bool
	seen   map[string]bool
}

func (l *lister) ListAt(out []os.FileInfo, off int64) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for off >= l.start+int64(len(l.items)) && !l.done {
		l.start += int64(len(l.items))
		page, next, err := l.next(l.ctx, l.cursor)
		if err != nil {
			return 0, err
		}
		for _, fi := range page {
			if fi.IsDir() {
				if l.seen == nil {
					l.seen = map[string]bool{}
				}
				l.seen[fi.Name()] = true
			}
		}
		l.items, l.cursor = page, next
		if next == "" {
			l.done = true
			if l.extra != nil {
				l.items = append(l.items, l.extra(l.seen)...)
			}
		}
	}
	if off < l.start {
		return 0, fmt.Errorf("%w: directory read out of order", backend.ErrInvalid)
	}
	n := copy(out, l.items[off-l.start:])
	if l.done && off+int64(n) >= l.start+int64(len(l.items)) {
		return n, io.EOF
	}
	return n, nil
}

// single is a listing of one entry (what Stat returns).
type single []os.FileInfo

func (s single) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(s)) {
		return 0, io.EOF
	}
	n := copy(out, s[off:])
	if off+int64(n) >= int64(len(s)) {
		return n, io.EOF
	}
	return n, nil
}

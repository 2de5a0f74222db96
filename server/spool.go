package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/humanize"
)

// maxUpload bounds one SFTP upload: S3's largest object.
const maxUpload = 5 << 40

// maxWriteGap bounds how far past the end of what was written a write may
// start. Clients send many writes at once and the server may take them
// out of order, but never by much: a write far past the end would only
// make a large object of zeros from a few bytes.
const maxWriteGap = 64 << 20

// spool holds an SFTP upload in a temporary file until the client closes
// it cleanly; then commit decides whether it is stored. An upload the
// connection drops (TransferError) is thrown away, so no object appears
// from a connection that broke. The spool's size counts against the
// session's spool budget from the first byte written to the removal of
// the file.
type spool struct {
	f      *os.File
	quota  *budget
	commit func(local string, size int64) error
	// release frees the session's handle slot when the spool closes.
	release func()
	// refused, if set, records an upload thrown away for a refused write.
	refused func(error)

	mu sync.Mutex
	// end is the spool's size: past the furthest byte written, or as set
	// by a truncation (FSETSTAT with a size).
	end      int64
	reserved int64 // bytes taken from quota
	// appendAfter is the size of the existing object an append continues;
	// writes before it are refused.
	appendAfter int64
	appending   bool
	// aborted is why the connection dropped the upload; failed is the
	// first write refused. Either way nothing is stored.
	aborted, failed error
	closed          bool
}

func newSpool(dir string, quota *budget, release func()) (*spool, error) {
	f, err := newSpoolFile(dir)
	if err != nil {
		return nil, err
	}
	return &spool{f: f, quota: quota, release: release}, nil
}

// startFrom copies an existing object's content into the spool, so that
// an upload opened without truncation (sftp reput, put -a) continues or
// edits it rather than replacing it with zeros followed by the new bytes.
// With appending, writes before the end of that content are refused.
func (s *spool) startFrom(r io.Reader, size int64, appending bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.grow(size); err != nil {
		return err
	}
	n, err := io.Copy(s.f, io.LimitReader(r, size))
	if err == nil && n != size {
		err = fmt.Errorf("%w: read %d of %d bytes", io.ErrUnexpectedEOF, n, size)
	}
	if err != nil {
		return fmt.Errorf("read the existing object to continue it: %w", err)
	}
	s.end = size
	s.appendAfter, s.appending = size, appending
	return nil
}

// grow makes the spool's budget cover newEnd bytes.
func (s *spool) grow(newEnd int64) error {
	if newEnd <= s.reserved {
		return nil
	}
	if !s.quota.take(newEnd - s.reserved) {
		return fmt.Errorf("%w: this session's unfinished uploads would take more than %s of spool (--max-spool); finish or cancel one first",
			errLimit, humanize.Bytes(s.quota.limit))
	}
	s.reserved = newEnd
	return nil
}

// WriteAt writes p at off, within the bounds above. A refused write
// spoils the upload: what the client meant to send cannot all be there.
func (s *spool) WriteAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.writeAt(p, off)
	if err != nil && s.failed == nil {
		s.failed = err
	}
	return n, err
}

func (s *spool) writeAt(p []byte, off int64) (int, error) {
	newEnd := off + int64(len(p))
	switch {
	case s.closed || s.aborted != nil:
		return 0, fmt.Errorf("%w: the upload is closed", backend.ErrInvalid)
	case off < 0 || newEnd > maxUpload:
		return 0, fmt.Errorf("%w: uploads are limited to %s", backend.ErrInvalid, humanize.Bytes(maxUpload))
	case s.appending && off < s.appendAfter:
		return 0, fmt.Errorf("%w: the file was opened to append after its %d bytes; a write at offset %d would overwrite them",
			backend.ErrInvalid, s.appendAfter, off)
	case off > s.end+maxWriteGap:
		return 0, fmt.Errorf("%w: a write at offset %d starts %s past the end of what was written (%d bytes); gaps of more than %s are refused",
			backend.ErrInvalid, off, humanize.Bytes(off-s.end), s.end, humanize.Bytes(maxWriteGap))
	}
	if err := s.grow(newEnd); err != nil {
		return 0, err
	}
	n, err := s.f.WriteAt(p, off)
	s.end = max(s.end, off+int64(n))
	return n, err
}

// Truncate sets the upload's size, as FSETSTAT with a size does: OpenSSH
// sends it when a resumed upload (reput) is interrupted, to cut the file
// at the last byte the server acknowledged.
func (s *spool) Truncate(size int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if size < 0 || size > s.end+maxWriteGap {
		return fmt.Errorf("%w: size %d", backend.ErrInvalid, size)
	}
	if err := s.grow(size); err != nil {
		return err
	}
	if err := s.f.Truncate(size); err != nil {
		return fmt.Errorf("truncate upload: %w", err)
	}
	s.end = size
	return nil
}

// TransferError is called by the SFTP server when the connection ends
// with the file still open: the upload is incomplete.
func (s *spool) TransferError(err error) {
	s.mu.Lock()
	s.aborted = err
	s.mu.Unlock()
}

// Close stores the upload through commit, unless it was aborted, then
// removes the spool file and frees its budget and handle. The file stays
// open (and so locked: see CleanSpool) until it has been stored.
func (s *spool) Close() error {
	s.mu.Lock()
	aborted, failed, closed, size := s.aborted, s.failed, s.closed, s.end
	s.closed = true
	s.mu.Unlock()
	if closed {
		return nil
	}
	defer func() {
		_ = s.f.Close()
		_ = os.Remove(s.f.Name())
		s.quota.give(s.reserved)
		if s.release != nil {
			s.release()
		}
	}()
	switch {
	case aborted != nil:
		return fmt.Errorf("upload incomplete, nothing stored: %w", aborted)
	case failed != nil:
		err := fmt.Errorf("a write of this upload was refused, so nothing is stored: %w", failed)
		if s.refused != nil {
			s.refused(err)
		}
		return err
	case s.commit == nil:
		return nil
	}
	return s.commit(s.f.Name(), size)
}

// errLimit marks a request refused because a bound was reached; the
// client is told which, and the others carry on.
var errLimit = errors.New("limit reached")

package server

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"sync"
	"testing"
)

// opens counts how the reader reopened the object.
type opens struct {
	mu   sync.Mutex
	offs []int64
}

func TestStreamReaderAtServesOutOfOrderReads(t *testing.T) {
	data := make([]byte, 3*readWindow+777)
	_, _ = rand.Read(data)
	var o opens
	open := func(off int64) (io.ReadCloser, error) {
		o.mu.Lock()
		o.offs = append(o.offs, off)
		o.mu.Unlock()
		return io.NopCloser(bytes.NewReader(data[off:])), nil
	}
	first, _ := open(0)
	r := &streamReaderAt{rc: first, open: open}
	defer func() { _ = r.Close() }()

	// Reads in flight as an SFTP client sends them: 32 KiB chunks, up to
	// 64 at a time, answered in any order.
	const chunk = 32 << 10
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	errs := make(chan error, 1)
	for off := int64(0); off < int64(len(data)); off += chunk {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			buf := make([]byte, chunk)
			n, err := r.ReadAt(buf, off)
			if err != nil && !errors.Is(err, io.EOF) {
				select {
				case errs <- err:
				default:
				}
				return
			}
			if !bytes.Equal(buf[:n], data[off:off+int64(n)]) {
				select {
				case errs <- errors.New("wrong bytes"):
				default:
				}
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	// Past the end: EOF; before the window: one ranged reopen there.
	if n, err := r.ReadAt(make([]byte, 10), int64(len(data))); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("read past the end: %d, %v", n, err)
	}
	buf := make([]byte, 100)
	if _, err := r.ReadAt(buf, 5); err != nil || !bytes.Equal(buf, data[5:105]) {
		t.Errorf("read at 5: %v", err)
	}
	if len(o.offs) > 3 || o.offs[len(o.offs)-1] != 5 {
		t.Errorf("reopened at %v; want at most a couple of reopens, the last at 5", o.offs)
	}
}

func TestSpoolStoresOnlyCompleteUploads(t *testing.T) {
	dir := t.TempDir()
	var stored []byte
	commit := func(local string) error {
		b, err := os.ReadFile(local)
		stored = b
		return err
	}
	s, err := newSpool(dir, commit)
	if err != nil {
		t.Fatal(err)
	}
	// Written out of order, as SFTP workers may.
	if _, err := s.WriteAt([]byte("world"), 6); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteAt([]byte("hello "), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil || string(stored) != "hello world" {
		t.Errorf("stored %q, %v", stored, err)
	}
	stored = nil
	s, err = newSpool(dir, commit)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.WriteAt([]byte("half"), 0)
	s.TransferError(io.ErrUnexpectedEOF)
	if err := s.Close(); err == nil || stored != nil {
		t.Errorf("an aborted upload was stored: %q, %v", stored, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("spool files left: %v", ents)
	}
}

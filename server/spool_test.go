package server

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

func newTestSpool(t *testing.T, quota *budget) (*spool, *[]byte, *bool) {
	t.Helper()
	released := false
	sp, err := newSpool(t.TempDir(), quota, func() { released = true })
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	sp.commit = func(local string, size int64) error {
		b, err := os.ReadFile(local)
		if int64(len(b)) != size {
			t.Errorf("commit: size %d, file %d bytes", size, len(b))
		}
		stored = b
		return err
	}
	return sp, &stored, &released
}

func TestSpoolStoresOnlyCompleteUploads(t *testing.T) {
	quota := newBudget(1 << 20)
	sp, stored, released := newTestSpool(t, quota)
	// Written out of order, as SFTP workers may.
	if _, err := sp.WriteAt([]byte("world"), 6); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.WriteAt([]byte("hello "), 0); err != nil {
		t.Fatal(err)
	}
	if quota.inUse() != 11 {
		t.Errorf("quota in use %d, want 11", quota.inUse())
	}
	dir := sp.f.Name()
	if err := sp.Close(); err != nil || string(*stored) != "hello world" {
		t.Errorf("stored %q, %v", *stored, err)
	}
	if quota.inUse() != 0 || !*released {
		t.Errorf("after close: quota %d, handle released %v", quota.inUse(), *released)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("spool file left: %v", err)
	}

	sp, stored, _ = newTestSpool(t, quota)
	_, _ = sp.WriteAt([]byte("half"), 0)
	sp.TransferError(io.ErrUnexpectedEOF)
	if err := sp.Close(); err == nil || *stored != nil {
		t.Errorf("an aborted upload was stored: %q, %v", *stored, err)
	}
	if quota.inUse() != 0 {
		t.Errorf("an aborted upload kept %d bytes of quota", quota.inUse())
	}
}

// Finding 6: one 1-byte write at 1 GiB−1 stored a 1 GiB object.
func TestSpoolRefusesWritesFarPastTheEnd(t *testing.T) {
	sp, stored, _ := newTestSpool(t, newBudget(8<<30))
	if _, err := sp.WriteAt([]byte("x"), 1<<30-1); !errors.Is(err, backend.ErrInvalid) || !strings.Contains(err.Error(), "past the end") {
		t.Fatalf("a write 1 GiB past the end: %v", err)
	}
	if err := sp.Close(); err == nil || *stored != nil {
		t.Errorf("an upload with a refused write was stored (%d bytes): %v", len(*stored), err)
	}
	sp, _, _ = newTestSpool(t, newBudget(8<<30))
	defer func() { _ = sp.Close() }()
	if _, err := sp.WriteAt([]byte("x"), maxWriteGap); err != nil {
		t.Errorf("a write within the gap allowed: %v", err)
	}
	if _, err := sp.WriteAt([]byte("x"), -1); err == nil {
		t.Error("a write at a negative offset was taken")
	}
	if err := sp.Truncate(1 << 40); err == nil {
		t.Error("a truncation far past the end was taken")
	}
}

// The session's spool budget bounds what unfinished uploads hold.
func TestSpoolQuota(t *testing.T) {
	quota := newBudget(100)
	a, _, _ := newTestSpool(t, quota)
	b, _, _ := newTestSpool(t, quota)
	if _, err := a.WriteAt(make([]byte, 60), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WriteAt(make([]byte, 60), 0); !errors.Is(err, errLimit) {
		t.Errorf("a second upload past the budget: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WriteAt(make([]byte, 60), 0); err != nil {
		t.Errorf("once the first upload is stored the second fits: %v", err)
	}
	_ = b.Close()
}

// Finding 2: an open without truncation continues the object; an append
// writes only after it.
func TestSpoolContinuesAnObject(t *testing.T) {
	sp, stored, _ := newTestSpool(t, newBudget(1<<20))
	if err := sp.startFrom(strings.NewReader("first half|"), 11, true); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.WriteAt([]byte("X"), 3); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("an append overwrote the object's bytes: %v", err)
	}
	if err := sp.Close(); err == nil || *stored != nil {
		t.Errorf("an append with a refused write was stored: %q, %v", *stored, err)
	}
	sp, stored, _ = newTestSpool(t, newBudget(1<<20))
	if err := sp.startFrom(strings.NewReader("first half|"), 11, true); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.WriteAt([]byte("second half"), 11); err != nil {
		t.Fatal(err)
	}
	if err := sp.Close(); err != nil || !bytes.Equal(*stored, []byte("first half|second half")) {
		t.Errorf("stored %q, %v", *stored, err)
	}

	// An interrupted resume is cut where the client says.
	sp, stored, _ = newTestSpool(t, newBudget(1<<20))
	if err := sp.startFrom(strings.NewReader("0123"), 4, true); err != nil {
		t.Fatal(err)
	}
	_, _ = sp.WriteAt([]byte("456789"), 4)
	if err := sp.Truncate(7); err != nil {
		t.Fatal(err)
	}
	if err := sp.Close(); err != nil || string(*stored) != "0123456" {
		t.Errorf("stored %q, %v", *stored, err)
	}
}

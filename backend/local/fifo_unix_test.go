//go:build unix

package local_test

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/coopterm/coop/backend"
)

// A FIFO in the tree is neither listed nor opened (opening one blocks).
func TestSpecialFilesAreNotOpened(t *testing.T) {
	s := newStore(t)
	ref := newRef(t, s)
	fifo := filepath.Join(s.Root(), ref.AccountID, ref.RepositoryID, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	page, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("root lists %+v, %v", page.Items, err)
	}
	if _, _, err := s.GetObject(ctx, ref, "pipe"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("GetObject(pipe): %v", err)
	}
	if _, err := s.StatObject(ctx, ref, "pipe"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("StatObject(pipe): %v", err)
	}
	if _, err := s.ListObjects(ctx, ref, "pipe", backend.PageRequest{}); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("ListObjects(pipe): %v", err)
	}
}

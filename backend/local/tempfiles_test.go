package local_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// A cleaner running all along never takes a temporary file a live writer
// is using (each writer holds a lock on its own), in this process or
// another; and it does take one nobody holds.
func TestCleanIncompleteSparesLiveWriters(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	ref := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	if err := s.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountOrganization, Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID, Title: "Data"}); err != nil {
		t.Fatal(err)
	}
	cleaner, err := local.Open(s.Root()) // its own descriptors, as another process has
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var cleaning sync.WaitGroup
	cleaning.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := cleaner.CleanIncomplete(ctx, ref, "shared", true, 0); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var failed atomic.Int64
	var writers sync.WaitGroup
	for w := range 8 {
		writers.Go(func() {
			for i := range 150 {
				p := fmt.Sprintf("shared/%d-%d", w, i)
				if _, err := s.PutObjectIfAbsent(ctx, ref, p, bytes.NewReader(make([]byte, 20000)), 20000); err != nil {
					if failed.Add(1) < 3 {
						t.Errorf("put %s beside a cleaner: %v", p, err)
					}
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	cleaning.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of 1,200 writes failed beside a cleaner", n)
	}

	// What a killed writer left is taken.
	left := filepath.Join(s.Root(), "acme", "data", "shared", local.TempPrefix+"0123456789abcdef")
	if err := os.WriteFile(left, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := cleaner.CleanIncomplete(ctx, ref, "", true, 0)
	if err != nil || n != 1 {
		t.Fatalf("CleanIncomplete = %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the leftover is still there: %v", err)
	}
	// Not recursive: only the folder itself.
	if err := os.WriteFile(left, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, _ := cleaner.CleanIncomplete(ctx, ref, "", false, 0); n != 0 {
		t.Errorf("a non-recursive clean of the root took %d files below it", n)
	}
	if n, _ := cleaner.CleanIncomplete(ctx, ref, "shared", false, 0); n != 1 || !strings.HasSuffix(left, "abcdef") {
		t.Errorf("a non-recursive clean of the folder took %d", n)
	}
}

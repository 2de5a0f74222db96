package access

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/memstore"
)

// heldLookups counts repository lookups and, once held, keeps each new
// one waiting until released.
type heldLookups struct {
	backend.Store
	lookups atomic.Int32
	held    atomic.Bool
	release chan struct{}
}

func (h *heldLookups) GetRepository(ctx context.Context, account, repo string) (backend.Repository, error) {
	h.lookups.Add(1)
	if h.held.Load() {
		select {
		case <-h.release:
		case <-ctx.Done():
			return backend.Repository{}, ctx.Err()
		}
	}
	return h.Store.GetRepository(ctx, account, repo)
}

// An upload whose content has been read refreshes a decision past a
// quarter of its life in the background, so that the metadata write
// after it finds it fresh even once the first decision has expired, and
// waits for no lookup (at a distance: one round trip less at the end of
// an upload, whose content is read before the write and then sent and
// completed, without using the decision in between).
func TestUploadEndRefreshesTheDecision(t *testing.T) {
	ctx := t.Context()
	base := &heldLookups{Store: memstore.New(), release: make(chan struct{})}
	ref := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	if err := base.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountOrganization}); err != nil {
		t.Fatal(err)
	}
	if err := base.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID}); err != nil {
		t.Fatal(err)
	}
	s := New(base, Owner("test"))
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	put := func(name string) {
		t.Helper()
		body := "content of " + name
		if _, err := s.PutObject(ctx, ref, name, strings.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
	}

	put("a.txt") // looks the repository up
	advance(decisionTTL / 8)
	put("b.txt") // early in the decision's life: nothing more
	if n := base.lookups.Load(); n != 1 {
		t.Fatalf("%d lookups after two uploads early in the decision's life, want 1", n)
	}
	// Past a quarter of its life (not yet half, when any use refreshes
	// it), the end of an upload's content refreshes it.
	advance(decisionTTL / 4)
	put("c.txt")
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatal(what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("the decision was not looked up again at the end of the upload", func() bool { return base.lookups.Load() == 2 })
	waitFor("the lookup did not end", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.looking[ref] == nil })
	// The first decision has expired; the write uses the refreshed one.
	// Lookups from now on are held: the write must not wait for one.
	advance(decisionTTL * 3 / 4)
	base.held.Store(true)
	defer close(base.release)
	batch := backend.NewMetadataBatch(time.Now())
	batch.Set("c.txt", backend.ObjectMeta{})
	wrote := make(chan error, 1)
	go func() {
		_, err := s.UpdateMetadata(ctx, ref, batch)
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the metadata write waited for a lookup: the decision was not refreshed ahead")
	}
}

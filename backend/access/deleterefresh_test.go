package access

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/memstore"
)

// slowBatches is a store whose batch deletes wait until released: a
// large batch on a busy server.
type slowBatches struct {
	*heldLookups
	sent    chan struct{}
	release chan struct{}
}

func (s *slowBatches) DeleteObjects(ctx context.Context, repo backend.RepoRef, entries []backend.Entry) (map[string]error, error) {
	s.sent <- struct{}{}
	<-s.release
	failed := map[string]error{}
	for _, e := range entries {
		if err := s.DeleteObject(ctx, repo, e.Path); err != nil {
			failed[e.Path] = err
		}
	}
	return failed, nil
}

// A batch delete that takes longer than a decision lives keeps the
// decision fresh while it is in flight, so the metadata write after its
// answer waits for no lookup (at a distance: one round trip less at the
// end of rm -r on a busy server).
func TestLongBatchDeleteKeepsTheDecisionFresh(t *testing.T) {
	ctx := t.Context()
	held := &heldLookups{Store: memstore.New(), release: make(chan struct{})}
	base := &slowBatches{heldLookups: held, sent: make(chan struct{}, 1), release: make(chan struct{})}
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
	body := "x"
	if _, err := s.PutObject(ctx, ref, "a.txt", strings.NewReader(body), 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upload's refresh did not end", lookupDone(s, ref))
	before := held.lookups.Load()

	deleted := make(chan error, 1)
	go func() {
		failed, err := s.Capabilities().BatchDelete.DeleteObjects(ctx, ref, []backend.Entry{{Path: "a.txt", Name: "a.txt", Type: backend.TypeFile}})
		if err == nil {
			err = failed["a.txt"]
		}
		deleted <- err
	}()
	<-base.sent
	// The batch is in flight past half of the decision's life: it is
	// looked up again, in the background, while the batch runs.
	advance(decisionTTL * 5 / 8)
	waitFor(t, "the decision was not looked up again while the batch was in flight", func() bool { return held.lookups.Load() > before })
	waitFor(t, "the lookup did not end", lookupDone(s, ref))
	// The decision from before the batch has expired, the refreshed one
	// not; lookups from now on are held: the write must not wait for one.
	advance(decisionTTL * 3 / 4)
	held.held.Store(true)
	defer close(held.release)
	close(base.release)
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	batch := backend.NewMetadataBatch(time.Now())
	batch.Removed("a.txt")
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
		t.Fatal("the metadata write waited for a lookup: the decision was not kept fresh while the batch was in flight")
	}
}

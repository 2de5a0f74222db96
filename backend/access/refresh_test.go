package access

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/memstore"
)

// countingStore counts repository lookups and tells of each.
type countingStore struct {
	backend.Store
	lookups atomic.Int32
	looked  chan struct{}
}

func (c *countingStore) GetRepository(ctx context.Context, account, repo string) (backend.Repository, error) {
	c.lookups.Add(1)
	defer func() { c.looked <- struct{}{} }()
	return c.Store.GetRepository(ctx, account, repo)
}

// A decision used in the second half of its life is looked up again in
// the background, so that a job that goes on past its expiry (a long
// delete, then its metadata write) does not wait for a lookup then; one
// used earlier is not, and none is used past its expiry.
func TestDecisionRefreshedAhead(t *testing.T) {
	ctx := t.Context()
	base := &countingStore{Store: memstore.New(), looked: make(chan struct{}, 8)}
	ref := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	if err := base.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountOrganization}); err != nil {
		t.Fatal(err)
	}
	if err := base.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID}); err != nil {
		t.Fatal(err)
	}
	s := New(base, Owner("me"))
	var (
		mu    sync.Mutex
		clock = time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	)
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	need := func() {
		t.Helper()
		if err := s.need(ctx, ref, ReadWrite, "write"); err != nil {
			t.Fatal(err)
		}
	}
	waitLookup := func() {
		t.Helper()
		select {
		case <-base.looked:
		case <-time.After(10 * time.Second):
			t.Fatal("no lookup")
		}
	}
	need()
	waitLookup()
	advance(decisionTTL / 4)
	need() // young: no lookup
	if n := base.lookups.Load(); n != 1 {
		t.Fatalf("%d lookups after a use in the first half of the decision's life, want 1", n)
	}
	advance(decisionTTL / 2) // 3/4 of its life
	need()                   // answered at once, and looked up again behind
	waitLookup()
	if n := base.lookups.Load(); n != 2 {
		t.Fatalf("%d lookups after a use in the second half, want 2", n)
	}
	// The first decision would have expired now; the refreshed one,
	// made at 3/4 of the first's life, has not.
	advance(decisionTTL / 2)
	need()
	if n := base.lookups.Load(); n != 2 {
		t.Errorf("%d lookups once the first decision expired, want 2: the refreshed one serves", n)
	}
	// Unused past its expiry: looked up again, and waited for.
	advance(2 * decisionTTL)
	need()
	waitLookup()
	if n := base.lookups.Load(); n != 3 {
		t.Errorf("%d lookups after an expired decision, want 3", n)
	}
}

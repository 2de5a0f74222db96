package access

import (
	"context"
	"io"
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

// slowPuts is a store whose uploads, once their content has been read,
// wait until released: a large object's parts and their completion on a
// busy server, or a slow link.
type slowPuts struct {
	*heldLookups
	slow    atomic.Bool
	sent    chan struct{}
	release chan struct{}
}

func (s *slowPuts) PutObject(ctx context.Context, repo backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	if !s.slow.Load() {
		return s.heldLookups.PutObject(ctx, repo, path, r, size)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return backend.ObjectInfo{}, err
	}
	s.sent <- struct{}{}
	<-s.release
	return s.heldLookups.PutObject(ctx, repo, path, strings.NewReader(string(b)), size)
}

// fakeClock is a Store's clock moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// newRefreshStore makes an access Store for the owner over base, with a
// repository acme/data and a clock moved by hand.
func newRefreshStore(t *testing.T, base backend.Store) (*Store, backend.RepoRef, *fakeClock) {
	t.Helper()
	ctx := t.Context()
	ref := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	if err := base.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountOrganization}); err != nil {
		t.Fatal(err)
	}
	if err := base.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID}); err != nil {
		t.Fatal(err)
	}
	s := New(base, Owner("test"))
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.now = clock.now
	return s, ref, clock
}

// newSlowUploads is a store over slowPuts and heldLookups, with put
// uploading a small object through it.
func newSlowUploads(t *testing.T) (s *Store, ref backend.RepoRef, clock *fakeClock, held *heldLookups, base *slowPuts, put func(name string) error) {
	t.Helper()
	held = &heldLookups{Store: memstore.New(), release: make(chan struct{})}
	base = &slowPuts{heldLookups: held, sent: make(chan struct{}, 1), release: make(chan struct{})}
	s, ref, clock = newRefreshStore(t, base)
	put = func(name string) error {
		body := "content of " + name
		_, err := s.PutObject(t.Context(), ref, name, strings.NewReader(body), int64(len(body)))
		return err
	}
	return s, ref, clock, held, base, put
}

// waitFor waits, up to 10 s, until ok.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lookupDone reports whether no lookup of ref is under way.
func lookupDone(s *Store, ref backend.RepoRef) func() bool {
	return func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.looking[ref] == nil }
}

// An upload the store takes longer over than a decision lives (its
// content read at once, then its parts and their completion) keeps the
// decision fresh while it is in flight, so the metadata write after its
// answer waits for no lookup (at a distance: one round trip less at the
// end of a large upload on a busy server). Before, only the end of the
// content refreshed a decision, and one young then had expired by the
// time the upload was answered.
func TestLongUploadKeepsTheDecisionFresh(t *testing.T) {
	s, ref, clock, held, base, put := newSlowUploads(t)
	if err := put("a.txt"); err != nil { // looks the repository up
		t.Fatal(err)
	}
	waitFor(t, "the first lookup did not end", lookupDone(s, ref))
	before := held.lookups.Load()

	base.slow.Store(true)
	uploaded := make(chan error, 1)
	go func() { uploaded <- put("big.bin") }()
	<-base.sent // its content is read while the decision is young
	clock.advance(decisionTTL * 5 / 8)
	waitFor(t, "the decision was not looked up again while the upload was in flight", func() bool { return held.lookups.Load() > before })
	waitFor(t, "the lookup did not end", lookupDone(s, ref))
	// The decision from before the upload has expired, the refreshed one
	// not; lookups from now on are held: the write must not wait for one.
	clock.advance(decisionTTL * 3 / 4)
	held.held.Store(true)
	defer close(held.release)
	close(base.release)
	if err := <-uploaded; err != nil {
		t.Fatal(err)
	}
	batch := backend.NewMetadataBatch(time.Now())
	batch.Set("big.bin", backend.ObjectMeta{})
	wrote := make(chan error, 1)
	go func() {
		_, err := s.UpdateMetadata(t.Context(), ref, batch)
		wrote <- err
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the metadata write waited for a lookup: the decision was not kept fresh while the upload was in flight")
	}
}

// A long upload of many objects looks the repository up at most once
// every half of a decision's life, whether its requests follow one
// another or overlap (one stays in flight throughout here). Before, the
// end of each object's content refreshed a decision past a quarter of its
// life: a lookup every half second during any upload, each one CPU on
// the catalog's server beside the store's.
func TestLongUploadLooksUpOncePerHalfLife(t *testing.T) {
	s, ref, clock, held, base, put := newSlowUploads(t)
	if err := put("first.txt"); err != nil {
		t.Fatal(err)
	}
	base.slow.Store(true)
	uploaded := make(chan error, 1)
	go func() { uploaded <- put("big.bin") }()
	<-base.sent
	base.slow.Store(false)

	const steps, life = 64, 4 // 64 uploads over 4 decisions' lives
	for i := range steps {
		clock.advance(life * decisionTTL / steps)
		if err := put("f" + string(rune('a'+i%26)) + ".txt"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a lookup did not end", lookupDone(s, ref))
	}
	close(base.release)
	if err := <-uploaded; err != nil {
		t.Fatal(err)
	}
	// One lookup to start, then one per half-life at most.
	if n, most := held.lookups.Load(), int32(1+2*life); n > most {
		t.Errorf("%d repository lookups during an upload over %d decisions' lives, want at most %d", n, life, most)
	}
	if n := held.lookups.Load(); n < life {
		t.Errorf("%d repository lookups during an upload over %d decisions' lives: the decision was not kept fresh", n, life)
	}
}

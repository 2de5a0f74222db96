package access_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/access"
)

// gatedStore holds every repository lookup until its gate opens, counts
// them, and tells when a read reaches it and when a body is closed.
type gatedStore struct {
	backend.Store
	gate    chan struct{}
	lookups atomic.Int32
	reads   chan string
	closed  atomic.Int32
}

func (g *gatedStore) GetRepository(ctx context.Context, account, repo string) (backend.Repository, error) {
	g.lookups.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return backend.Repository{}, ctx.Err()
	}
	return g.Store.GetRepository(ctx, account, repo)
}

func (g *gatedStore) StatObject(ctx context.Context, repo backend.RepoRef, p string) (backend.ObjectInfo, error) {
	g.reads <- "stat"
	return g.Store.StatObject(ctx, repo, p)
}

func (g *gatedStore) ListObjects(ctx context.Context, repo backend.RepoRef, folder string, req backend.PageRequest) (backend.Page[backend.Entry], error) {
	g.reads <- "list"
	return g.Store.ListObjects(ctx, repo, folder, req)
}

func (g *gatedStore) GetObject(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, backend.ObjectInfo, error) {
	g.reads <- "get"
	body, info, err := g.Store.GetObject(ctx, repo, p)
	if err != nil {
		return nil, info, err
	}
	return closeCounter{body, &g.closed}, info, nil
}

type closeCounter struct {
	io.ReadCloser
	n *atomic.Int32
}

func (c closeCounter) Close() error { c.n.Add(1); return c.ReadCloser.Close() }

func newGated(t *testing.T, visibility backend.Visibility) (*gatedStore, backend.RepoRef) {
	t.Helper()
	base := newLocal(t)
	ctx := t.Context()
	ref := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	if err := base.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountOrganization}); err != nil {
		t.Fatal(err)
	}
	if err := base.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID, Visibility: visibility}); err != nil {
		t.Fatal(err)
	}
	if _, err := base.PutObject(ctx, ref, "a.csv", strings.NewReader("a,b\n"), 4); err != nil {
		t.Fatal(err)
	}
	return &gatedStore{Store: base, gate: make(chan struct{}), reads: make(chan string, 16)}, ref
}

// waitRead waits for a read to reach the base store.
func waitRead(t *testing.T, g *gatedStore, want string) {
	t.Helper()
	select {
	case got := <-g.reads:
		if got != want {
			t.Fatalf("base read %q, want %q", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not reach the store while the repository lookup was under way", want)
	}
}

// Reads start while the caller's access is checked, and callers asking
// at once share one lookup of the repository.
func TestReadsDoNotWaitForTheCheck(t *testing.T) {
	g, ref := newGated(t, backend.VisibilityPublic)
	s := access.New(g, access.Anonymous("test"))
	var wg sync.WaitGroup
	var statErr, listErr error
	wg.Go(func() { _, statErr = s.StatObject(t.Context(), ref, "a.csv") })
	wg.Go(func() { _, listErr = s.ListObjects(t.Context(), ref, "", backend.PageRequest{}) })
	got := map[string]bool{}
	for range 2 {
		select {
		case r := <-g.reads:
			got[r] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("reads did not reach the store while the repository lookup was under way: %v", got)
		}
	}
	close(g.gate)
	wg.Wait()
	if statErr != nil || listErr != nil {
		t.Fatalf("stat: %v, list: %v", statErr, listErr)
	}
	if n := g.lookups.Load(); n != 1 {
		t.Errorf("%d repository lookups for two reads at once, want 1", n)
	}
	// The decision is remembered: the next read asks nothing.
	if _, err := s.StatObject(t.Context(), ref, "a.csv"); err != nil {
		t.Fatal(err)
	}
	waitRead(t, g, "stat")
	if n := g.lookups.Load(); n != 1 {
		t.Errorf("%d repository lookups after a remembered decision, want 1", n)
	}
}

// A read the caller may not make gives nothing of what it read, and what
// it opened is closed.
func TestRefusedReadGivesNothing(t *testing.T) {
	g, ref := newGated(t, backend.VisibilityPrivate)
	s := access.New(g, access.Anonymous("test"))
	type result struct {
		body io.ReadCloser
		err  error
	}
	done := make(chan result, 1)
	go func() {
		body, _, err := s.GetObject(t.Context(), ref, "a.csv")
		done <- result{body, err}
	}()
	waitRead(t, g, "get")
	close(g.gate)
	r := <-done
	if r.body != nil || !errors.Is(r.err, backend.ErrNotFound) {
		t.Fatalf("GetObject of a private repository as anonymous = %v, %v; want nothing and ErrNotFound", r.body, r.err)
	}
	if n := g.closed.Load(); n != 1 {
		t.Errorf("the body read for a refused caller was closed %d times, want 1", n)
	}
}

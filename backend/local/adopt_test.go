package local_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// readCounter records the folders adoption reads.
type readCounter struct {
	mu    sync.Mutex
	paths []string
}

func (c *readCounter) add(p string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.paths = append(c.paths, p)
}

func (c *readCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.paths
	c.paths = nil
	return out
}

// handMadeStore makes an initialised store, then account and repository
// folders behind the catalog's back, as another tool would.
func handMadeStore(t *testing.T, accounts, repos int) string {
	t.Helper()
	s := newStore(t)
	for a := range accounts {
		for r := range repos {
			if err := os.MkdirAll(filepath.Join(s.Root(), fmt.Sprintf("acct-%03d", a), fmt.Sprintf("repo-%02d", r)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s.Root()
}

// Opening the store costs the same whatever its size: Open reads no
// folder of the tree; a lookup reads none either; a listing reads only the
// folder it lists.
func TestOpenReadsNoFolder(t *testing.T) {
	root := handMadeStore(t, 50, 3)
	var c readCounter
	s, err := local.Open(root, local.WithReadDirCounter(c.add))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.take(); len(got) != 0 {
		t.Fatalf("Open read %d folders (%v...), want none", len(got), got[0])
	}
	ctx := t.Context()
	r, err := s.GetRepository(ctx, "acct-007", "repo-01")
	if err != nil {
		t.Fatalf("lookup of a hand-made repository: %v", err)
	}
	if r.Visibility != backend.VisibilityPrivate || r.Title != "repo-01" {
		t.Errorf("adopted repository %+v", r)
	}
	if got := c.take(); len(got) != 0 {
		t.Errorf("a lookup read folders %v, want none", got)
	}
	page, err := s.ListRepositories(ctx, "acct-012", backend.PageRequest{})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("repositories of acct-012: %+v, %v", page.Items, err)
	}
	if got := c.take(); !slices.Equal(got, []string{filepath.Join(root, "acct-012")}) {
		t.Errorf("listing one account's repositories read %v, want that account's folder alone", got)
	}
	accts, err := s.ListAccounts(ctx, "", backend.PageRequest{Limit: 1000})
	if err != nil || len(accts.Items) != 50 {
		t.Fatalf("accounts: %d, %v", len(accts.Items), err)
	}
	if got := c.take(); !slices.Equal(got, []string{root}) {
		t.Errorf("listing accounts read %v, want the root alone", got)
	}
	// Listing the accounts adopted them, not their repositories.
	plain, err := local.Open(root, local.WithoutAdoption())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := plain.ListRepositories(ctx, "acct-030", backend.PageRequest{}); err != nil || len(got.Items) != 0 {
		t.Errorf("acct-030's repositories before they were listed: %+v, %v", got.Items, err)
	}
	// Init walks the whole tree.
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.take(); len(got) != 51 {
		t.Errorf("Init read %d folders, want the root and 50 accounts", len(got))
	}
	if got, err := plain.ListRepositories(ctx, "acct-030", backend.PageRequest{}); err != nil || len(got.Items) != 3 {
		t.Errorf("acct-030's repositories after Init: %+v, %v", got.Items, err)
	}
}

// Open no longer writes when the tree holds folders the catalog lacks: it
// succeeds while another process reads the catalog, and so do lookups of
// what the catalog knows.
func TestOpenWithNewFoldersWhileCatalogRead(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	ref := newRef(t, s)
	mkfile(t, filepath.Join(s.Root(), "dave", "stuff", "x.txt"), "x")
	db, err := bolt.Open(filepath.Join(s.Root(), ".coop", "catalog.db"), 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	s2, err := local.Open(s.Root(), local.WithLockTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatalf("Open with an unknown folder while the catalog is read: %v", err)
	}
	if _, err := s2.GetRepository(ctx, ref.AccountID, ref.RepositoryID); err != nil {
		t.Errorf("lookup of a known repository: %v", err)
	}
	if _, err := s2.GetRepository(ctx, "dave", "stuff"); !errors.Is(err, backend.ErrLocked) {
		t.Errorf("adopting lookup while the catalog is read: %v, want ErrLocked", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := s2.GetRepository(ctx, "dave", "stuff")
	if err != nil {
		t.Fatalf("adopting lookup once the catalog is free: %v", err)
	}
	if r.Visibility != backend.VisibilityPrivate {
		t.Errorf("adopted repository %+v", r)
	}
	a, err := s2.GetAccount(ctx, "dave", backend.AccountUser)
	if err != nil || a.Name != "dave" {
		t.Errorf("account of the adopted repository: %+v, %v", a, err)
	}
}

// A lookup adopts its folder only if adoption takes it: a valid id, a real
// folder, not a symlink nor a file.
func TestLookupAdoptsOnlyRealFolders(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	root := s.Root()
	old := time.Date(2022, 1, 2, 3, 4, 5, 0, time.UTC)
	mkfile(t, filepath.Join(root, "erin", "maps", "a.tif"), "a")
	mkfile(t, filepath.Join(root, "a-file"), "not a folder")
	mkfile(t, filepath.Join(root, "erin", "a-file"), "not a folder")
	elsewhere := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(root, "erin", "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(root, "erin"), old, old); err != nil {
		t.Fatal(err)
	}
	a, err := s.FindAccount(ctx, "erin")
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != backend.AccountUser || !a.CreatedAt.Equal(old) {
		t.Errorf("adopted account %+v, want a user created %v", a, old)
	}
	for _, id := range []string{"a-file", "linked", "nobody"} {
		if _, err := s.FindAccount(ctx, id); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("FindAccount(%q): %v, want ErrNotFound", id, err)
		}
		if _, err := s.GetRepository(ctx, "erin", id); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("GetRepository(erin, %q): %v, want ErrNotFound", id, err)
		}
	}
	if _, err := s.GetRepository(ctx, "linked", "x"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("repository under a symlinked account: %v", err)
	}
	if _, err := s.RepositoryItem(ctx, "erin", "maps"); err != nil {
		t.Errorf("RepositoryItem of a hand-made folder: %v", err)
	}
}

// Creating what a hand-made folder already holds fails as it did when the
// folder was adopted on Open: the folder is adopted and the id taken. A
// repository can be made in a hand-made account folder.
func TestCreateOverHandMadeFolder(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	mkfile(t, filepath.Join(s.Root(), "frank", "data", "x"), "x")
	mkfile(t, filepath.Join(s.Root(), "grace", "old", "x"), "x")
	if err := s.CreateAccount(ctx, backend.Account{ID: "frank", Type: backend.AccountOrganization}); !errors.Is(err, backend.ErrExists) {
		t.Errorf("create over a hand-made account folder: %v, want ErrExists", err)
	}
	if a, err := s.FindAccount(ctx, "frank"); err != nil || a.Type != backend.AccountUser {
		t.Errorf("frank after the failed create: %+v, %v; want the adopted user", a, err)
	}
	err := s.CreateRepository(ctx, backend.Repository{ID: "old", AccountID: "grace", Visibility: backend.VisibilityPublic})
	if !errors.Is(err, backend.ErrExists) {
		t.Errorf("create over a hand-made repository folder: %v, want ErrExists", err)
	}
	if r, err := s.GetRepository(ctx, "grace", "old"); err != nil || r.Visibility != backend.VisibilityPrivate {
		t.Errorf("grace/old after the failed create: %+v, %v; want the adopted private repository", r, err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: "new", AccountID: "frank"}); err != nil {
		t.Errorf("a new repository in a hand-made account: %v", err)
	}
	mkfile(t, filepath.Join(s.Root(), "heidi", "x"), "x")
	if err := s.CreateRepository(ctx, backend.Repository{ID: "fresh", AccountID: "heidi"}); err != nil {
		t.Errorf("a new repository in a hand-made account never looked up: %v", err)
	}
	if page, err := s.ListRepositories(ctx, "heidi", backend.PageRequest{}); err != nil || len(page.Items) != 1 {
		t.Errorf("heidi's repositories: %+v, %v", page.Items, err)
	}
}

// Several processes looking up the same hand-made folder at once adopt it
// once, each seeing it.
func TestConcurrentLookupsAdoptOnce(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	mkfile(t, filepath.Join(s.Root(), "ivan", "set", "x"), "x")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			other, err := local.Open(s.Root())
			if err == nil {
				_, err = other.GetRepository(ctx, "ivan", "set")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Errorf("concurrent adopting lookup: %v", err)
		}
	}
	page, err := s.ListRepositories(ctx, "ivan", backend.PageRequest{})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("ivan's repositories after concurrent adoption: %+v, %v", page.Items, err)
	}
}

// A lookup that misses for another reason than a missing catalog entry
// (an account asked for under another type) does not take the write lock:
// it answers "not found" while another process reads the catalog.
func TestMissUnderOtherTypeTakesNoWriteLock(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.CreateAccount(ctx, backend.Account{ID: "judy", Type: backend.AccountUser}); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(s.Root(), ".coop", "catalog.db"), 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	s2, err := local.Open(s.Root(), local.WithLockTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.GetAccount(ctx, "judy", backend.AccountOrganization); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("judy as an organization: %v, want ErrNotFound", err)
	}
}

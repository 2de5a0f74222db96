package local_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

func mkfile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(es []backend.Entry) []string {
	var out []string
	for _, e := range es {
		if e.IsDir() {
			out = append(out, e.Name+"/")
		} else {
			out = append(out, e.Name)
		}
	}
	return out
}

func TestAdoptHandMadeTree(t *testing.T) {
	root := t.TempDir()
	old := time.Date(2023, 3, 4, 5, 6, 7, 0, time.UTC)
	mkfile(t, filepath.Join(root, "alice", "photos", "cat.jpg"), "meow")
	mkfile(t, filepath.Join(root, "alice", "photos", "sub", "dog.jpg"), "woof")
	mkfile(t, filepath.Join(root, "alice", "notes", "a.txt"), "a")
	mkfile(t, filepath.Join(root, "team-b", "Not_Valid", "x.txt"), "skipped repo")
	mkfile(t, filepath.Join(root, "Bad Account", "repo", "x.txt"), "skipped account")
	mkfile(t, filepath.Join(root, "readme.txt"), "a file at the root is not an account")
	mkfile(t, filepath.Join(root, "alice", "stray.txt"), "a file in an account folder is not a repository")
	if err := os.Chtimes(filepath.Join(root, "alice", "photos"), old, old); err != nil {
		t.Fatal(err)
	}

	s, err := local.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	accts, err := s.ListAccounts(ctx, "", backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range accts.Items {
		ids = append(ids, a.ID)
		if a.Type != backend.AccountUser || a.Name != a.ID {
			t.Errorf("adopted account %+v", a)
		}
	}
	if !slices.Equal(ids, []string{"alice", "team-b"}) {
		t.Errorf("adopted accounts %v, want [alice team-b]", ids)
	}
	repos, err := s.ListRepositories(ctx, "alice", backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(repos.Items) != 2 || repos.Items[1].ID != "photos" {
		t.Fatalf("adopted repositories %+v", repos.Items)
	}
	p := repos.Items[1]
	if p.Title != "photos" || p.Visibility != backend.VisibilityPrivate || !p.CreatedAt.Equal(old) {
		t.Errorf("adopted repository %+v, want created %v", p, old)
	}
	ref := backend.RepoRef{AccountID: "alice", RepositoryID: "photos"}
	page, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(page.Items); !slices.Equal(got, []string{"cat.jpg", "sub/"}) {
		t.Errorf("adopted repository lists %v", got)
	}
	if r, err := s.ListRepositories(ctx, "team-b", backend.PageRequest{}); err != nil || len(r.Items) != 0 {
		t.Errorf("team-b repositories = %+v, %v", r.Items, err)
	}

	// A second Open finds nothing to adopt, so it never asks for the write
	// lock: it succeeds while another reader holds the catalog.
	db, err := bolt.Open(filepath.Join(root, ".coop", "catalog.db"), 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := local.Open(root, local.WithLockTimeout(200*time.Millisecond)); err != nil {
		t.Fatalf("re-open with nothing to adopt: %v", err)
	}
	// A new folder is adopted when it is looked up, not on Open: Open
	// still succeeds, and the lookup needs the write lock, which the
	// reader holds off.
	if err := os.MkdirAll(filepath.Join(root, "carol"), 0o755); err != nil {
		t.Fatal(err)
	}
	locked, err := local.Open(root, local.WithLockTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatalf("open with a new folder while the catalog is read: %v", err)
	}
	start := time.Now()
	_, err = locked.FindAccount(ctx, "carol")
	if !errors.Is(err, backend.ErrLocked) {
		t.Fatalf("adopting lookup while locked: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(msg, "retry") {
		t.Errorf("lock error does not say who holds it and what to do: %v", msg)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := local.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.FindAccount(ctx, "carol"); err != nil {
		t.Errorf("carol not adopted once the lock was free: %v", err)
	}
}

func TestInitIdempotentAndNotInitialized(t *testing.T) {
	root := filepath.Join(t.TempDir(), "new", "store")
	s, err := local.Open(root)
	if err != nil {
		t.Fatalf("Open of a missing root: %v", err)
	}
	ctx := t.Context()
	_, err = s.ListAccounts(ctx, "", backend.PageRequest{})
	if !errors.Is(err, backend.ErrNotInitialized) {
		t.Errorf("ListAccounts before Init: %v", err)
	}
	_, err = s.ListObjects(ctx, backend.RepoRef{AccountID: "abc", RepositoryID: "def"}, "", backend.PageRequest{})
	if !errors.Is(err, backend.ErrNotInitialized) {
		t.Errorf("ListObjects before Init: %v", err)
	}
	for range 2 {
		if err := s.Init(ctx); err != nil {
			t.Fatalf("Init: %v", err)
		}
	}
	if err := s.CreateAccount(ctx, backend.Account{ID: "abc", Type: backend.AccountUser}); err != nil {
		t.Fatal(err)
	}
	if err := s.Init(ctx); err != nil {
		t.Fatalf("Init over a populated store: %v", err)
	}
	if _, err := s.FindAccount(ctx, "abc"); err != nil {
		t.Errorf("account lost by Init: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(root, ".coop", "catalog.db")); err != nil || fi.Size() == 0 {
		t.Errorf("catalog not created: %v", err)
	}

	file := filepath.Join(t.TempDir(), "a-file")
	mkfile(t, file, "not a folder")
	if _, err := local.Open(file); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("Open of a file: %v", err)
	}
}

func TestCorruptCatalogIsAnError(t *testing.T) {
	t.Run("garbage", func(t *testing.T) {
		root := t.TempDir()
		junk := make([]byte, 64<<10)
		for i := range junk {
			junk[i] = byte(i*7 + i>>8)
		}
		mkfile(t, filepath.Join(root, ".coop", "catalog.db"), string(junk))
		mkfile(t, filepath.Join(root, "alice", "repo", "x"), "x")
		_, err := local.Open(root)
		checkCorrupt(t, err)
	})
	// Finding 11: a 0-byte catalog.db was silently recreated by adoption:
	// organizations became users, every repository private, all keys and
	// members lost. It is an error naming the file, and nothing changes.
	t.Run("empty", func(t *testing.T) {
		root := t.TempDir()
		s, err := local.Open(root)
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		if err := s.Init(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateAccount(ctx, backend.Account{ID: "lab", Type: backend.AccountOrganization}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateRepository(ctx, backend.Repository{ID: "open", AccountID: "lab", Visibility: backend.VisibilityPublic}); err != nil {
			t.Fatal(err)
		}
		mkfile(t, filepath.Join(root, "lab", "open", "x"), "x")
		path := filepath.Join(root, ".coop", "catalog.db")
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
		_, err = local.Open(root)
		checkCorrupt(t, err)
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "empty") {
			t.Errorf("the error does not name the empty file: %v", err)
		}
		for what, err := range map[string]error{
			"Init":          s.Init(ctx),
			"CreateAccount": s.CreateAccount(ctx, backend.Account{ID: "new-one", Type: backend.AccountUser}),
		} {
			if !errors.Is(err, local.ErrCatalogCorrupt) {
				t.Errorf("%s over an empty catalog: %v", what, err)
			}
		}
		if _, err := s.FindAccount(ctx, "lab"); !errors.Is(err, local.ErrCatalogCorrupt) {
			t.Errorf("FindAccount on an empty catalog: %v", err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
			t.Errorf("the empty catalog was written over: %v, %v", fi, err)
		}
	})
	// Unreadable (here a folder where the file should be, which no mode
	// bit can make readable, even to root): an error naming it.
	t.Run("unreadable", func(t *testing.T) {
		root := t.TempDir()
		path := filepath.Join(root, ".coop", "catalog.db")
		mkfile(t, filepath.Join(path, "not-a-catalog"), "x")
		mkfile(t, filepath.Join(root, "alice", "repo", "x"), "x")
		if _, err := local.Open(root); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Open with an unreadable catalog: %v", err)
		}
	})
	t.Run("damaged pages", func(t *testing.T) {
		root := t.TempDir()
		s, err := local.Open(root)
		if err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		for i := range 50 {
			if err := s.CreateAccount(ctx, backend.Account{ID: fmt.Sprintf("acct-%03d", i), Type: backend.AccountUser, Email: fmt.Sprintf("%d@x.org", i)}); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(root, ".coop", "catalog.db")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 2 * 4096; i < len(data); i++ { // keep both meta pages, wreck the rest
			data[i] = 0xa5
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = s.ListAccounts(ctx, "", backend.PageRequest{})
		checkCorrupt(t, err)
		_, err = s.FindAccount(ctx, "acct-001")
		checkCorrupt(t, err)
		err = s.CreateAccount(ctx, backend.Account{ID: "new-one", Type: backend.AccountUser})
		checkCorrupt(t, err)
		// The damaged file's lock was released: a writer is not shut out.
		if err := os.Rename(path, path+".bad"); err != nil {
			t.Fatal(err)
		}
		if err := s.Init(ctx); err != nil {
			t.Fatalf("Init after moving the damaged catalog aside: %v", err)
		}
		if _, err := s.FindAccount(ctx, "acct-001"); err != nil {
			t.Errorf("account folder not re-adopted: %v", err)
		}
	})
}

func checkCorrupt(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, local.ErrCatalogCorrupt) || !errors.Is(err, backend.ErrUnavailable) {
		t.Fatalf("error %v, want ErrCatalogCorrupt and ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "coop init") {
		t.Errorf("error does not say how to recover: %v", err)
	}
}

func TestForeignMetadataFile(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	ref := newRef(t, s)
	mkfile(t, filepath.Join(s.Root(), ref.AccountID, ref.RepositoryID, backend.MetadataFileName), `{
  "schema": 2, "repository_id": "`+ref.RepositoryID+`", "account_id": "`+ref.AccountID+`",
  "last_updated": "2024-01-02T03:04:05Z", "generator": {"name": "other-tool"},
  "objects": {"a.csv": {"id": "x1", "type": "file", "size": 10, "mime_type": "text/csv",
    "created_at": "2024-01-02T03:04:05Z", "updated_at": "2024-01-02T03:04:05Z",
    "checksum": "sha256:00", "metadata": {"k": "v"}, "colour": "blue"}}
}`)
	m, err := backend.LoadMetadata(ctx, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if m.Objects["a.csv"].Size != 10 || m.Objects["a.csv"].Metadata["k"] != "v" {
		t.Errorf("foreign file read as %+v", m)
	}
	if err := s.UpdateObjectMetadata(ctx, ref, "b.csv", &backend.ObjectMeta{ID: "x2", Type: backend.TypeFile}); err != nil {
		t.Fatal(err)
	}
	if m, err = backend.LoadMetadata(ctx, s, ref); err != nil || len(m.Objects) != 2 {
		t.Errorf("after update: %+v, %v", m.Objects, err)
	}
}

// Two Stores on one root stand for two processes: neither loses the
// other's metadata or catalog writes.
func TestTwoStoresOneRoot(t *testing.T) {
	a := newStore(t)
	b, err := local.Open(a.Root())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ref := newRef(t, a)
	stores := []*local.Store{a, b}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		s := stores[i%2]
		wg.Go(func() {
			p := fmt.Sprintf("obj/%02d", i)
			if err := s.UpdateObjectMetadata(ctx, ref, p, &backend.ObjectMeta{ID: p, Type: backend.TypeFile}); err != nil {
				errs <- err
			}
			if err := s.CreateAccount(ctx, backend.Account{ID: fmt.Sprintf("two-%02d", i), Type: backend.AccountUser}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	m, err := backend.LoadMetadata(ctx, b, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != 32 {
		t.Errorf("%d of 32 metadata updates kept", len(m.Objects))
	}
	page, err := a.ListAccounts(ctx, backend.AccountUser, backend.PageRequest{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, acct := range page.Items {
		if strings.HasPrefix(acct.ID, "two-") {
			n++
		}
	}
	if n != 32 {
		t.Errorf("%d of 32 accounts created from two stores", n)
	}
}

// newRef creates an account and repository with names unique to the test.
func newRef(t *testing.T, s *local.Store) backend.RepoRef {
	t.Helper()
	ref := backend.RepoRef{AccountID: "acct", RepositoryID: "repo"}
	ctx := t.Context()
	if err := s.CreateAccount(ctx, backend.Account{ID: ref.AccountID, Type: backend.AccountUser}); err != nil && !errors.Is(err, backend.ErrExists) {
		t.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: ref.RepositoryID, AccountID: ref.AccountID}); err != nil && !errors.Is(err, backend.ErrExists) {
		t.Fatal(err)
	}
	return ref
}

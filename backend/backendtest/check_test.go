package backendtest_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/backendtest"
	"github.com/coopterm/coop/backend/local"
)

// recorder is a testing.TB that keeps the failures it is told of.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) { r.Errorf(format, a...); r.FailNow() }

// CheckMetadata passes metadata that matches the objects and names each
// kind of mismatch.
func TestCheckMetadata(t *testing.T) {
	ctx := context.Background()
	s, err := local.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	repo := backend.RepoRef{AccountID: "acme", RepositoryID: "data"}
	must(t, s.Init(ctx))
	must(t, s.CreateAccount(ctx, backend.Account{ID: repo.AccountID, Type: backend.AccountOrganization, Name: "Acme"}))
	must(t, s.CreateRepository(ctx, backend.Repository{ID: repo.RepositoryID, AccountID: repo.AccountID, Title: "Data", Visibility: backend.VisibilityPublic}))
	now := time.Now()
	put := func(p, body string) {
		info, err := s.PutObject(ctx, repo, p, bytes.NewReader([]byte(body)), int64(len(body)))
		must(t, err)
		b := backend.NewMetadataBatch(now)
		b.Stored(info)
		_, err = s.UpdateMetadata(ctx, repo, b)
		must(t, err)
	}
	put("a/b/c.txt", "one")
	put("d.csv", "x,y\n")
	check := func(folders backendtest.Folders, want ...string) {
		t.Helper()
		r := &recorder{TB: t}
		backendtest.CheckMetadata(r, s, repo, folders)
		if len(r.errs) != len(want) {
			t.Fatalf("failures %q, want %d matching %q", r.errs, len(want), want)
		}
		for i, w := range want {
			if !strings.Contains(r.errs[i], w) {
				t.Errorf("failure %q lacks %q", r.errs[i], w)
			}
		}
	}
	edit := func(fn func(m *backend.SourceMetadata)) { backendtest.Edit(t, s, repo, fn) }
	check(backendtest.OnlyFoldersOfObjects)

	edit(func(m *backend.SourceMetadata) {
		m.Objects["empty"] = backend.ObjectMeta{ID: "e", Type: backend.TypeDirectory}
	})
	check(backendtest.EmptyFoldersAllowed)
	check(backendtest.OnlyFoldersOfObjects, "empty (empty folder)")
	edit(func(m *backend.SourceMetadata) { delete(m.Objects, "empty") })

	edit(func(m *backend.SourceMetadata) {
		e := m.Objects["d.csv"]
		e.CRC32C = "00000000"
		m.Objects["d.csv"] = e
	})
	check(backendtest.OnlyFoldersOfObjects, `entry "d.csv"`)
	edit(func(m *backend.SourceMetadata) {
		e := m.Objects["d.csv"]
		e.CRC32C = backendtest.CRC32C([]byte("x,y\n"))
		m.Objects["d.csv"] = e
	})

	edit(func(m *backend.SourceMetadata) { delete(m.Objects, "a/b") })
	check(backendtest.EmptyFoldersAllowed, `folder "a/b" has no folder entry`)
	put("a/b/c.txt", "one")

	must(t, s.DeleteObject(ctx, repo, "d.csv"))
	check(backendtest.OnlyFoldersOfObjects, "d.csv (no object)")
	_, err = s.PutObject(ctx, repo, "new.txt", strings.NewReader("n"), 1)
	must(t, err)
	check(backendtest.EmptyFoldersAllowed, `object "new.txt" has no metadata entry`, "d.csv (no object)")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

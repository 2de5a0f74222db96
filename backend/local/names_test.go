package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

func TestSymlinksOutOfRootAreNotFollowed(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	ref := backend.RepoRef{AccountID: "alice", RepositoryID: "links"}
	if err := s.CreateAccount(ctx, backend.Account{ID: "alice", Type: backend.AccountUser}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRepository(ctx, backend.Repository{ID: "links", AccountID: "alice"}); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	mkfile(t, filepath.Join(outside, "secret.txt"), "top secret")
	repo := filepath.Join(s.Root(), "alice", "links")
	mkfile(t, filepath.Join(repo, "real", "inner.txt"), "inner")
	for name, target := range map[string]string{
		"out":        outside,
		"secret.txt": filepath.Join(outside, "secret.txt"),
		"inlink.txt": filepath.Join(repo, "real", "inner.txt"),
		"indir":      "real",
		"dangling":   filepath.Join(repo, "nowhere"),
	} {
		if err := os.Symlink(target, filepath.Join(repo, name)); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(page.Items); !slices.Equal(got, []string{"indir/", "inlink.txt", "real/"}) {
		t.Errorf("root lists %v", got)
	}
	for _, e := range page.Items {
		if e.Name == "inlink.txt" && e.Size != int64(len("inner")) {
			t.Errorf("inside symlink not followed for stat: %+v", e)
		}
	}
	for _, p := range []string{"secret.txt", "out/secret.txt"} {
		if _, _, err := s.GetObject(ctx, ref, p); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("GetObject(%s) through an escaping symlink: %v", p, err)
		}
		if _, err := s.StatObject(ctx, ref, p); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("StatObject(%s): %v", p, err)
		}
	}
	if _, err := s.PutObject(ctx, ref, "out/planted.txt", strings.NewReader("x"), 1); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("PutObject through an escaping symlink: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "planted.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Error("a file was written outside the storage root")
	}
	if _, err := s.ListObjects(ctx, ref, "out", backend.PageRequest{}); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("ListObjects(out): %v", err)
	}
	if err := s.DeleteObject(ctx, ref, "out/secret.txt"); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("DeleteObject(out/secret.txt): %v", err)
	}
	inner, err := s.ListObjects(ctx, ref, "indir", backend.PageRequest{})
	if err != nil || len(inner.Items) != 1 || inner.Items[0].Path != "indir/inner.txt" {
		t.Errorf("ListObjects(indir) = %+v, %v", inner.Items, err)
	}
}

func TestHiddenAndUnaddressableNames(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	ref := newRef(t, s)
	repo := filepath.Join(s.Root(), ref.AccountID, ref.RepositoryID)
	mkfile(t, filepath.Join(repo, "visible.txt"), "v")
	mkfile(t, filepath.Join(repo, local.TempPrefix+"upload"), "partial")
	mkfile(t, filepath.Join(repo, "esc\x1b[31m.txt"), "control characters are listed; front ends sanitize them")
	mkfile(t, filepath.Join(repo, "bad\xff.txt"), "invalid UTF-8")
	mkfile(t, filepath.Join(repo, "back\\slash"), "backslash")
	mkfile(t, filepath.Join(repo, "sub", backend.MetadataFileName), "only the root one is reserved")
	if err := s.UpdateObjectMetadata(ctx, ref, "visible.txt", &backend.ObjectMeta{ID: "1"}); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(page.Items); !slices.Equal(got, []string{"back\\slash", "bad\xff.txt", "esc\x1b[31m.txt", "sub/", "visible.txt"}) {
		t.Errorf("root lists %q", got)
	}
	// Listed names stay readable, though no new object may take them.
	if info, err := s.StatObject(ctx, ref, "esc\x1b[31m.txt"); err != nil || info.Size != int64(len("control characters are listed; front ends sanitize them")) {
		t.Errorf("StatObject of a listed control-character name: %+v, %v", info, err)
	}
	if _, err := s.PutObject(ctx, ref, "esc\x1b[32m.txt", strings.NewReader("x"), 1); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("PutObject of a control-character name: %v", err)
	}
	sub, err := s.ListObjects(ctx, ref, "sub", backend.PageRequest{})
	if err != nil || len(sub.Items) != 1 || sub.Items[0].Name != backend.MetadataFileName {
		t.Errorf("sub lists %+v, %v", sub.Items, err)
	}
	if _, err := s.PutObject(ctx, ref, "x/"+local.TempPrefix+"1", strings.NewReader("x"), 1); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("PutObject of a reserved temp name: %v", err)
	}
	if _, err := s.ListObjects(ctx, ref, "", backend.PageRequest{Cursor: "!!not a cursor"}); !errors.Is(err, backend.ErrInvalid) {
		t.Errorf("ListObjects with a bad cursor: %v", err)
	}
}

package local_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

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

package local_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// linkStore is a store with alice/pub (the repository the links are
// planted in), alice/other and bob/priv, each with a file, and a file
// outside the storage root.
func linkStore(t *testing.T) (s *local.Store, pub backend.RepoRef, pubDir, outside string) {
	t.Helper()
	s = newStore(t)
	ctx := t.Context()
	for _, a := range []string{"alice", "bob"} {
		if err := s.CreateAccount(ctx, backend.Account{ID: a, Type: backend.AccountUser}); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []backend.Repository{{ID: "pub", AccountID: "alice"}, {ID: "other", AccountID: "alice"}, {ID: "priv", AccountID: "bob"}} {
		if err := s.CreateRepository(ctx, r); err != nil {
			t.Fatal(err)
		}
		mkfile(t, filepath.Join(s.Root(), r.AccountID, r.ID, "file.txt"), r.AccountID+"/"+r.ID+" secret")
	}
	outside = t.TempDir()
	mkfile(t, filepath.Join(outside, "passwd"), "root:x:0:0")
	pubDir = filepath.Join(s.Root(), "alice", "pub")
	mkfile(t, filepath.Join(pubDir, "real", "inner.txt"), "inner")
	return s, backend.RepoRef{AccountID: "alice", RepositoryID: "pub"}, pubDir, outside
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// Finding 3: links that lead out of their repository (another account's
// private repository, .coop with the catalog and audit log, /etc, the
// repository's parent) are listed as links and refused for reading,
// writing and deleting through them; links inside the repository are
// followed; loops neither fail a listing nor make a walk go forever.
func TestLinksStayInTheirRepository(t *testing.T) {
	s, ref, dir, outside := linkStore(t)
	ctx := t.Context()
	notFollowed := map[string]string{
		"to-bob":       "../../bob/priv",                 // another account's repository
		"to-bob-file":  "../../bob/priv/file.txt",        // a file in it
		"to-other":     "../other",                       // another repository of the same account
		"to-coop":      "../../.coop",                    // the catalog, the audit log, the host key
		"to-catalog":   "../../.coop/catalog.db",         //
		"to-etc":       outside,                          // outside the root (absolute)
		"to-etc-rel":   "../../../../../../../../../etc", // outside the root (relative)
		"to-parent":    "..",                             // the account folder
		"abs-inside":   filepath.Join(dir, "real"),       // inside, but absolute
		"dangling":     "nowhere",                        //
		"self":         "self",                           // a loop of one
		"ping":         "pong",                           // a loop of two
		"pong":         "ping",                           //
		"real/to-root": "../../../bob/priv",              // deeper, and out
	}
	for name, target := range notFollowed {
		symlink(t, target, filepath.Join(dir, name))
	}
	// Followed: relative and inside the repository, loops of folders too.
	symlink(t, "real/inner.txt", filepath.Join(dir, "inner-link.txt"))
	symlink(t, "real", filepath.Join(dir, "real-link"))
	symlink(t, ".", filepath.Join(dir, "here"))
	symlink(t, "..", filepath.Join(dir, "real", "up"))

	page, err := s.ListObjects(ctx, ref, "", backend.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]backend.Entry{}
	for _, e := range page.Items {
		types[e.Name] = e
	}
	for name := range notFollowed {
		if strings.Contains(name, "/") {
			continue
		}
		if e := types[name]; e.Type != backend.TypeLink || !e.Link || e.Size != 0 {
			t.Errorf("%s is listed as %+v, want a link not followed", name, e)
		}
	}
	if e := types["inner-link.txt"]; e.Type != backend.TypeFile || !e.Link || e.Size != int64(len("inner")) {
		t.Errorf("a link to a file inside the repository: %+v", e)
	}
	if e := types["real-link"]; e.Type != backend.TypeDirectory || !e.Link {
		t.Errorf("a link to a folder inside the repository: %+v", e)
	}

	for name := range notFollowed {
		for _, p := range []string{name, name + "/file.txt", name + "/catalog.db", name + "/passwd"} {
			if rc, _, err := s.GetObject(ctx, ref, p); err == nil {
				b, _ := io.ReadAll(rc)
				rc.Close()
				t.Errorf("GetObject(%s) read %q through a link out of the repository", p, b)
			} else if p == name && !errors.Is(err, local.ErrLinkNotFollowed) {
				t.Errorf("GetObject(%s): %v, want a link not followed", p, err)
			}
			if info, err := s.StatObject(ctx, ref, p); err == nil {
				t.Errorf("StatObject(%s) = %+v through a link out of the repository", p, info)
			}
			if _, err := s.PutObject(ctx, ref, p+"/planted.txt", strings.NewReader("x"), 1); err == nil {
				t.Errorf("PutObject(%s/planted.txt) wrote through a link", p)
			}
		}
		if _, err := s.ListObjects(ctx, ref, name, backend.PageRequest{}); err == nil {
			t.Errorf("ListObjects(%s) listed through a link out of the repository", name)
		}
		if err := s.DeleteObject(ctx, ref, name+"/file.txt"); err == nil {
			t.Errorf("DeleteObject(%s/file.txt) deleted through a link", name)
		}
	}
	// Nothing outside the repository changed.
	for _, f := range []string{filepath.Join(s.Root(), "bob", "priv", "file.txt"), filepath.Join(s.Root(), "alice", "other", "file.txt"), filepath.Join(outside, "passwd")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s is gone: %v", f, err)
		}
	}
	for _, d := range []string{filepath.Join(s.Root(), "bob", "priv"), filepath.Join(s.Root(), ".coop"), outside} {
		if _, err := os.Stat(filepath.Join(d, "planted.txt")); err == nil {
			t.Errorf("a file was planted in %s", d)
		}
	}

	// Followed links read as their targets.
	if rc, _, err := s.GetObject(ctx, ref, "real-link/inner.txt"); err != nil {
		t.Errorf("GetObject through a link inside the repository: %v", err)
	} else {
		rc.Close()
	}
	// Deleting a link removes the link, never what it points to.
	if err := s.DeleteObject(ctx, ref, "to-bob-file"); err != nil {
		t.Errorf("DeleteObject of the link itself: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.Root(), "bob", "priv", "file.txt")); err != nil {
		t.Errorf("deleting a link deleted its target: %v", err)
	}

	// A walk sees each object once and ends: it enters neither linked
	// folders nor links not followed.
	var walked []string
	done := make(chan error, 1)
	go func() {
		done <- backend.Walk(ctx, s, ref, "", func(page []backend.Entry) error {
			for _, e := range page {
				walked = append(walked, e.Path)
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a walk of a repository with linked loops did not end")
	}
	slices.Sort(walked)
	if want := []string{"file.txt", "inner-link.txt", "real/inner.txt"}; !slices.Equal(walked, want) {
		t.Errorf("walked %q, want %q", walked, want)
	}
}

// The account and repository folders themselves must be real folders: a
// repository folder that is a link to another one is refused.
func TestLinkedRepositoryFolderIsRefused(t *testing.T) {
	s, _, _, _ := linkStore(t)
	ctx := t.Context()
	if err := s.CreateRepository(ctx, backend.Repository{ID: "alias", AccountID: "alice"}); err != nil {
		t.Fatal(err)
	}
	alias := filepath.Join(s.Root(), "alice", "alias")
	if err := os.Remove(alias); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	symlink(t, "../bob/priv", alias)
	ref := backend.RepoRef{AccountID: "alice", RepositoryID: "alias"}
	if rc, _, err := s.GetObject(ctx, ref, "file.txt"); err == nil {
		rc.Close()
		t.Error("a repository folder that is a link was read through")
	}
	if _, err := s.ListObjects(ctx, ref, "", backend.PageRequest{}); err == nil {
		t.Error("a repository folder that is a link was listed")
	}
	if _, err := s.ReadObjectMetadata(ctx, ref, "file.txt"); !errors.Is(err, local.ErrLinkNotFollowed) {
		t.Errorf("the metadata of a linked repository folder: %v", err)
	}
}

// A metadata file that is a link out of its repository is not read.
func TestMetadataLinkIsNotFollowed(t *testing.T) {
	s, ref, dir, _ := linkStore(t)
	ctx := t.Context()
	bob := backend.RepoRef{AccountID: "bob", RepositoryID: "priv"}
	if err := s.UpdateObjectMetadata(ctx, bob, "file.txt", &backend.ObjectMeta{ID: "bob's"}); err != nil {
		t.Fatal(err)
	}
	symlink(t, "../../bob/priv/"+backend.MetadataFileName, filepath.Join(dir, backend.MetadataFileName))
	if m, err := s.ReadObjectMetadata(ctx, ref, "file.txt"); err == nil {
		t.Errorf("read another repository's metadata through a link: %+v", m)
	}
}

// A link swapped in for a folder between the checks and the open is not
// followed: reads through the swapping path see the folder's file or
// fail, never the other repository's.
func TestLinkSwappedBetweenCheckAndOpen(t *testing.T) {
	s, ref, dir, _ := linkStore(t)
	ctx := t.Context()
	mkfile(t, filepath.Join(dir, "swap", "file.txt"), "mine")
	realDir := filepath.Join(dir, "swap-real")
	if err := os.Rename(filepath.Join(dir, "swap"), realDir); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "swap")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			tmp := link + ".tmp"
			_ = os.Remove(tmp)
			target := "swap-real"
			if i%2 == 1 {
				target = "../../bob/priv"
			}
			if os.Symlink(target, tmp) == nil {
				_ = os.Rename(tmp, link)
			}
		}
	})
	deadline := time.Now().Add(2 * time.Second)
	reads, leaks := 0, 0
	for time.Now().Before(deadline) {
		rc, _, err := s.GetObject(ctx, ref, "swap/file.txt")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		reads++
		if string(b) != "mine" {
			leaks++
		}
	}
	close(stop)
	wg.Wait()
	if leaks > 0 {
		t.Errorf("%d of %d reads through a swapping link got another repository's file", leaks, reads)
	}
	if reads == 0 {
		t.Error("no read through the swapping link succeeded, so the race was never run")
	}
}

package transfer

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/coopterm/coop/backend"
)

// A download given its listing and checksums asked for before it was
// submitted (Spec.Prefetch) lists nothing again: one listing in all,
// whose first answer also told the folder; the files arrive checked.
func TestPrefetchedDownloadListsOnce(t *testing.T) {
	e := newAWS(t)
	q := newQueue(t, e, Options{})
	src := filepath.Join(t.TempDir(), "src")
	files := map[string][]byte{"a.csv": content("a", 3000), "sub/b.csv": content("b", 70<<10)}
	writeFiles(t, src, files)
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "in"})[0], Done)

	before := e.proxy.Count("ListObjects")
	pf := StartDownload(t.Context(), e.store, testRepo, "in")
	defer pf.Close()
	if folder, err := pf.Folder(); !folder || err != nil {
		t.Fatalf("Folder() = %v, %v; want a folder", folder, err)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	j := run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "in", Prefetch: pf})[0]
	wantState(t, q, j, Done)
	sameFiles(t, dst, files)
	if n := e.proxy.Count("ListObjects") - before; n != 1 {
		t.Errorf("%d listings for a prefetched download, want 1", n)
	}
}

// A prefetch tells a file (or nothing) from a folder by its listing: not
// a folder, and why.
func TestPrefetchTellsNoFolder(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		q := newQueue(t, e, Options{})
		src := filepath.Join(t.TempDir(), "src")
		writeFiles(t, src, map[string][]byte{"a.csv": content("a", 10)})
		wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "in"})[0], Done)
		for _, p := range []string{"in/a.csv", "nothing"} {
			pf := StartDownload(t.Context(), e.store, testRepo, p)
			folder, err := pf.Folder()
			pf.Close()
			if folder || !errors.Is(err, backend.ErrNotFound) {
				t.Errorf("%s: Folder() = %v, %v; want no folder, ErrNotFound", p, folder, err)
			}
		}
		// The repository's root is a folder, even empty.
		pf := StartDownload(t.Context(), e.store, testRepo, "")
		defer pf.Close()
		if folder, err := pf.Folder(); !folder || err != nil {
			t.Errorf("root: Folder() = %v, %v; want a folder", folder, err)
		}
	})
}

// A prefetch goes only with a download of the path it lists; one that
// no job takes is closed without waiting for the job.
func TestPrefetchIsForItsPath(t *testing.T) {
	e := newLocal(t)
	q := newQueue(t, e, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pf := StartDownload(ctx, e.store, testRepo, "in")
	defer pf.Close()
	for _, s := range []Spec{
		{Kind: DownloadTree, Repo: testRepo, Local: t.TempDir(), Remote: "other", Prefetch: pf},
		{Kind: UploadTree, Repo: testRepo, Local: t.TempDir(), Remote: "in", Prefetch: pf},
	} {
		if _, err := q.Submit(s); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("Submit(%s of %q with a prefetch of in) = %v, want ErrInvalid", s.Kind, s.Remote, err)
		}
	}
}

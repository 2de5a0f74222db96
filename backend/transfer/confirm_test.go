package transfer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// countFolder is what a confirmation dialog does before a folder delete:
// it walks the folder and records every object found.
func countFolder(t *testing.T, s backend.Store, folder string) *Confirmed {
	t.Helper()
	c := &Confirmed{}
	err := backend.Walk(t.Context(), s, testRepo, folder, func(page []backend.Entry) error {
		for _, e := range page {
			c.Add(e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("count %s: %v", folder, err)
	}
	c.Seal()
	return c
}

// A folder delete limited to what was counted leaves the objects that
// appeared after the count, with their metadata, and fails saying so; a
// retry still leaves them; a fresh count then deletes them.
func TestConfirmedDeleteLeavesWhatAppeared(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		files := map[string][]byte{
			"in/a.txt":        []byte("a"),
			"in/sub/b.txt":    []byte("bb"),
			"in/sub/deep/c":   []byte("ccc"),
			"out/keep.txt":    []byte("keep"),
			"late/new.txt":    []byte("appeared in a known folder"),
			"late/deeper.txt": []byte("appeared in a new folder"),
		}
		writeFiles(t, src, files)
		q := newQueue(t, e, Options{Workers: 4})
		for _, p := range []string{"in/a.txt", "in/sub/b.txt", "in/sub/deep/c", "out/keep.txt"} {
			wantState(t, q, run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, filepath.FromSlash(p)), Remote: p})[0], Done)
		}
		confirmed := countFolder(t, e.store, "in")
		if confirmed.Len() != 3 {
			t.Fatalf("counted %d objects in in/, want 3", confirmed.Len())
		}

		// Another writer adds two objects after the count.
		wantState(t, q, run(t, q,
			Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "late", "new.txt"), Remote: "in/sub/new.txt"},
			Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "late", "deeper.txt"), Remote: "in/later/deeper.txt"},
		)[1], Done)

		del := run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "in", Confirmed: confirmed})[0]
		wantState(t, q, del, Failed)
		var nc *NotConfirmedError
		if !errors.As(del.Err, &nc) || nc.Objects != 2 || nc.Folders != 0 {
			t.Fatalf("job error %v, want 2 objects not confirmed", del.Err)
		}
		if want := "acme/data/in: 2 objects appeared after the confirmation and were left in place"; del.Err.Error() != want {
			t.Errorf("job error %q, want %q", del.Err, want)
		}
		if del.Files != 3 || del.TotalFiles != 3 || del.Failed != 1 {
			t.Errorf("job counts: %d of %d files, %d failed; want 3 of 3, 1 failure", del.Files, del.TotalFiles, del.Failed)
		}
		left := checkMetadata(t, e.store, testRepo) // entries of the deleted gone, the others kept
		want := map[string]string{"in/sub/new.txt": "appeared in a known folder", "in/later/deeper.txt": "appeared in a new folder", "out/keep.txt": "keep"}
		if len(left) != len(want) {
			t.Errorf("objects left: %v, want %d", slicesOf(left), len(want))
		}
		for p, body := range want {
			if string(left[p]) != body {
				t.Errorf("%s: %q, want %q", p, left[p], body)
			}
		}
		md, err := backend.LoadMetadata(t.Context(), e.store, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"in/sub/new.txt", "in/later/deeper.txt", "in", "in/sub", "in/later"} {
			if _, ok := md.Objects[p]; !ok {
				t.Errorf("metadata lost the entry of %s", p)
			}
		}
		for _, p := range []string{"in/a.txt", "in/sub/b.txt", "in/sub/deep/c", "in/sub/deep"} {
			if _, ok := md.Objects[p]; ok {
				t.Errorf("metadata keeps the entry of deleted %s", p)
			}
		}

		// A retry is held to the same confirmation.
		if err := q.Retry(del.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, q, del.ID, func(j Job) bool { return j.State.Final() })
		again, _ := q.Job(del.ID)
		wantState(t, q, again, Failed)
		if !errors.As(again.Err, &nc) || nc.Objects != 2 {
			t.Fatalf("retry: %v", again.Err)
		}
		if n := len(checkMetadata(t, e.store, testRepo)); n != 3 {
			t.Fatalf("%d objects after the retry, want 3", n)
		}

		// Confirmed afresh, they go, and so does the folder.
		wantState(t, q, run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "in", Confirmed: countFolder(t, e.store, "in")})[0], Done)
		left = checkMetadata(t, e.store, testRepo)
		if len(left) != 1 || left["out/keep.txt"] == nil {
			t.Errorf("objects left: %v, want out/keep.txt", slicesOf(left))
		}
		md, err = backend.LoadMetadata(t.Context(), e.store, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		for p := range md.Objects {
			if p == "in" || strings.HasPrefix(p, "in/") {
				t.Errorf("metadata keeps %s", p)
			}
		}
	})
}

// One sealed set serves the jobs of several folders; nothing outside a
// job's folder is touched.
func TestConfirmedSetSharedByFolders(t *testing.T) {
	e := newLocal(t)
	src := t.TempDir()
	writeFiles(t, src, map[string][]byte{"x/1": []byte("1"), "y/2": []byte("2"), "z/3": []byte("3")})
	q := newQueue(t, e, Options{})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: ""})[0], Done)
	c := &Confirmed{}
	for _, f := range []string{"x", "y"} {
		err := backend.Walk(t.Context(), e.store, testRepo, f, func(page []backend.Entry) error {
			for _, en := range page {
				c.Add(en)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c.Seal()
	for _, j := range run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "x", Confirmed: c},
		Spec{Kind: DeleteTree, Repo: testRepo, Remote: "y", Confirmed: c}) {
		wantState(t, q, j, Done)
	}
	left := checkMetadata(t, e.store, testRepo)
	if len(left) != 1 || string(left["z/3"]) != "3" {
		t.Fatalf("objects left: %v, want z/3", slicesOf(left))
	}
}

// A confirmed set is for a folder delete, and must be sealed.
func TestConfirmedSpecChecked(t *testing.T) {
	open := &Confirmed{}
	open.Add(backend.Entry{Path: "a", Type: backend.TypeFile})
	sealed := &Confirmed{}
	sealed.Seal()
	for _, s := range []Spec{
		{Kind: DeleteTree, Repo: testRepo, Remote: "a", Confirmed: open},
		{Kind: DeleteFile, Repo: testRepo, Remote: "a", Confirmed: sealed},
		{Kind: UploadTree, Repo: testRepo, Remote: "a", Local: "/tmp", Confirmed: sealed},
	} {
		if err := checkSpec(s); !errors.Is(err, backend.ErrInvalid) {
			t.Errorf("%s with a confirmed set (sealed %v): %v, want ErrInvalid", s.Kind, s.Confirmed.sealed, err)
		}
	}
	if err := checkSpec(Spec{Kind: DeleteTree, Repo: testRepo, Remote: "a", Confirmed: sealed}); err != nil {
		t.Errorf("a folder delete with a sealed set: %v", err)
	}
	// A folder marker is not the file of the same name.
	c := &Confirmed{}
	c.Add(backend.Entry{Path: "d", Type: backend.TypeDirectory})
	c.Add(backend.Entry{Path: "f", Type: backend.TypeFile})
	c.Seal()
	if !c.Has(backend.Entry{Path: "d", Type: backend.TypeDirectory}) || c.Has(backend.Entry{Path: "d", Type: backend.TypeFile}) ||
		!c.Has(backend.Entry{Path: "f", Type: backend.TypeFile}) || c.Has(backend.Entry{Path: "f", Type: backend.TypeDirectory}) {
		t.Error("files and folder markers are confused")
	}
	for _, c := range []struct {
		e    NotConfirmedError
		want string
	}{
		{NotConfirmedError{Objects: 1}, "1 object appeared after the confirmation and was left in place"},
		{NotConfirmedError{Folders: 2}, "2 folders appeared after the confirmation and were left in place"},
		{NotConfirmedError{Objects: 3, Folders: 1}, "3 objects and 1 folder appeared after the confirmation and were left in place"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}

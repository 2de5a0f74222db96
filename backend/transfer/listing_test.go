package transfer

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// A folder delete handed the listing its caller started (coop rm -r lists
// the folder beside the lookup that tells it from a file) deletes what
// that listing finds and does not list the folder again; the listing
// answers Found before the job exists. Handed to a second job, it is
// taken already: that job lists the folder itself. A listing of a
// missing folder says so.
func TestDeleteTreeUsesTheStartedListing(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	ctx := t.Context()
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{"f0.txt": []byte("x"), "f1.txt": []byte("x"), "f2.txt": []byte("x")})
	q := newQueue(t, e, Options{})
	// Uploaded with their entries: the repository has a document, whose
	// first write would otherwise list the objects already there.
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: dir, Remote: "d"})[0], Done)
	l := StartListing(ctx, e.store, testRepo, "d")
	defer l.Stop()
	if err := l.Found(ctx); err != nil {
		t.Fatalf("Found of a folder holding 3 objects: %v", err)
	}
	lists := e.proxy.Count("ListObjects")
	j := run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "d", Listing: l})[0]
	wantState(t, q, j, Done)
	if j.Files != 3 {
		t.Errorf("%d objects deleted, want 3", j.Files)
	}
	if n := e.proxy.Count("ListObjects") - lists; n != 0 {
		t.Errorf("the delete listed the folder %d more times, want none: the listing was under way", n)
	}
	m := checkMetadata(t, e.store, testRepo)
	for p := range m {
		if strings.HasPrefix(p, "d/") {
			t.Errorf("entry %s left after the folder's delete", p)
		}
	}

	if _, err := e.store.PutObject(ctx, testRepo, "d/again.txt", strings.NewReader("y"), 1); err != nil {
		t.Fatal(err)
	}
	j = run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "d", Listing: l})[0]
	wantState(t, q, j, Done)
	if j.Files != 1 {
		t.Errorf("a second job with the listing taken deleted %d objects, want the 1 it lists itself", j.Files)
	}

	gone := StartListing(ctx, e.store, testRepo, "nothing")
	defer gone.Stop()
	if err := gone.Found(ctx); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("Found of a missing folder: %v, want ErrNotFound", err)
	}
	if _, err := q.Submit(Spec{Kind: DeleteTree, Repo: testRepo, Remote: "other", Listing: gone}); err == nil {
		t.Errorf("a listing of another folder was accepted")
	}
}

// A listing nobody takes stops when asked, however many pages it holds
// back: its walk waits for the job without reading further.
func TestListingStops(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	ctx := t.Context()
	for i := range 3 {
		if _, err := e.store.PutObject(ctx, testRepo, fmt.Sprintf("d/f%d.txt", i), strings.NewReader("x"), 1); err != nil {
			t.Fatal(err)
		}
	}
	l := StartListing(ctx, e.store, testRepo, "d")
	if err := l.Found(ctx); err != nil {
		t.Fatal(err)
	}
	l.Stop()
	l.Stop() // twice is fine
}

package transfer

import (
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
)

// A file delete given the object its caller just found (coop rm stats it
// to tell a file from a folder) deletes it with one request, a batch of
// one, without looking it up again; its entry goes as for any delete.
// Without the object, the delete looks it up first, so that a missing
// file is still an error.
func TestDeleteOfAKnownObject(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	ctx := t.Context()
	for _, p := range []string{"d/known.txt", "d/plain.txt"} {
		if _, err := e.store.PutObject(ctx, testRepo, p, strings.NewReader("x"), 1); err != nil {
			t.Fatal(err)
		}
	}
	q := newQueue(t, e, Options{})
	info, err := e.store.StatObject(ctx, testRepo, "d/known.txt")
	if err != nil {
		t.Fatal(err)
	}
	e.proxy.WatchSuffix("HeadObject", "/d/known.txt")
	e.proxy.WatchSuffix("HeadObject", "/d/plain.txt")
	j := run(t, q, Spec{Kind: DeleteFile, Repo: testRepo, Remote: "d/known.txt", Object: &info})[0]
	wantState(t, q, j, Done)
	if n := e.proxy.CountSuffix("HeadObject", "/d/known.txt"); n != 0 {
		t.Errorf("%d HEADs of a known object before its delete, want 0", n)
	}
	if n := e.proxy.Count("DeleteObjects"); n != 1 {
		t.Errorf("%d batch deletes, want the known object's batch of one", n)
	}
	if _, err := e.store.StatObject(ctx, testRepo, "d/known.txt"); !strings.Contains(errString(err), "not found") {
		t.Errorf("the known object after its delete: %v", err)
	}
	j = run(t, q, Spec{Kind: DeleteFile, Repo: testRepo, Remote: "d/plain.txt"})[0]
	wantState(t, q, j, Done)
	if n := e.proxy.CountSuffix("HeadObject", "/d/plain.txt"); n != 1 {
		t.Errorf("%d HEADs of an object not known, want 1", n)
	}
	j = run(t, q, Spec{Kind: DeleteFile, Repo: testRepo, Remote: "d/plain.txt"})[0]
	if j.State == Done {
		t.Errorf("a delete of a missing object not known ended %s, want it failed", j.State)
	}
	if _, err := q.Submit(Spec{Kind: DeleteTree, Repo: testRepo, Remote: "d", Object: &backend.ObjectInfo{}}); err == nil {
		t.Errorf("a known object on a folder delete was accepted")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

package transfer

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// A server that answers 500 and 503 (SlowDown), drops connections before
// and after acting on a request, costs retries and nothing else: every job
// ends Done, and objects, downloads and metadata are exact.
func TestFailingServerIsSurvived(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	src := t.TempDir()
	files := map[string][]byte{"big.bin": content("big", 40<<20+5)} // multipart up, ranges down
	for i := range 80 {
		files[fmt.Sprintf("d%d/f%03d.txt", i%4, i)] = content(fmt.Sprint(i), 500+i)
	}
	writeFiles(t, src, files)
	e.proxy.SetFaults(
		testservers.Fault{Op: "PutObject", Status: 500, Every: 7},
		testservers.Fault{Op: "PutObject", Status: 503, Every: 5, Times: 3}, // SlowDown: the SDK slows down
		testservers.Fault{Op: "PutObject", Drop: true, Every: 13},
		testservers.Fault{Op: "PutObject", DropAfter: true, Every: 17},
		testservers.Fault{Op: "UploadPart", Status: 500, Every: 3},
		testservers.Fault{Op: "GetObject", Drop: true, Every: 5},
		testservers.Fault{Op: "DeleteObjects", Status: 500, Times: 1},
		testservers.Fault{Op: "ListObjects", Status: 500, Every: 5},
	)
	q := newQueue(t, e, Options{Workers: 8})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "up", Policy: Fail})[0], Done)
	if len(checkMetadata(t, e.store, testRepo)) != len(files) {
		t.Fatal("not every file stored")
	}
	dst := t.TempDir()
	wantState(t, q, run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "up"})[0], Done)
	sameFiles(t, dst, files)
	wantState(t, q, run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "up/d1"})[0], Done)
	checkMetadata(t, e.store, testRepo)
	if n := e.proxy.Injected(); n < 20 {
		t.Errorf("only %d faults injected; the test is not testing much", n)
	}
}

// A job whose files keep failing ends Failed, each file reported with its
// reason; Retry, once the server is well, redoes only what failed.
func TestFailedJobIsRetried(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range 10 {
		files[fmt.Sprintf("f%d.txt", i)] = content(fmt.Sprint(i), 100)
	}
	writeFiles(t, src, files)
	q := newQueue(t, e, Options{Retries: 1})
	e.proxy.SetFaults(testservers.Fault{Op: "PutObject", Status: 500})
	j := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "", Policy: Fail})[0]
	wantState(t, q, j, Failed)
	errs := q.ItemErrors(j.ID)
	if len(errs) != 10 || j.Failed != 10 || j.Files != 0 {
		t.Fatalf("job %+v with %d item errors", j, len(errs))
	}
	for _, ie := range errs {
		if !errors.Is(ie, backend.ErrUnavailable) || !strings.Contains(ie.Error(), "InternalError") || ie.Local {
			t.Errorf("item error %q does not say the server failed", ie)
		}
	}
	done := j.Files
	checkMetadata(t, e.store, testRepo)

	e.proxy.SetFaults()
	before := e.proxy.Count("PutObject")
	if err := q.Retry(j.ID); err != nil {
		t.Fatal(err)
	}
	j = waitFor(t, q, j.ID, func(j Job) bool { return j.State.Final() })
	wantState(t, q, j, Done)
	if j.Attempt != 2 || j.Files != 10 {
		t.Errorf("after Retry: %+v", j)
	}
	// The retry sent only the files that had failed (plus metadata writes).
	if sent := e.proxy.Count("PutObject") - before; sent > int(10-done)+2 {
		t.Errorf("Retry sent %d PUTs for %d failed files", sent, 10-done)
	}
	if len(checkMetadata(t, e.store, testRepo)) != 10 {
		t.Error("not every file stored after Retry")
	}
}

// DeleteObjects goes in batches of 1,000 keys; keys the server refuses one
// by one are reported one by one, and stay, with their entries.
func TestDeleteBatchesAndKeyErrors(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range 2500 {
		files[fmt.Sprintf("many/%04d", i)] = []byte{byte(i)}
	}
	for i := range 20 {
		files[fmt.Sprintf("few/%02d", i)] = []byte{byte(i)}
	}
	writeFiles(t, src, files)
	q := newQueue(t, e, Options{})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "", Policy: Fail})[0], Done)

	e.proxy.SetFaults(testservers.Fault{Op: "DeleteObjects", KeyErrors: "AccessDenied"})
	j := run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "few"})[0]
	wantState(t, q, j, Failed)
	if errs := q.ItemErrors(j.ID); len(errs) != 20 || !errors.Is(errs[0], backend.ErrUnauthorized) {
		t.Errorf("%d item errors (%v), want 20 AccessDenied", len(errs), errs)
	}
	if n := len(checkMetadata(t, e.store, testRepo)); n != len(files) {
		t.Errorf("%d objects after a refused delete, want %d", n, len(files))
	}

	// A passing per-key failure is tried again, in a smaller batch.
	e.proxy.SetFaults(testservers.Fault{Op: "DeleteObjects", KeyErrors: "InternalError", Times: 1})
	wantState(t, q, run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "few"})[0], Done)

	e.proxy.SetFaults()
	before := e.proxy.Count("DeleteObjects")
	j = run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "many"})[0]
	wantState(t, q, j, Done)
	if j.Files != 2500 {
		t.Errorf("deleted %d, want 2500", j.Files)
	}
	if n := e.proxy.Count("DeleteObjects") - before; n != 3 {
		t.Errorf("%d DeleteObjects requests for 2,500 keys, want 3", n)
	}
	if left := checkMetadata(t, e.store, testRepo); len(left) != 0 {
		t.Errorf("%d objects left", len(left))
	}
}

// Metadata is written in batches, not once per file.
func TestMetadataIsBatched(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range 500 {
		files[fmt.Sprintf("%03d", i)] = []byte{byte(i)}
	}
	writeFiles(t, src, files)
	e.proxy.WatchSuffix("PutObject", "/"+backend.MetadataFileName)
	q := newQueue(t, e, Options{})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "b"})[0], Done)
	if n := e.proxy.CountSuffix("PutObject", "/"+backend.MetadataFileName); n < 1 || n > 5 {
		t.Errorf("%d metadata writes for 500 files, want 1 to 5", n)
	}
	checkMetadata(t, e.store, testRepo)
}

// An upload into a repository with no document records the objects
// already there in its first metadata write; a listing for that record
// that fails for a passing reason (every attempt the client makes, twice)
// is tried again as the write itself would be, not the end of the job.
func TestFailingBaseListingIsRetried(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range 5 {
		files[fmt.Sprintf("f%d.txt", i)] = content(fmt.Sprint(i), 100+i)
	}
	writeFiles(t, src, files)
	e.proxy.SetFaults(testservers.Fault{Op: "ListObjects", Status: 500, Times: 6})
	q := newQueue(t, e, Options{})
	j := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "", Policy: Fail})[0]
	wantState(t, q, j, Done)
	if n := e.proxy.Injected(); n != 6 {
		t.Errorf("%d faults injected, want 6: the listing was not asked for as the test means", n)
	}
	if len(checkMetadata(t, e.store, testRepo)) != len(files) {
		t.Fatal("not every file recorded")
	}
}

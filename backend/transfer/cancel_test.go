package transfer

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/coopterm/coop/backend"
)

// Cancelling a job stops it; what it finished stays, with its metadata,
// nothing half-written is left, and Retry finishes the rest.
func TestCancelKeepsWhatIsDone(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		files := map[string][]byte{}
		for i := range 2000 {
			files[fmt.Sprintf("%04d.txt", i)] = content(fmt.Sprint(i), 1000)
		}
		writeFiles(t, src, files)
		q := newQueue(t, e, Options{Workers: 1})
		id, err := q.Submit(Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "c"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, q, id, func(j Job) bool { return j.Files >= 10 || j.State.Final() })
		q.Cancel(id)
		j := waitFor(t, q, id, func(j Job) bool { return j.State.Final() })
		wantState(t, q, j, Cancelled)
		if j.Files == 0 || j.Files >= 2000 || j.Failed != 0 {
			t.Fatalf("cancelled job: %+v", j)
		}
		ctx, cancel := contextTimeout(t)
		defer cancel()
		if err := q.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		objs := checkMetadata(t, e.store, testRepo)
		if int64(len(objs)) < j.Files {
			t.Errorf("%d objects stored, job counted %d", len(objs), j.Files)
		}
		if n := leftovers(t, e, "c"); n != 0 {
			t.Errorf("%d leftovers after cancel", n)
		}
		if err := q.Retry(id); err != nil {
			t.Fatal(err)
		}
		j = waitFor(t, q, id, func(j Job) bool { return j.State.Final() })
		wantState(t, q, j, Done)
		if len(checkMetadata(t, e.store, testRepo)) != 2000 {
			t.Error("Retry did not finish the job")
		}
	})
}

// Cancelling a large upload in flight aborts it: no object, no parts left
// on S3, no temporary file left locally, no metadata entry.
func TestCancelAbortsUploadInFlight(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		size := 128 << 20
		if e.name == "aws" {
			size = 40 << 20
			e.proxy.SetRate(8 << 20)
		}
		writeFiles(t, src, map[string][]byte{"big.bin": content("big", size)})
		q := newQueue(t, e, Options{})
		id, err := q.Submit(Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "big.bin"), Remote: "x/big.bin"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, q, id, func(j Job) bool { return j.Bytes > 0 || j.State.Final() })
		q.CancelAll()
		j := waitFor(t, q, id, func(j Job) bool { return j.State.Final() })
		wantState(t, q, j, Cancelled)
		if j.Failed != 0 || j.Err != nil {
			t.Errorf("a cancel is not a failure: %+v", j)
		}
		if _, err := e.store.StatObject(t.Context(), testRepo, "x/big.bin"); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("StatObject after cancel: %v, want not found", err)
		}
		if n := leftovers(t, e, "x"); n != 0 {
			t.Errorf("%d leftovers after cancel", n)
		}
		checkMetadata(t, e.store, testRepo)
	})
}

package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// lookupWaiter is a store whose repository lookup waits (up to a bound)
// for a folder's walk to end, and says whether it saw it end first.
type lookupWaiter struct {
	backend.Store
	walked chan struct{}
	during atomic.Bool
}

func (s *lookupWaiter) GetRepository(ctx context.Context, account, repo string) (backend.Repository, error) {
	select {
	case <-s.walked:
		s.during.Store(true)
	case <-time.After(10 * time.Second):
	}
	return s.Store.GetRepository(ctx, account, repo)
}

// newWalkWatch opens a local store behind a lookupWaiter and a queue
// that tells it when a walk ends.
func newWalkWatch(t *testing.T) (*Queue, *lookupWaiter) {
	t.Helper()
	e := newLocal(t)
	w := &lookupWaiter{Store: e.store, walked: make(chan struct{}, 1)}
	e.store = w
	q := newQueue(t, e, Options{Workers: 4, walked: func() {
		select {
		case w.walked <- struct{}{}:
		default:
		}
	}})
	return q, w
}

// A folder to upload is walked while the repository is looked up, not
// after its answer: at a distance the lookup is a round trip, and the
// walk of thousands of files (a stat each) need not follow it.
func TestUploadWalksWhileTheRepositoryIsLookedUp(t *testing.T) {
	t.Parallel()
	q, w := newWalkWatch(t)
	j := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: smallFiles(t, 12), Remote: "w", Policy: Fail})[0]
	wantState(t, q, j, Done)
	if !w.during.Load() {
		t.Error("the folder was walked after the repository's lookup answered, not while it was under way")
	}
	if j.Files != 12 || j.TotalFiles != 12 {
		t.Errorf("%d of %d files, want 12 of 12", j.Files, j.TotalFiles)
	}
}

// A caller that looks the repository up itself before it submits the
// job (coop upload) prepares it first: the walk goes from Prepare on,
// beside that lookup, and the job takes it.
func TestPreparedUploadWalksBeforeItIsSubmitted(t *testing.T) {
	t.Parallel()
	q, w := newWalkWatch(t)
	spec := Spec{Kind: UploadTree, Repo: testRepo, Local: smallFiles(t, 12), Remote: "w", Policy: Fail}
	q.Prepare(spec)
	if _, err := w.GetRepository(t.Context(), testRepo.AccountID, testRepo.RepositoryID); err != nil {
		t.Fatal(err)
	}
	if !w.during.Load() {
		t.Error("a prepared upload's folder was walked only once the job was submitted, after the caller's lookup")
	}
	w.walked <- struct{}{} // the job's own lookup (cached) need not wait
	j := run(t, q, spec)[0]
	wantState(t, q, j, Done)
	if j.Files != 12 || j.TotalFiles != 12 {
		t.Errorf("%d of %d files, want 12 of 12", j.Files, j.TotalFiles)
	}
}

// A prepared spec's walk is taken by its first job: a second job of it
// walks the folder again. Prepare holds a bounded number of walks, and
// Close stops those never taken.
func TestPreparedWalksAreTakenOnceAndBounded(t *testing.T) {
	t.Parallel()
	q := newQueue(t, newLocal(t), Options{Workers: 4})
	src := smallFiles(t, 5)
	spec := Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "w", Policy: Skip}
	q.Prepare(spec)
	q.Prepare(spec) // the same walk
	q.mu.Lock()
	held, w := len(q.walks), q.walks[walkKeyOf(spec)]
	q.mu.Unlock()
	if held != 1 || w == nil {
		t.Fatalf("a spec prepared twice holds %d walks, want 1", held)
	}
	<-w.done
	writeFiles(t, src, map[string][]byte{"late.txt": content("late", 10)})
	first := run(t, q, spec)[0]
	second := run(t, q, spec)[0]
	wantState(t, q, first, Done)
	wantState(t, q, second, Done)
	if first.TotalFiles != 5 || second.TotalFiles != 6 || second.Skipped != 5 {
		t.Errorf("jobs of a spec prepared once: %d files, then %d (%d skipped), want 5 (as prepared), then 6 (5 skipped)", first.TotalFiles, second.TotalFiles, second.Skipped)
	}
	// Prepared, never submitted.
	for i := range preparedWalks + 4 {
		q.Prepare(Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: fmt.Sprint("never", i), Policy: Fail})
	}
	q.mu.Lock()
	var walks []*walk
	for _, w := range q.walks {
		walks = append(walks, w)
	}
	q.mu.Unlock()
	if len(walks) != preparedWalks {
		t.Errorf("%d specs prepared and not submitted hold %d walks, want %d", preparedWalks+4, len(walks), preparedWalks)
	}
	mustDo(t, q.Close())
	for _, w := range walks {
		select {
		case <-w.done:
		default:
			t.Fatal("a prepared walk never taken goes on after Close")
		}
	}
}

// What a walk found counts only once the job may go on: an upload into a
// missing repository fails with that alone, no files counted and no
// file's own failure reported.
func TestRefusedUploadCountsNothingItWalked(t *testing.T) {
	t.Parallel()
	q, _ := newWalkWatch(t)
	src := smallFiles(t, 5)
	mustDo(t, os.Symlink(filepath.Join(src, "gone"), filepath.Join(src, "dangling")))
	nope := backend.RepoRef{AccountID: "acme", RepositoryID: "nope"}
	j := run(t, q, Spec{Kind: UploadTree, Repo: nope, Local: src, Remote: "w", Policy: Fail})[0]
	wantState(t, q, j, Failed)
	if !errors.Is(j.Err, backend.ErrNotFound) {
		t.Errorf("upload into a missing repository: %v", j.Err)
	}
	if errs := q.ItemErrors(j.ID); j.TotalFiles != 0 || j.Failed != 1 || len(errs) != 1 {
		t.Errorf("refused upload: %d files counted, %d failed (%v), want none counted and the job's one failure", j.TotalFiles, j.Failed, errs)
	}
	// The same folder into the repository: the dangling link fails alone.
	j = run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "w", Policy: Fail})[0]
	if j.Files != 5 || j.Failed != 1 {
		t.Errorf("upload: %d files done, %d failed, want 5 and the dangling link", j.Files, j.Failed)
	}
}

// smallFiles writes n small files into a new folder.
func smallFiles(t *testing.T, n int) string {
	t.Helper()
	src := t.TempDir()
	fs := map[string][]byte{}
	for i := range n {
		fs[fmt.Sprintf("f%03d.txt", i)] = content(fmt.Sprint(i), 100)
	}
	writeFiles(t, src, fs)
	return src
}

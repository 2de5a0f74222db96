package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// slowLookup is a store whose repository lookup takes a while (as one
// does at a distance) and may refuse, with the capabilities of the store
// it wraps (the AWS store's gated PUTs among them).
type slowLookup struct {
	backend.Store
	wait   time.Duration
	refuse error
	mu     sync.Mutex
	// answered is when the last lookup answered.
	answered time.Time
}

func (s *slowLookup) Capabilities() backend.Capabilities { return backend.CapabilitiesOf(s.Store) }

func (s *slowLookup) GetRepository(ctx context.Context, account, repo string) (backend.Repository, error) {
	if err := backend.Sleep(ctx, s.wait); err != nil {
		return backend.Repository{}, err
	}
	r, err := s.Store.GetRepository(ctx, account, repo)
	if s.refuse != nil {
		r, err = backend.Repository{}, s.refuse
	}
	s.mu.Lock()
	s.answered = time.Now()
	s.mu.Unlock()
	return r, err
}

// newSlowLookup opens an AWS store whose PUTs the proxy traces, behind a
// lookup that takes 400 ms.
func newSlowLookup(t *testing.T, refuse error) (*env, *slowLookup, *testservers.Trace) {
	t.Helper()
	e := newAWS(t)
	tr := &testservers.Trace{}
	e.proxy.SetTrace(tr)
	s := &slowLookup{Store: e.store, wait: 400 * time.Millisecond, refuse: refuse}
	e.store = s
	return e, s, tr
}

// The first wave of an upload goes while the repository is looked up:
// its PUTs are sent before the lookup answers, and complete once it
// has, the files counted and stored whole (a folder's and a single
// file's).
func TestFirstWaveGoesWhileTheRepositoryIsLookedUp(t *testing.T) {
	t.Parallel()
	e, s, tr := newSlowLookup(t, nil)
	q := newQueue(t, e, Options{Workers: 8})
	src := smallFiles(t, 6)
	one := smallFiles(t, 1)
	jobs := run(t, q,
		Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "wave", Policy: Fail},
		Spec{Kind: UploadFile, Repo: testRepo, Local: one + "/f000.txt", Remote: "one.txt", Policy: Fail})
	for _, j := range jobs {
		wantState(t, q, j, Done)
	}
	if j := jobs[0]; j.Files != 6 || j.TotalFiles != 6 {
		t.Errorf("folder: %d of %d files, want 6 of 6", j.Files, j.TotalFiles)
	}
	if j := jobs[1]; j.Files != 1 || j.TotalFiles != 1 {
		t.Errorf("one file: %d of %d files, want 1 of 1", j.Files, j.TotalFiles)
	}
	s.mu.Lock()
	answered := s.answered
	s.mu.Unlock()
	puts, early := 0, 0
	for _, sp := range tr.Spans() {
		if sp.Op != "PutObject" {
			continue
		}
		puts++
		if sp.Start.Before(answered) {
			early++
		}
	}
	if puts < 7 || early < 7 {
		t.Errorf("%d of %d PUTs were sent before the repository's lookup answered, want the 7 files'", early, puts)
	}
	for i := range 6 {
		wantObject(t, e, fmt.Sprintf("wave/f%03d.txt", i), content(fmt.Sprint(i), 100))
	}
	wantObject(t, e, "one.txt", content("0", 100))
}

// A job refused by its repository's lookup after its first wave went
// stores none of it, counts nothing and reports no file as failed: the
// wave was cut off before its last bytes.
func TestRefusedJobsFirstWaveStoresNothing(t *testing.T) {
	t.Parallel()
	refusal := fmt.Errorf("get repository %s: %w", testRepo, backend.ErrNotFound)
	e, s, _ := newSlowLookup(t, refusal)
	q := newQueue(t, e, Options{Workers: 8})
	jobs := run(t, q,
		Spec{Kind: UploadTree, Repo: testRepo, Local: smallFiles(t, 6), Remote: "refused", Policy: Fail},
		Spec{Kind: UploadFile, Repo: testRepo, Local: smallFiles(t, 1) + "/f000.txt", Remote: "refused.txt", Policy: Fail})
	for _, j := range jobs {
		wantState(t, q, j, Failed)
		if !errors.Is(j.Err, backend.ErrNotFound) {
			t.Errorf("job %s: %v, want the lookup's refusal", j.Remote, j.Err)
		}
		// The job's own failure is its one error; none of its files.
		if j.Files != 0 || j.TotalFiles != 0 || j.Failed > 1 || j.Bytes != 0 || len(q.ItemErrors(j.ID)) > 1 {
			t.Errorf("refused job %s: %d of %d files, %d failed, %d bytes, item errors %v; want nothing counted",
				j.Remote, j.Files, j.TotalFiles, j.Failed, j.Bytes, q.ItemErrors(j.ID))
		}
	}
	inner := s.Store
	if _, err := inner.StatObject(t.Context(), testRepo, "refused.txt"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("refused.txt after a refused job: %v, want not found", err)
	}
	page, err := inner.ListObjects(t.Context(), testRepo, "refused", backend.PageRequest{})
	if err == nil && len(page.Items) > 0 {
		t.Errorf("a refused job left %d objects under refused/", len(page.Items))
	}
}

// wantObject checks that e's store holds want at p in testRepo.
func wantObject(t *testing.T, e *env, p string, want []byte) {
	t.Helper()
	rc, _, err := e.store.GetObject(t.Context(), testRepo, p)
	if err != nil {
		t.Errorf("%s: %v", p, err)
		return
	}
	defer func() { _ = rc.Close() }()
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != string(want) {
		t.Errorf("%s: %q (%v), want %q", p, got, err, want)
	}
}

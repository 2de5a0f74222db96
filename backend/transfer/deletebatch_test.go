package transfer

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/internal/testservers"
)

// A folder delete sends each batch as soon as its page is listed, not
// after the batch before it is answered: on a long network path the
// batches are in flight together (as s5cmd's are). The proxy holds every
// DeleteObjects answer until all the batches have reached the store; a
// queue that waited for one answer before sending the next batch would
// leave the first held until the test gives up.
func TestDeleteBatchesGoTogether(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	const objects = backend.MaxDeleteBatch + 1 // two batches
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range objects {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p := fmt.Sprintf("del/f%05d", i)
			if _, err := e.store.PutObject(t.Context(), testRepo, p, bytes.NewReader([]byte("x")), 1); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	const batches = 2
	var arrived, gaveUp atomic.Int32
	all := make(chan struct{})
	e.proxy.SetFaults(testservers.Fault{Op: "DeleteObjects", After: func() {
		if arrived.Add(1) == batches {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			gaveUp.Add(1)
		}
	}})
	q := newQueue(t, e, Options{})
	j := run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "del"})[0]
	wantState(t, q, j, Done)
	if j.Files != objects {
		t.Errorf("%d objects deleted, want %d", j.Files, objects)
	}
	if n := e.proxy.Count("DeleteObjects"); n != batches || gaveUp.Load() > 0 {
		t.Errorf("%d DeleteObjects requests, %d of them answered only after the test gave up waiting for the others to be sent; want %d in flight together",
			n, gaveUp.Load(), batches)
	}
}

// A recursive delete whose batches are all in flight writes their
// removals once, when the last is answered, not once the first answers
// pass MetadataBatch and then again for the rest: the second write
// would follow the first, so the job's end would wait for two rewrites
// of the document instead of one. (A batch of changes pending while
// work is still waiting for a worker is written as before: see
// TestMetadataWritesArePacedByTheirCost.)
func TestDeleteInFlightWritesOnce(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	src := t.TempDir()
	const objects = backend.MaxDeleteBatch + 1 // two batches
	files := map[string][]byte{}
	for i := range objects {
		files[fmt.Sprintf("f%05d", i)] = []byte("x")
	}
	writeFiles(t, src, files)
	up := newQueue(t, e, Options{})
	wantState(t, up, run(t, up, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "del"})[0], Done)

	held := &heldBatches{Store: e.store, last: make(chan struct{}), first: make(chan struct{}), wrote: make(chan struct{}), hold: time.Second}
	e.store = held
	// The first answers' removals (1,000) are past the batch size; the
	// interval never comes.
	q := newQueue(t, e, Options{MetadataBatch: backend.MaxDeleteBatch / 2, MetadataInterval: time.Hour})
	held.q = q
	j := run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "del"})[0]
	wantState(t, q, j, Done)
	if j.Files != objects {
		t.Errorf("%d objects deleted, want %d", j.Files, objects)
	}
	if n := held.writes.Load(); n != 1 {
		t.Errorf("%d metadata writes, want 1", n)
	}
	if objs := checkMetadata(t, e.store, testRepo); len(objs) != 0 {
		t.Errorf("%d entries left in the metadata, want none", len(objs))
	}
}

// heldBatches answers the full batch of a delete once the last one has
// reached the store and the job has nothing left to list, and the last
// once the metadata has been written after that or after hold: the
// answers of a delete whose batches are all in flight, the first well
// before the last.
type heldBatches struct {
	backend.Store
	q                  *Queue
	hold               time.Duration
	last, first, wrote chan struct{}
	writes             atomic.Int32
}

func (h *heldBatches) DeleteObjects(ctx context.Context, repo backend.RepoRef, entries []backend.Entry) (map[string]error, error) {
	failed, err := backend.DeleteBatch(ctx, h.Store, repo, entries)
	if len(entries) == backend.MaxDeleteBatch {
		select {
		case <-h.last:
		case <-time.After(10 * time.Second):
		}
		// Both batches at work, their producer done.
		for end := time.Now().Add(10 * time.Second); h.q.busy.Load() > 2 && time.Now().Before(end); {
			time.Sleep(time.Millisecond)
		}
		close(h.first)
		return failed, err
	}
	close(h.last)
	select {
	case <-h.first:
	case <-time.After(10 * time.Second):
	}
	select {
	case <-h.wrote:
	case <-time.After(h.hold):
	}
	return failed, err
}

func (h *heldBatches) UpdateMetadata(ctx context.Context, repo backend.RepoRef, b *backend.MetadataBatch) (backend.MetadataResult, error) {
	res, err := h.Store.UpdateMetadata(ctx, repo, b)
	if res.Written && h.writes.Add(1) == 1 {
		close(h.wrote)
	}
	return res, err
}

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
	const objects = backend.MaxDeleteBatch + 1 // two batches
	uploadTiny(t, e, objects, "del")

	held := &heldBatches{Store: e.store, last: make(chan struct{}), first: make(chan struct{}), wrote: make(chan struct{}), hold: time.Second}
	// The first answers' removals (1,000) are past the batch size; the
	// interval never comes.
	deleteHeldOnce(t, e, held, Options{MetadataBatch: backend.MaxDeleteBatch / 2, MetadataInterval: time.Hour}, objects)
}

// While every pending change is a removal and the repository's delete
// batches are in flight, the interval waits for their answers too: the
// first batch's removals are not written on their own a moment before
// the last batch's answer (at load the answers of batches sent together
// spread over more than an interval, and the job's last write then
// waited for a write of the first ones). The last batch is answered two
// intervals after the first batch's removals reached the writer, or once
// a write came: on the old code the interval wrote those 1,000 removals
// while it was in flight, 2 writes. Once it is answered, the one write
// comes at once, not when the put-off ends (eight intervals later).
func TestDeleteInFlightPutsOffTheInterval(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	const objects = backend.MaxDeleteBatch + 1 // two batches
	uploadTiny(t, e, objects, "del")

	const interval = time.Second
	held := &heldBatches{Store: e.store, last: make(chan struct{}), first: make(chan struct{}), wrote: make(chan struct{}), hold: 2 * interval, added: backend.MaxDeleteBatch}
	once := deleteHeldOnce(t, e, held, Options{MetadataInterval: interval}, objects)
	if after := time.Duration(held.wroteAt.Load() - held.answeredAt.Load()); once && after > 5*interval {
		t.Errorf("the metadata was written %v after the last batch was answered, want at once", after)
	}
}

// The interval is put off only while every pending change is a removal,
// delete batches of the writer's repository are in flight and no work
// waits for a worker, and for ten intervals at most: an upload's stored
// file is never kept waiting for a delete, nor a repository's removals
// for another repository's batches.
func TestIntervalPutOffOnlyForDeletesInFlight(t *testing.T) {
	t.Parallel()
	e := newLocal(t)
	q := newQueue(t, e, Options{MetadataInterval: time.Second})
	now := time.Now()
	for _, c := range []struct {
		name                 string
		busy, taken, deletes int64
		stored               bool
		waited               time.Duration
		due                  bool
	}{
		{"removals, the repository's batches in flight", 2, 2, 2, false, 2 * time.Second, false},
		{"removals, a batch and an upload in flight", 2, 2, 1, false, 2 * time.Second, false},
		{"a stored object's change pending", 2, 2, 2, true, 2 * time.Second, true},
		{"a batch in flight, one queued", 2, 1, 1, false, 2 * time.Second, true},
		{"another repository's batches in flight", 2, 2, 0, false, 2 * time.Second, true},
		{"batches in flight for ten intervals", 2, 2, 2, false, 10 * time.Second, true},
		{"within the interval", 2, 2, 0, false, time.Second / 2, false},
	} {
		q.busy.Add(c.busy)
		q.taken.Add(c.taken)
		w := &metaWriter{q: q, ops: []metaOp{{path: "f"}}, since: now.Add(-c.waited), stored: c.stored}
		w.deletes.Store(c.deletes)
		if due, _ := w.dueAt(now); due != c.due {
			t.Errorf("%s: due %v, want %v", c.name, due, c.due)
		}
		q.busy.Add(-c.busy)
		q.taken.Add(-c.taken)
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
	added              int // the hold starts once the writer holds as many changes
	last, first, wrote chan struct{}
	writes             atomic.Int32
	// answeredAt and wroteAt are when the last batch was answered and
	// the first write ended (UnixNano).
	answeredAt, wroteAt atomic.Int64
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
	if h.added > 0 {
		w := h.q.writer(repo)
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
			w.mu.Lock()
			n := len(w.ops)
			w.mu.Unlock()
			if n >= h.added || h.writes.Load() > 0 {
				break
			}
		}
	}
	select {
	case <-h.wrote:
	case <-time.After(h.hold):
	}
	h.answeredAt.Store(time.Now().UnixNano())
	return failed, err
}

func (h *heldBatches) UpdateMetadata(ctx context.Context, repo backend.RepoRef, b *backend.MetadataBatch) (backend.MetadataResult, error) {
	res, err := h.Store.UpdateMetadata(ctx, repo, b)
	if res.Written && h.writes.Add(1) == 1 {
		h.wroteAt.Store(time.Now().UnixNano())
		close(h.wrote)
	}
	return res, err
}

// uploadTiny uploads n one-byte files into folder of the test repository.
func uploadTiny(t *testing.T, e *env, n int, folder string) {
	t.Helper()
	src := t.TempDir()
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("f%05d", i)] = []byte("x")
	}
	writeFiles(t, src, files)
	up := newQueue(t, e, Options{})
	wantState(t, up, run(t, up, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: folder})[0], Done)
}

// deleteHeldOnce deletes the test repository's folder del, objects
// objects, through held on a queue with opts, and wants every object
// deleted and the metadata written once, with no entry left. It says
// whether there was one write.
func deleteHeldOnce(t *testing.T, e *env, held *heldBatches, opts Options, objects int) bool {
	t.Helper()
	e.store = held
	q := newQueue(t, e, opts)
	held.q = q
	j := run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "del"})[0]
	wantState(t, q, j, Done)
	if j.Files != int64(objects) {
		t.Errorf("%d objects deleted, want %d", j.Files, objects)
	}
	n := held.writes.Load()
	if n != 1 {
		t.Errorf("%d metadata writes, want 1", n)
	}
	if objs := checkMetadata(t, e.store, testRepo); len(objs) != 0 {
		t.Errorf("%d entries left in the metadata, want none", len(objs))
	}
	return n == 1
}

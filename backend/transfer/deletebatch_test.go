package transfer

import (
	"bytes"
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

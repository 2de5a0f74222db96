package tui

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/coopterm/coop/backend/transfer"
)

// fakeTransfers records what the browser asks of a queue. Its
// subscription never blocks: Next hands out pushed Updates and, when none
// is left, fails, which ends the drain until the next Update re-arms it
// (tests deliver Updates with harness.update).
type fakeTransfers struct {
	mu        sync.Mutex
	submitted []transfer.Spec
	cancelled []transfer.JobID
	cancelAll int
	retried   []transfer.JobID
	decided   []decision
	cleared   int
	pending   []transfer.Update
	nextID    transfer.JobID
	failWith  error
	itemErrs  map[transfer.JobID][]transfer.ItemError
}

type decision struct {
	id transfer.JobID
	d  transfer.Decision
}

var errNoUpdate = errors.New("fake: no update pending")

func (f *fakeTransfers) Submit(s transfer.Spec) (transfer.JobID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return 0, f.failWith
	}
	f.nextID++
	f.submitted = append(f.submitted, s)
	return f.nextID, nil
}

func (f *fakeTransfers) Cancel(id transfer.JobID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, id)
}

func (f *fakeTransfers) CancelAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelAll++
}

func (f *fakeTransfers) Retry(id transfer.JobID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retried = append(f.retried, id)
	return nil
}

func (f *fakeTransfers) Decide(id transfer.JobID, d transfer.Decision) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.decided = append(f.decided, decision{id, d})
	return nil
}

func (f *fakeTransfers) ItemErrors(id transfer.JobID) []transfer.ItemError {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.itemErrs[id]
}

func (f *fakeTransfers) ClearFinished() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleared++
}

func (f *fakeTransfers) Subscribe() Updates { return fakeSub{f} }

// push queues an Update for the subscription.
func (f *fakeTransfers) push(u transfer.Update) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending = append(f.pending, u)
}

type fakeSub struct{ f *fakeTransfers }

func (s fakeSub) Next(ctx context.Context) (transfer.Update, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return transfer.Update{}, err
	}
	if len(s.f.pending) == 0 {
		return transfer.Update{}, errNoUpdate
	}
	u := s.f.pending[0]
	s.f.pending = s.f.pending[1:]
	return u, nil
}

func (fakeSub) Close() {}

func (f *fakeTransfers) specs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.submitted))
	for i, s := range f.submitted {
		out[i] = fmt.Sprintf("%s %s %s %s %d", kindName(s.Kind), s.Repo, s.Remote, s.Local, s.Policy)
	}
	return out
}

func kindName(k transfer.Kind) string {
	switch k {
	case transfer.UploadFile:
		return "upload-file"
	case transfer.UploadTree:
		return "upload-tree"
	case transfer.DownloadFile:
		return "download-file"
	case transfer.DownloadTree:
		return "download-tree"
	case transfer.DeleteFile:
		return "delete-file"
	case transfer.DeleteTree:
		return "delete-tree"
	}
	return "?"
}

// update delivers u as the subscription would and runs what follows.
func (h *harness) update(u transfer.Update) {
	h.t.Helper()
	h.send(transferMsg{u: u})
	h.settle()
}

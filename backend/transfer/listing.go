package transfer

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/coopterm/coop/backend"
)

// Listing is the walk of a folder started before its job exists (a
// delete's, or a download's within its Prefetch):
// coop rm -r lists a target beside the lookup that tells a folder from a
// file, and the job then deletes what that walk finds, so the listing
// does not wait a round trip for the answer. The walk runs at most a few
// pages ahead of the job (the page handed over, the one waiting to be,
// and the store's own next page): memory stays bounded however long the
// job is kept waiting.
type Listing struct {
	repo   backend.RepoRef
	folder string

	pages  chan []backend.Entry
	found  chan struct{} // closed at the first page, or at the end
	done   chan struct{} // closed when the walk has ended
	err    error         // the walk's, set before done closes
	first  error         // Found's answer, set before found closes
	cancel context.CancelFunc
	used   atomic.Bool
	stop   sync.Once
}

// StartListing starts walking folder of repo (as backend.Walk does) in
// the background, for a DeleteTree of the same store, repository and
// folder (Spec.Listing). The walk ends with ctx, or at Stop.
func StartListing(ctx context.Context, store backend.Store, repo backend.RepoRef, folder string) *Listing {
	lctx, cancel := context.WithCancel(ctx)
	l := &Listing{repo: repo, folder: folder, pages: make(chan []backend.Entry, 1),
		found: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(l.done)
		var once sync.Once
		l.err = backend.Walk(lctx, store, repo, folder, func(page []backend.Entry) error {
			once.Do(func() { close(l.found) })
			select {
			case l.pages <- page:
				return nil
			case <-lctx.Done():
				return lctx.Err()
			}
		})
		once.Do(func() {
			l.first = l.err
			close(l.found)
		})
		close(l.pages)
	}()
	return l
}

// Found waits until the walk has listed a first page or ended, and
// returns nil if folder holds something or is there though empty, else
// the walk's error (wrapping backend.ErrNotFound for no such folder).
func (l *Listing) Found(ctx context.Context) error {
	select {
	case <-l.found:
		return l.first
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop abandons the walk and waits for it to end. A nil Listing has
// nothing to stop.
func (l *Listing) Stop() {
	if l == nil {
		return
	}
	l.stop.Do(l.cancel)
	<-l.done
}

// take reports whether the listing is of repo's folder and not handed
// to a job before, and hands it over. A job run twice, say, finds it
// taken and walks the folder afresh.
func (l *Listing) take(repo backend.RepoRef, folder string) bool {
	return l != nil && repo == l.repo && folder == l.folder && l.used.CompareAndSwap(false, true)
}

// walk hands the listed pages to fn in order, as backend.Walk would.
func (l *Listing) walk(ctx context.Context, fn func([]backend.Entry) error) error {
	for {
		select {
		case page, ok := <-l.pages:
			if !ok {
				<-l.done
				return l.err
			}
			if err := fn(page); err != nil {
				l.Stop()
				return err
			}
		case <-ctx.Done():
			l.Stop()
			return ctx.Err()
		}
	}
}

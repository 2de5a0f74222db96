package transfer

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/coopterm/coop/backend"
)

// Prefetch is what a download of a repository path waits for before its
// first transfer — the listing of the path as a folder and the checksums
// the metadata records at and below it — asked for before the job is
// submitted, while its caller is still finding out whether the path is a
// folder or a file (coop download does both at once: a round trip
// saved at a distance). The listing's first answer also tells a folder
// (see Folder). Give it to the job (Spec.Prefetch), which takes the
// pages listed meanwhile and the rest as they come; Close it when the
// job has ended, or is not submitted.
type Prefetch struct {
	store  backend.Store
	repo   backend.RepoRef
	remote string
	stop   context.CancelFunc // the checksums' read and the walk
	halt   context.CancelFunc // the walk
	sums   *pendingSums
	pages  chan []backend.Entry // unbuffered: the walk waits for the job
	first  chan struct{}        // closed at the first page or the walk's end
	once   sync.Once
	paged  atomic.Bool   // a page was listed
	walked chan struct{} // closed when the walk has ended, err then set
	err    error
	taken  atomic.Bool // a job's run has taken the prefetch
	closed sync.Once
}

// StartDownload starts listing remote in repo as a folder, and reading
// the checksums the metadata records there, for a download job.
func StartDownload(ctx context.Context, store backend.Store, repo backend.RepoRef, remote string) *Prefetch {
	ctx, stop := context.WithCancel(ctx)
	wctx, halt := context.WithCancel(ctx)
	p := &Prefetch{
		store: store, repo: repo, remote: remote, stop: stop, halt: halt,
		sums:  &pendingSums{done: make(chan struct{})},
		pages: make(chan []backend.Entry), first: make(chan struct{}), walked: make(chan struct{}),
	}
	go func() {
		defer close(p.sums.done)
		p.sums.m = readChecksums(ctx, store, repo, remote)
	}()
	go func() {
		defer close(p.walked)
		p.err = backend.Walk(wctx, store, repo, remote, func(page []backend.Entry) error {
			p.paged.Store(true)
			p.once.Do(func() { close(p.first) })
			select {
			case p.pages <- page:
				return nil
			case <-wctx.Done():
				return wctx.Err()
			}
		})
		p.once.Do(func() { close(p.first) })
	}()
	return p
}

// Folder waits for the listing's first answer and reports whether the
// path is a folder: it lists something, or lists nothing without error
// (an empty folder, or the repository's root). Else the error is the
// listing's (backend.ErrNotFound when nothing is under the path).
func (p *Prefetch) Folder() (bool, error) {
	<-p.first
	if p.paged.Load() {
		return true, nil
	}
	<-p.walked
	return p.err == nil, p.err
}

// StopListing stops the listing, which a file's download does not need
// (its checksums are still read).
func (p *Prefetch) StopListing() { p.halt() }

// Close stops what is still being listed or read and waits for it.
func (p *Prefetch) Close() {
	p.closed.Do(func() {
		p.stop()
		<-p.walked
		<-p.sums.done
	})
}

// take hands the prefetch to the first run of a job of spec; a second
// run (a retry) lists and reads again.
func (p *Prefetch) take(spec Spec) bool {
	return p != nil && p.repo == spec.Repo && p.remote == spec.Remote && p.taken.CompareAndSwap(false, true)
}

// walk gives fn the pages listed, as the job's walk of the folder.
func (p *Prefetch) walk(ctx context.Context, fn func([]backend.Entry) error) error {
	for {
		select {
		case page := <-p.pages:
			if err := fn(page); err != nil {
				p.halt()
				return err
			}
		case <-p.walked:
			// Every page was taken: the walk waits for each to be.
			return p.err
		case <-ctx.Done():
			p.halt()
			return ctx.Err()
		}
	}
}

package transfer

import (
	"context"
	"sync"

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
	list   *Listing // the walk, as a delete's started listing
	stop   context.CancelFunc
	sums   *pendingSums
	closed sync.Once
}

// StartDownload starts listing remote in repo as a folder, and reading
// the checksums the metadata records there, for a download job.
func StartDownload(ctx context.Context, store backend.Store, repo backend.RepoRef, remote string) *Prefetch {
	ctx, stop := context.WithCancel(ctx)
	p := &Prefetch{stop: stop, sums: &pendingSums{done: make(chan struct{})}}
	go func() {
		defer close(p.sums.done)
		p.sums.m = readChecksums(ctx, store, repo, remote)
	}()
	p.list = StartListing(ctx, store, repo, remote)
	return p
}

// Folder waits for the listing's first answer and reports whether the
// path is a folder: it lists something, or lists nothing without error
// (an empty folder, or the repository's root). Else the error is the
// listing's (backend.ErrNotFound when nothing is under the path).
func (p *Prefetch) Folder() (bool, error) {
	err := p.list.Found(context.Background())
	return err == nil, err
}

// ExpectFolder opens, in the background, the connections of the first
// wave of a folder's files (workers at once), while the listing's first
// answer is awaited: for a path known to be a folder (coop download
// DIR/), whose GETs would otherwise each wait for a handshake once the
// listing has answered. Besides the three requests StartDownload and
// the file question already asked for (see backend.Warmer).
func (p *Prefetch) ExpectFolder(store backend.Store, workers int) {
	if w := backend.CapabilitiesOf(store).Warm; w != nil && workers > 0 {
		w.WarmUp(workers + 3)
	}
}

// StopListing stops the listing, which a file's download does not need
// (its checksums are still read).
func (p *Prefetch) StopListing() { p.list.Stop() }

// Close stops what is still being listed or read and waits for it.
func (p *Prefetch) Close() {
	p.closed.Do(func() {
		p.stop()
		p.list.Stop()
		<-p.sums.done
	})
}

// take hands the prefetch to the first run of a job of spec; a second
// run (a retry) lists and reads again.
func (p *Prefetch) take(spec Spec) bool {
	return p != nil && p.list.take(spec.Repo, spec.Remote)
}

// walk gives fn the pages listed, as the job's walk of the folder.
func (p *Prefetch) walk(ctx context.Context, fn func([]backend.Entry) error) error {
	return p.list.walk(ctx, fn)
}

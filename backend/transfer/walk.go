package transfer

import (
	"context"

	"github.com/coopterm/coop/backend"
)

// walkRemote lists every object under folder (see backend.Walk).
func (q *Queue) walkRemote(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	return backend.Walk(ctx, q.store, repo, folder, fn)
}

// cleanOnce removes what interrupted uploads left in folder (and below
// it if recursive), once per Queue: a folder already cleaned, or inside
// one cleaned recursively, is skipped. Failures are ignored: this is
// housekeeping.
func (q *Queue) cleanOnce(ctx context.Context, repo backend.RepoRef, folder string, recursive bool) {
	q.mu.Lock()
	for d := folder; ; d = backend.ParentFolder(d) {
		if done, ok := q.cleaned[Affected{repo, d}]; ok && (done || d == folder) && (!recursive || done) {
			q.mu.Unlock()
			return
		}
		if d == "" {
			break
		}
	}
	q.cleaned[Affected{repo, folder}] = recursive
	q.mu.Unlock()
	_, _ = backend.CleanIncomplete(ctx, q.store, repo, folder, recursive, q.opts.StaleUploadAge)
}

// cleanBehind runs cleanOnce beside j's transfers rather than before
// them (a round trip saved): it removes only uploads older than
// StaleUploadAge, never the job's own, and j does not finish before it.
func (q *Queue) cleanBehind(j *job, folder string, recursive bool) {
	j.tasks.Add(1)
	go func() {
		defer j.tasks.Done()
		q.cleanOnce(j.ctx, j.spec.Repo, folder, recursive)
	}()
}

// cleanLocalOnce removes abandoned download part files from dir, once
// per job and folder.
func (q *Queue) cleanLocalOnce(j *job, dir string) {
	j.mu.Lock()
	if j.partsCleaned == nil {
		j.partsCleaned = map[string]bool{}
	}
	seen := j.partsCleaned[dir]
	j.partsCleaned[dir] = true
	j.mu.Unlock()
	if !seen {
		cleanParts(dir)
	}
}

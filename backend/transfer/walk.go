package transfer

import (
	"context"

	"github.com/coopterm/coop/backend"
)

// walkRemote lists every object under folder (see backend.Walk).
func (q *Queue) walkRemote(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	return backend.Walk(ctx, q.store, repo, folder, fn)
}

// cleanOnce removes what interrupted uploads left under folder, once per
// Queue and folder (a folder inside one already cleaned is skipped).
// Failures are ignored: this is housekeeping.
func (q *Queue) cleanOnce(ctx context.Context, repo backend.RepoRef, folder string) {
	q.mu.Lock()
	for d := folder; ; d = parent(d) {
		if q.cleaned[Affected{repo, d}] {
			q.mu.Unlock()
			return
		}
		if d == "" {
			break
		}
	}
	q.cleaned[Affected{repo, folder}] = true
	q.mu.Unlock()
	_, _ = backend.CleanIncomplete(ctx, q.store, repo, folder, q.opts.StaleUploadAge)
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

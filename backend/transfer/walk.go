package transfer

import (
	"context"

	"github.com/coopterm/coop/backend"
)

// walkRemote lists every object under folder: with one listing of the
// whole prefix on stores that can (backend.ObjectWalker), else folder by
// folder with ListObjects.
func (q *Queue) walkRemote(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	if w, ok := q.store.(backend.ObjectWalker); ok {
		return w.WalkObjects(ctx, repo, folder, fn)
	}
	return q.listTree(ctx, repo, folder, fn)
}

// listTree walks folder depth first, a page at a time. Folders whose
// path would be too long for the store (a symlink loop on a local store)
// are not entered.
func (q *Queue) listTree(ctx context.Context, repo backend.RepoRef, folder string, fn func([]backend.Entry) error) error {
	var subs []string
	req := backend.PageRequest{}
	for {
		page, err := q.store.ListObjects(ctx, repo, folder, req)
		if err != nil {
			return err
		}
		files := page.Items[:0:0]
		for _, e := range page.Items {
			if e.IsDir() {
				if len(e.Path)+2 < backend.MaxPathBytes {
					subs = append(subs, e.Path)
				}
				continue
			}
			files = append(files, e)
		}
		if len(files) > 0 {
			if err := fn(files); err != nil {
				return err
			}
		}
		if page.Next == "" {
			break
		}
		req.Cursor = page.Next
	}
	for _, s := range subs {
		if err := q.listTree(ctx, repo, s, fn); err != nil {
			return err
		}
	}
	return nil
}

// cleanOnce removes what interrupted uploads left under folder, once per
// Queue and folder (a folder inside one already cleaned is skipped).
// Failures are ignored: this is housekeeping.
func (q *Queue) cleanOnce(ctx context.Context, repo backend.RepoRef, folder string) {
	c, ok := q.store.(backend.IncompleteCleaner)
	if !ok {
		return
	}
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
	_, _ = c.CleanIncomplete(ctx, repo, folder, q.opts.StaleUploadAge)
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

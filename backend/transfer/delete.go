package transfer

import (
	"context"
	"fmt"
	"path"
	"sync/atomic"

	"github.com/coopterm/coop/backend"
)

// produceDelete finds the objects of a delete job and queues them, in
// batches of up to backend.MaxDeleteBatch (one request each on stores
// that delete in batches), so that several batches are in flight at once.
// A folder delete limited by Spec.Confirmed passes over the objects that
// were not confirmed, and fails the job saying how many it left.
func (q *Queue) produceDelete(j *job) error {
	spec := j.spec
	if spec.Kind == DeleteFile {
		j.addTotal(0)
		if j.isDone(spec.Remote) {
			j.itemDone(spec.Remote, false)
			return nil
		}
		q.checkDocument(spec.Repo, spec.Remote) // beside the delete
		_ = q.add(&task{job: j, op: opDelete, remote: spec.Remote, known: spec.Object})
		return nil
	}
	checked := false
	var (
		batch []backend.Entry
		left  NotConfirmedError
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		t := &task{job: j, op: opDeleteBatch, remote: spec.Remote, entries: batch}
		batch = nil
		return q.add(t)
	}
	walk := func(fn func([]backend.Entry) error) error { return q.walkRemote(j.ctx, spec.Repo, spec.Remote, fn) }
	if spec.Listing.take(spec.Repo, spec.Remote) {
		walk = func(fn func([]backend.Entry) error) error { return spec.Listing.walk(j.ctx, fn) }
	}
	err := walk(func(page []backend.Entry) error {
		for _, e := range page {
			if spec.Confirmed != nil && !spec.Confirmed.Has(e) {
				if e.IsDir() {
					left.Folders++
				} else {
					left.Objects++
				}
				continue
			}
			if !e.IsDir() {
				if !checked {
					checked = true
					q.checkDocument(spec.Repo, e.Path) // beside the deletes
				}
				j.addTotal(0)
				if j.isDone(e.Path) {
					j.itemDone(e.Path, false)
					continue
				}
			}
			batch = append(batch, e)
			if len(batch) == backend.MaxDeleteBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if left.Objects+left.Folders > 0 {
		j.itemFailed(spec.Remote, &left)
	}
	return err // a cancellation is not a failure: see job.itemFailed
}

// deleteOne removes one object: a known one (Spec.Object) with one
// request where the store deletes in batches, else with DeleteObject,
// which finds out first whether it is there.
func (q *Queue) deleteOne(t *task) {
	j := t.job
	ctx := context.WithoutCancel(j.ctx)
	var err error
	if t.known != nil && backend.CapabilitiesOf(q.store).BatchDelete != nil {
		var failed map[string]error
		failed, err = backend.DeleteBatch(ctx, q.store, j.spec.Repo, []backend.Entry{{Path: t.remote, Name: path.Base(t.remote), Type: backend.TypeFile}})
		if err == nil {
			err = failed[t.remote]
		}
	} else {
		err = q.store.DeleteObject(ctx, j.spec.Repo, t.remote)
	}
	if err != nil {
		q.fail(t, err)
		return
	}
	q.record(t, t.remote, nil, false)
}

// deleteBatch removes a batch with one request. Keys the store refused
// for a passing reason go again, as a smaller batch, after a back-off;
// the others are failed one by one. The removed files lose their
// metadata entries.
func (q *Queue) deleteBatch(t *task) {
	j := t.job
	// A batch in flight is not cut off by a cancel: whether its keys
	// were removed would be unknown, and the metadata could not follow.
	failed, err := backend.DeleteBatch(context.WithoutCancel(j.ctx), q.store, j.spec.Repo, t.entries)
	if err != nil {
		q.fail(t, fmt.Errorf("a batch of %d: %w", len(t.entries), err))
		return
	}
	var again, removed []backend.Entry
	markers := map[string]struct{}{} // folders that lost a folder marker
	for _, e := range t.entries {
		ferr, bad := failed[e.Path]
		switch {
		case !bad:
			if e.IsDir() {
				markers[backend.ParentFolder(e.Path)] = struct{}{}
			} else {
				removed = append(removed, e)
			}
		case transient(ferr) && t.tries < q.opts.Retries:
			again = append(again, e)
		case !e.IsDir():
			j.itemFailed(e.Path, ferr)
		}
	}
	if len(again) > 0 {
		retry := &task{job: j, op: opDeleteBatch, remote: t.remote, entries: again, tries: t.tries + 1}
		j.tasks.Add(1)
		q.busyOne(j)
		q.sendAfter(retry, backoff(q.opts.RetryBase, retry.tries))
	}
	// A marker has no metadata entry: the folder holding it is told
	// here that a folder may have vanished from it.
	q.affect(j.spec.Repo, markers)
	if len(removed) == 0 {
		q.release(t)
		q.complete(t)
		return
	}
	left := atomic.Int64{}
	left.Store(int64(len(removed)))
	w := q.writer(j.spec.Repo)
	w.expect() // see record
	q.release(t)
	for i, e := range removed {
		w.add(metaOp{path: e.Path, ack: func(err error) {
			if err != nil {
				j.itemFailed(e.Path, err)
			} else {
				j.itemDone(e.Path, false)
			}
			if left.Add(-1) == 0 {
				q.complete(t)
			}
		}}, i == len(removed)-1)
	}
}

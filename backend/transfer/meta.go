package transfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coopterm/coop/backend"
)

// metaFlushTimeout bounds one metadata write, retries included. It runs
// on a context the jobs' cancellation does not reach, so that what was
// stored before a cancel is still recorded.
const metaFlushTimeout = 5 * time.Minute

// metaOp is one change to a repository's metadata.
type metaOp struct {
	path  string
	info  *backend.ObjectInfo // set: the object was stored; nil: it was removed
	prune bool                // drop folder entries under path left without files
	ack   func(error)
}

// metaWriter is the one writer of a repository's metadata in this Queue.
// It gathers changes and writes them in one UpdateMetadata when the
// oldest has waited the interval, when enough have piled up, or at once
// when the queue has nothing else in flight — so every job ends with one
// write that makes the document match the objects. Writes are paced by
// what they cost (see dueAt). The store's UpdateMetadata guards against
// other writers (other processes included).
type metaWriter struct {
	q    *Queue
	repo backend.RepoRef
	kick chan struct{}
	quit chan struct{}

	mu       sync.Mutex
	ops      []metaOp
	since    time.Time // when the oldest pending op arrived
	flushing bool
	closing  bool
	took     time.Duration // how long the last write took
	lastEnd  time.Time     // when it ended
	based    bool          // the repository is known to have a document
	check    *docCheck     // whether it has one, asked beside the uploads
	arriving int           // changes of released tasks not added yet
	stored   bool          // some pending change records a stored object
	// deletes are the repository's delete batches a worker has taken.
	deletes atomic.Int64
}

// Pacing of metadata writes. A rewrite of a large document costs what
// the last one took; the next may start writeShare-1 times that after
// it ended, so that rewriting stays within 1/writeShare of a job's time
// however large the document. hardBatch pending changes force a write
// anyway, so that what waits in memory stays bounded.
//
// MetadataBatch pending changes bring a write forward only while some
// work is not taken by a worker yet (see Queue.unstarted). Once every
// task left is in flight, the rest of the changes come with their
// answers: a recursive delete's batches are all sent together and
// answered together, and a write of the first answers' removals made
// the job's last write wait for it (rm -r of 10,000 objects rewrote the
// document twice after its last answers, 2 MB then 0.3 MB, one after
// the other: two round trips). They now wait for the rest, or for the
// interval.
//
// The interval itself is put off, up to putOffIntervals intervals,
// while every pending change is a removal, delete batches of the
// repository are in flight and no work waits for a worker: the rest of
// the removals come with those answers, and at load the answers of
// batches sent together spread over more than an interval, so that a
// write of the first ones made the job's last write wait for it (one
// rewrite of the document and one round trip more after the last
// answer). A stored object's change, work not yet taken, or batches of
// other repositories only, keep the interval: an upload's finished file
// never waits for a delete. A process killed meanwhile (Close writes
// what is pending) leaves up to putOffIntervals intervals of removals in
// the document rather than one, until a repo repair, beside those of the
// batches in flight at the kill, which it leaves there anyway.
const (
	writeShare      = 5
	hardBatch       = 100_000
	putOffIntervals = 10
)

// dueAt says whether the pending changes are due now, and when they
// will be otherwise.
func (w *metaWriter) dueAt(now time.Time) (due bool, at time.Time) {
	w.mu.Lock()
	n, since, closing, took, lastEnd, arriving, stored := len(w.ops), w.since, w.closing, w.took, w.lastEnd, w.arriving, w.stored
	w.mu.Unlock()
	switch {
	case n == 0:
		return false, time.Time{}
	case closing || n >= hardBatch || (w.q.busy.Load() == 0 && arriving == 0):
		return true, now
	}
	paced := lastEnd.Add(time.Duration(writeShare-1) * took)
	at = since.Add(w.q.opts.MetadataInterval)
	switch {
	case n >= w.q.opts.MetadataBatch && w.q.unstarted():
		at = paced
	case !stored && w.deletes.Load() > 0 && !w.q.unstarted() &&
		now.Before(since.Add(putOffIntervals*w.q.opts.MetadataInterval)):
		// Looked at again a quarter interval on: a stored object's
		// change or new work meanwhile brings the interval back (the
		// last batch's end pokes the writer).
		if again := now.Add(w.q.opts.MetadataInterval / 4); again.After(at) {
			at = again
		}
	}
	if at.Before(paced) {
		at = paced
	}
	return !now.Before(at), at
}

// writer returns the repository's writer, starting it if needed.
func (q *Queue) writer(repo backend.RepoRef) *metaWriter {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := q.writers[repo]
	if w == nil {
		w = &metaWriter{q: q, repo: repo, kick: make(chan struct{}, 1), quit: make(chan struct{})}
		q.writers[repo] = w
		q.writersWG.Go(w.loop)
	}
	return w
}

// kickWriters asks every writer to write now.
func (q *Queue) kickWriters() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, w := range q.writers {
		w.poke()
	}
}

func (w *metaWriter) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// expect announces a change that add will bring: until it does, the
// queue going idle does not make the writer write, so that the last
// task's change joins what waited in one write instead of following it.
func (w *metaWriter) expect() {
	w.mu.Lock()
	w.arriving++
	w.mu.Unlock()
}

// add queues a change; ack is called once it is written (or not).
// expected says whether expect announced it.
func (w *metaWriter) add(o metaOp, expected bool) {
	w.mu.Lock()
	if expected {
		w.arriving--
	}
	first := len(w.ops) == 0
	if first {
		w.since = time.Now()
	}
	w.ops = append(w.ops, o)
	w.stored = w.stored || o.info != nil
	full := len(w.ops) >= w.q.opts.MetadataBatch
	w.mu.Unlock()
	if first || full || w.q.busy.Load() == 0 {
		w.poke() // the first op starts the interval's timer
	}
}

// pending reports whether changes wait to be written.
func (w *metaWriter) pending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.ops) > 0 || w.flushing
}

// close makes the writer write what is pending and stop.
func (w *metaWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closing {
		w.closing = true
		close(w.quit)
	}
}

func (w *metaWriter) loop() {
	for {
		due, at := w.dueAt(time.Now())
		if due {
			w.flush()
			continue
		}
		w.mu.Lock()
		closing, c := w.closing, w.check
		if closing {
			w.check = nil
		}
		w.mu.Unlock()
		if closing {
			if c != nil {
				c.discard() // asked beside uploads that wrote nothing
			}
			return
		}
		var (
			timer *time.Timer
			tick  <-chan time.Time
		)
		if !at.IsZero() {
			timer = time.NewTimer(time.Until(at))
			tick = timer.C
		}
		select {
		case <-w.kick:
		case <-w.quit:
		case <-tick:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// flush writes every pending change in one UpdateMetadata, retrying
// passing failures, and acknowledges each.
func (w *metaWriter) flush() {
	w.mu.Lock()
	ops := w.ops
	w.ops, w.stored, w.flushing = nil, false, true
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.flushing = false
		w.mu.Unlock()
		w.q.changed()
	}()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.q.ctx), metaFlushTimeout)
	defer cancel()
	now := w.q.opts.Now().UTC()
	b := batchOf(ops, now)
	var (
		err      error
		withBase bool
		changed  map[string]struct{} // of the document last written
		start    time.Time           // of the first write
	)
	for try := 1; ; try++ {
		// The record of the objects already there (for a repository
		// with no document) is part of the write: a listing for it that
		// fails for a passing reason is tried again with the write.
		b.SetBase(nil)
		var done func()
		withBase, done, err = w.withBase(ctx, b, ops, now)
		if err == nil {
			if start.IsZero() {
				start = time.Now()
			}
			var res backend.MetadataResult
			res, err = w.q.store.UpdateMetadata(ctx, w.repo, b)
			changed = res.Folders
		}
		done()
		passing := transient(err) || errors.Is(err, backend.ErrLocked)
		if err == nil || !passing || try > w.q.opts.Retries {
			break
		}
		_ = backend.Sleep(ctx, backoff(w.q.opts.RetryBase, try))
	}
	w.mu.Lock()
	w.lastEnd = time.Now()
	if !start.IsZero() {
		w.took = w.lastEnd.Sub(start)
	}
	w.based = w.based || err == nil
	w.mu.Unlock()
	for _, o := range ops {
		switch {
		case err == nil:
			o.ack(nil)
		case o.info == nil:
			o.ack(fmt.Errorf("deleted, but %s still has its entry: %w", backend.MetadataFileName, err))
		default:
			o.ack(fmt.Errorf("stored, but %s was not updated: %w", backend.MetadataFileName, err))
		}
	}
	if err != nil || withBase {
		// Which folders appeared or vanished is unknown (or, when the
		// document came into being, every listing above the objects may
		// differ from what was shown without it).
		if changed == nil || err != nil {
			changed = map[string]struct{}{}
		}
		for _, o := range ops {
			for d := o.path; d != ""; {
				d = backend.ParentFolder(d)
				changed[d] = struct{}{}
			}
		}
	}
	w.q.affect(w.repo, changed)
}

// batchOf turns the queue's changes into one metadata batch, in order:
// the rules of backend.MetadataBatch make stored objects' entries (and
// their folders'), drop removed ones (and the folders they leave empty)
// and prune after a recursive delete.
func batchOf(ops []metaOp, now time.Time) *backend.MetadataBatch {
	b := backend.NewMetadataBatch(now)
	for _, o := range ops {
		switch {
		case o.prune:
			b.Prune(o.path)
		case o.info != nil:
			info := *o.info
			info.Path = o.path
			b.Stored(info)
		default:
			b.Removed(o.path)
		}
	}
	return b
}

// record queues the metadata change of a finished task and settles the
// task once it is written.
func (q *Queue) record(t *task, path string, info *backend.ObjectInfo, skipped bool) {
	j := t.job
	w := q.writer(j.spec.Repo)
	// Released before its change is queued (a failure must not wait on
	// the writer), but announced first, so that the release of the last
	// task does not make the writer write what waited without it.
	w.expect()
	q.release(t)
	w.add(metaOp{path: path, info: info, ack: func(err error) {
		if err != nil {
			j.itemFailed(path, err)
		} else {
			j.itemDone(path, skipped)
		}
		q.complete(t)
	}}, true)
}

// pruneAfterDelete drops the folder entries a recursive delete left
// without files, and waits until that is written.
func (q *Queue) pruneAfterDelete(j *job) {
	done := make(chan error, 1)
	q.writer(j.spec.Repo).add(metaOp{path: j.spec.Remote, prune: true, ack: func(err error) { done <- err }}, false)
	q.kickWriters()
	if err := <-done; err != nil {
		j.itemFailed(j.spec.Remote, err)
	}
}

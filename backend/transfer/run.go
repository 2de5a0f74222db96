package transfer

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/coopterm/coop/backend"
)

// op is what one task does.
type op int

const (
	opUpload op = iota + 1
	opDownload
	opDelete      // one object, with DeleteObject
	opDeleteBatch // up to backend.MaxDeleteBatch entries, with DeleteObjects
)

// task is one unit of work for a worker: one file, or one delete batch.
type task struct {
	job     *job
	op      op
	local   string          // path on this machine
	remote  string          // path in the repository
	size    int64           // expected size, -1 if unknown
	entries []backend.Entry // opDeleteBatch
	want    digest          // opDownload: the checksums the metadata records
	// sums, for an opDownload queued before the metadata was read, is
	// that read: want is taken from it once it is done (see settle).
	sums *pendingSums
	// known, for an opDownload or an opDelete, is the object as the job
	// (or its caller) found it.
	known     *backend.ObjectInfo
	overwrite bool // a Decision said to replace what is there
	tries     int
}

// key names the item in the job's done set.
func (t *task) key() string { return t.remote }

// conflictPath is the path a Decision is asked about.
func (t *task) conflictPath() string {
	if t.op == opDownload {
		return t.local
	}
	return t.remote
}

// conflictWith is the file that would replace conflictPath.
func (t *task) conflictWith() string {
	if t.op == opDownload {
		return t.remote
	}
	return t.local
}

// drive runs one run of j: produces its tasks, waits for them, and
// settles the job's state.
func (q *Queue) drive(j *job) {
	var err error
	switch j.spec.Kind {
	case UploadFile, UploadTree:
		err = q.produceUpload(j)
	case DownloadFile, DownloadTree:
		err = q.produceDownload(j)
	case DeleteFile, DeleteTree:
		err = q.produceDelete(j)
	}
	if err != nil {
		if k := j.spec.Kind; k == UploadFile || k == UploadTree {
			j.localFailed(j.spec.Local, err)
		} else {
			j.itemFailed(j.spec.Remote, err)
		}
	}
	j.counted()
	q.idleOne(j)
	j.tasks.Wait()
	if err == nil && j.spec.Kind == DeleteTree && j.ctx.Err() == nil {
		q.pruneAfterDelete(j)
	}
	j.finish(err)
}

// worker runs tasks until the queue closes its task channel.
func (q *Queue) worker() {
	for t := range q.tasks {
		j := t.job
		if j.ctx.Err() != nil {
			q.release(t)
			q.complete(t)
			continue
		}
		tk, err := q.limit.acquire(j.ctx, memoryOf(t))
		if err != nil {
			q.release(t)
			q.complete(t)
			continue
		}
		j.running()
		q.taken.Add(1)
		switch t.op {
		case opUpload:
			q.big(t, q.upload)
		case opDownload:
			q.big(t, q.download)
		case opDelete:
			q.deleteOne(t)
		case opDeleteBatch:
			q.deleteBatchTaken(t)
		}
		q.taken.Add(-1)
		q.limit.done(tk)
	}
}

// memoryOf is what a task holds in memory while it runs, for the
// limiter's budget: a small upload is read whole (its checksum goes with
// it), a small download holds a copy buffer; large files are bounded by
// bigAtOnce instead, and deletes hold little.
func memoryOf(t *task) int64 {
	switch {
	case t.size >= bigSize:
		return 0
	case t.op == opUpload:
		return max(t.size, 0)
	case t.op == opDownload:
		_, n := copyClass(copySize(t.size))
		return int64(n)
	}
	return 0
}

// Large files (bigSize and up) move at most bigAtOnce at a time: each
// holds tens of MiB of parts in memory, and moves its parts in parallel
// already.
const (
	bigSize   = 16 << 20
	bigAtOnce = 4
)

// big runs a transfer task, waiting for a turn first if its file is large.
func (q *Queue) big(t *task, run func(*task)) {
	if t.size < bigSize {
		run(t)
		return
	}
	select {
	case q.bigSlots <- struct{}{}:
	case <-t.job.ctx.Done():
		q.release(t)
		q.complete(t)
		return
	}
	defer func() { <-q.bigSlots }()
	run(t)
}

// add counts a new task of j's run and queues it; it fails only when the
// job is cancelled first.
func (q *Queue) add(t *task) error {
	t.job.tasks.Add(1)
	q.busyOne(t.job)
	return q.send(t)
}

// send puts a counted task on the channel, or settles it if the job is
// cancelled first.
func (q *Queue) send(t *task) error {
	select {
	case q.tasks <- t:
		return nil
	case <-t.job.ctx.Done():
		q.release(t)
		q.complete(t)
		return t.job.ctx.Err()
	}
}

// requeue sends a parked task back, without blocking the caller.
func (q *Queue) requeue(t *task) {
	q.busyOne(t.job)
	go func() { _ = q.send(t) }()
}

// sendAfter sends a counted task again once a back-off of d has passed,
// without blocking the caller; if the job is cancelled meanwhile, send
// settles it at once.
func (q *Queue) sendAfter(t *task, d time.Duration) {
	go func() {
		_ = backend.Sleep(t.job.ctx, d)
		_ = q.send(t)
	}()
}

// unstarted reports whether the queue has work no worker has taken
// yet: a producer still listing, tasks queued or waiting to be sent
// again. Without any, every change still to come is of a task in flight.
func (q *Queue) unstarted() bool { return q.busy.Load() > q.taken.Load() }

// deleteBatchTaken runs a delete batch, counted meanwhile by its
// repository's metadata writer (see metaWriter.dueAt), which is poked
// when the last one ends.
func (q *Queue) deleteBatchTaken(t *task) {
	w := q.writer(t.job.spec.Repo)
	w.deletes.Add(1)
	q.deleteBatch(t)
	if w.deletes.Add(-1) == 0 {
		w.poke()
	}
}

// release marks t's work on the store finished (it may still wait for
// its metadata entry). When nothing else is in flight, metadata writers
// are told to write now rather than wait for their interval.
func (q *Queue) release(t *task) { q.idleOne(t.job) }

// busyOne counts one more driver or task of j at work.
func (q *Queue) busyOne(j *job) {
	j.working(1)
	q.busy.Add(1)
}

// idleOne takes one of j's off the busy count.
func (q *Queue) idleOne(j *job) {
	j.working(-1)
	if q.busy.Add(-1) == 0 {
		q.kickWriters()
		q.changed()
	}
}

// complete ends t's part in its job's run.
func (q *Queue) complete(t *task) { t.job.tasks.Done() }

// fail settles a task that failed in the repository: tried again after
// a back-off if the cause may pass, else recorded against t.remote.
func (q *Queue) fail(t *task, err error) { q.failAt(t, t.remote, false, err) }

// failLocal settles a task that failed on this machine, as fail does.
func (q *Queue) failLocal(t *task, err error) { q.failAt(t, t.local, true, err) }

func (q *Queue) failAt(t *task, path string, local bool, err error) {
	j := t.job
	if errors.Is(err, backend.ErrUnavailable) {
		q.limit.throttled() // the store is overloaded or failing: slow down
	}
	if transient(err) && t.tries < q.opts.Retries && j.ctx.Err() == nil {
		t.tries++
		q.sendAfter(t, backoff(q.opts.RetryBase, t.tries)) // still counted busy
		return
	}
	q.release(t)
	if local {
		j.localFailed(path, err)
	} else {
		j.itemFailed(path, err)
	}
	q.complete(t)
}

// succeed settles a task that needs no metadata entry.
func (q *Queue) succeed(t *task, skipped bool) {
	q.release(t)
	t.job.itemDone(t.key(), skipped)
	q.complete(t)
}

// backoff is the wait before retry n (1, 2, …): base doubling, with
// jitter, at most 30 s (see backend.Backoff).
func backoff(base time.Duration, n int) time.Duration {
	return backend.Backoff(base, 30*time.Second, n-1)
}

// transient reports whether a failure may pass if the same thing is
// tried again: the store said it is unavailable or throttling, or the
// connection dropped.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrChanged) || errors.Is(err, backend.ErrInvalid) || errors.Is(err, backend.ErrExists) {
		return false
	}
	if errors.Is(err, backend.ErrUnavailable) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ETIMEDOUT) {
		return true
	}
	// Not any net.Error: every syscall.Errno is one (a full disk too).
	var op *net.OpError
	var ne net.Error
	return errors.As(err, &op) || (errors.As(err, &ne) && ne.Timeout())
}

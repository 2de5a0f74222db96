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

// job is the Queue's record of one Spec across its runs. Counters are
// atomics, updated from many workers; the rest is guarded by mu.
type job struct {
	q         *Queue
	id        JobID
	spec      Spec
	submitted time.Time

	mu           sync.Mutex
	state        State // Queued, Running or a final state
	policy       Policy
	attempt      int
	ctx          context.Context
	stop         context.CancelFunc
	started      time.Time
	finished     time.Time
	err          error
	errs         []ItemError
	parked       []*task
	done         map[string]struct{} // items finished in any run, not redone by Retry
	partsCleaned map[string]bool     // local folders cleaned of abandoned downloads
	counting     bool
	cancelled    bool
	tasks        sync.WaitGroup // tasks of the current run
	// gate is the current run's upload admission, which the PUTs of its
	// first wave wait on (see produceUpload).
	gate atomic.Pointer[backend.Gate]
	// The run's active time leaves out the time it waited on a Decision
	// with nothing else of it at work (see settleWaitLocked).
	busy     int           // its driver and tasks at work: not parked, not released
	waitFrom time.Time     // when that wait began; zero when not waiting
	waited   time.Duration // waits of the run that have ended

	bytes, totalBytes atomic.Int64
	files, totalFiles atomic.Int64
	skipped, failed   atomic.Int64
	unchecked         atomic.Int64  // downloads whose recorded checksum coop cannot check
	unmoved           atomic.Int64  // bytes counted done without being moved (see Job.Unmoved)
	seq               atomic.Uint64 // q.seq at the job's last change
}

func newJob(q *Queue, id JobID, spec Spec) *job {
	j := &job{q: q, id: id, spec: spec, submitted: q.opts.clock(), done: map[string]struct{}{}}
	j.resetLocked()
	return j
}

// reset prepares a Failed or Cancelled job for another run.
func (j *job) reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.resetLocked()
}

func (j *job) resetLocked() {
	j.ctx, j.stop = context.WithCancel(j.q.ctx)
	j.state, j.policy = Queued, j.spec.Policy
	j.attempt++
	j.started, j.finished = time.Time{}, time.Time{}
	j.err, j.errs, j.parked = nil, nil, nil
	j.counting, j.cancelled = true, false
	j.busy, j.waitFrom, j.waited = 0, time.Time{}, 0
	for _, c := range []*atomic.Int64{&j.bytes, &j.totalBytes, &j.files, &j.totalFiles, &j.skipped, &j.failed, &j.unmoved} {
		c.Store(0)
	}
	j.touch()
}

// touch marks the job changed for subscribers.
func (j *job) touch() {
	j.seq.Store(j.q.seq.Add(1))
}

// cancel stops the job's run and drops the files waiting for a decision.
func (j *job) cancel() {
	j.mu.Lock()
	if j.state.Final() {
		j.mu.Unlock()
		return
	}
	j.cancelled = true
	j.stop()
	parked := j.parked
	j.parked = nil
	j.settleWaitLocked()
	j.mu.Unlock()
	for _, t := range parked {
		j.q.complete(t)
	}
	j.touch()
	j.q.changed()
}

// running marks the job started when its first task begins.
func (j *job) running() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.state == Queued {
		j.state, j.started = Running, j.q.opts.clock()
		j.touch()
		j.q.changed()
	}
}

// working counts n more (or, negative, fewer) of the run's driver and
// tasks at work: the queue's busy count, per job.
func (j *job) working(n int) {
	j.mu.Lock()
	j.busy += n
	j.settleWaitLocked()
	j.mu.Unlock()
}

// settleWaitLocked starts or stops the wait clock: the run waits when a
// file is parked for a Decision and nothing else of it is at work (its
// other files moving, its driver still finding files, a retry pending).
// j.mu is held.
func (j *job) settleWaitLocked() {
	waiting := len(j.parked) > 0 && j.busy <= 0 && !j.state.Final()
	if waiting == !j.waitFrom.IsZero() {
		return
	}
	now := j.q.opts.clock()
	if waiting {
		j.waitFrom = now
		return
	}
	j.waited += now.Sub(j.waitFrom)
	j.waitFrom = time.Time{}
}

// activeLocked is the run's active time up to end. j.mu is held.
func (j *job) activeLocked(end time.Time) time.Duration {
	d := end.Sub(j.started) - j.waited
	if !j.waitFrom.IsZero() {
		d -= end.Sub(j.waitFrom)
	}
	return max(d, 0)
}

// counted ends the counting phase: totals are now final.
func (j *job) counted() {
	j.mu.Lock()
	j.counting = false
	j.mu.Unlock()
	j.touch()
}

// addTotal adds a found item of size bytes.
func (j *job) addTotal(size int64) {
	j.totalFiles.Add(1)
	j.totalBytes.Add(size)
	j.touch()
}

// addBytes counts n bytes moved (negative to take back a failed attempt).
func (j *job) addBytes(n int64) {
	j.bytes.Add(n)
	j.q.moved.Add(n)
	j.touch()
}

// addUnmoved counts n bytes done that this run did not move: a file
// skipped as identical, or done by an earlier run. They count toward the
// job's progress, never toward a rate.
func (j *job) addUnmoved(n int64) {
	j.bytes.Add(n)
	j.unmoved.Add(n)
	j.touch()
}

// itemDone records a finished item: transferred, deleted or skipped.
func (j *job) itemDone(key string, skipped bool) {
	j.mu.Lock()
	j.done[key] = struct{}{}
	j.mu.Unlock()
	if skipped {
		j.skipped.Add(1)
	}
	j.files.Add(1)
	j.touch()
}

// isDone reports whether an earlier run finished the item already.
func (j *job) isDone(key string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.done[key]
	return ok
}

// itemFailed records a failed item of the repository, unless the
// failure is only the job being cancelled.
func (j *job) itemFailed(path string, err error) {
	j.failed1(ItemError{Job: j.id, Repo: j.spec.Repo, Path: path, Err: err})
}

// localFailed records a failed item on this machine, as itemFailed does.
func (j *job) localFailed(path string, err error) {
	j.failed1(ItemError{Job: j.id, Repo: j.spec.Repo, Path: path, Local: true, Err: err})
}

func (j *job) failed1(ie ItemError) {
	if j.ctx.Err() != nil && (errors.Is(ie.Err, context.Canceled) || errors.Is(ie.Err, context.DeadlineExceeded)) {
		return
	}
	j.mu.Lock()
	j.errs = append(j.errs, ie)
	j.mu.Unlock()
	j.failed.Add(1)
	j.touch()
	j.q.failure(ie)
}

// finish ends the run; perr is the producer's own failure, if any.
func (j *job) finish(perr error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.finished = j.q.opts.clock()
	if j.started.IsZero() {
		j.started = j.finished
	}
	j.settleWaitLocked() // j.state is not final yet: a wait still open ends now
	j.counting = false
	n := j.failed.Load()
	switch {
	case j.cancelled || j.q.ctx.Err() != nil:
		j.state = Cancelled
	case n > 0:
		j.state, j.err = Failed, j.errs[0]
		if n > 1 {
			j.err = fmt.Errorf("%w (and %d more failures)", j.errs[0], n-1)
		}
	default:
		j.state = Done
	}
	j.stop()
	j.touch()
	j.q.changed()
}

// park holds t until a Decision, or until the job is cancelled.
func (j *job) park(t *task) {
	j.mu.Lock()
	if j.cancelled {
		j.mu.Unlock()
		j.q.complete(t)
		return
	}
	j.parked = append(j.parked, t)
	j.settleWaitLocked()
	j.mu.Unlock()
	j.touch()
	j.q.changed()
}

// conflictPolicy is the job's policy now (Decide may change it).
func (j *job) conflictPolicy() Policy {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.policy
}

// decideOne answers the oldest parked task.
func (j *job) decideOne(overwrite bool) {
	j.mu.Lock()
	if len(j.parked) == 0 {
		j.mu.Unlock()
		return
	}
	t := j.parked[0]
	j.parked = j.parked[1:]
	j.settleWaitLocked()
	j.mu.Unlock()
	j.resume(t, overwrite)
}

// decideAll sets policy p for the rest of the run and answers every
// parked task with it.
func (j *job) decideAll(p Policy) {
	j.mu.Lock()
	if j.state.Final() {
		j.mu.Unlock()
		return
	}
	if j.policy == Ask {
		j.policy = p
	}
	parked := j.parked
	j.parked = nil
	j.settleWaitLocked()
	j.mu.Unlock()
	for _, t := range parked {
		j.resume(t, p == Overwrite)
	}
}

// resume sends a parked task on its way: overwriting, or skipped.
func (j *job) resume(t *task, overwrite bool) {
	if !overwrite {
		j.itemDone(t.key(), true)
		j.q.complete(t)
		return
	}
	t.overwrite = true
	j.q.requeue(t)
}

// snapshotState is the state a snapshot would show.
func (j *job) snapshotState() State {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.state.Final() && len(j.parked) > 0 {
		return NeedsDecision
	}
	return j.state
}

// snapshot copies the job for a UI.
func (j *job) snapshot() Job {
	j.mu.Lock()
	s := Job{
		ID: j.id, Kind: j.spec.Kind, Repo: j.spec.Repo, Local: j.spec.Local, Remote: j.spec.Remote,
		State: j.state, Policy: j.policy, Counting: j.counting, Err: j.err, Attempt: j.attempt,
		Submitted: j.submitted, Started: j.started, Finished: j.finished,
	}
	if !j.state.Final() && len(j.parked) > 0 {
		s.State, s.Conflict, s.ConflictWith = NeedsDecision, j.parked[0].conflictPath(), j.parked[0].conflictWith()
	}
	if !j.started.IsZero() {
		end := j.finished
		if end.IsZero() {
			end = j.q.opts.clock()
		}
		s.Active = j.activeLocked(end)
	}
	j.mu.Unlock()
	s.Bytes, s.TotalBytes = j.bytes.Load(), j.totalBytes.Load()
	s.Files, s.TotalFiles = j.files.Load(), j.totalFiles.Load()
	s.Skipped, s.Failed = j.skipped.Load(), j.failed.Load()
	s.Unchecked, s.Unmoved = j.unchecked.Load(), j.unmoved.Load()
	if !s.Started.IsZero() && !s.State.Final() {
		if secs := s.Active.Seconds(); secs > 0.2 {
			done, total := float64(s.Bytes-s.Unmoved), float64(s.TotalBytes-s.Unmoved)
			if s.Kind == DeleteFile || s.Kind == DeleteTree {
				done, total = float64(s.Files), float64(s.TotalFiles)
			}
			s.Rate = done / secs
			if !s.State.Final() && !s.Counting && s.Rate > 0 && total > done {
				s.ETA = time.Duration((total - done) / s.Rate * float64(time.Second))
			}
		}
	}
	return s
}

// itemErrors copies the run's failures.
func (j *job) itemErrors() []ItemError {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]ItemError(nil), j.errs...)
}

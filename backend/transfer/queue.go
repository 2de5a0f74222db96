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

// Defaults an Options falls back to.
const (
	// DefaultWorkers is how many files may move at once: enough to hide
	// the latency of small files on a long network path (requests to
	// S3, file creation on a slow disk), as s5cmd's 256 do. The queue
	// starts there, halves on SlowDown and grows back while the store
	// keeps up (see limiter); large files move at most bigAtOnce at a
	// time, each with its parts in parallel.
	DefaultWorkers = 256
	// DefaultMetadataInterval bounds how long a finished file waits for
	// its metadata entry to be written (a removed one's may wait up to
	// ten for its repository's delete batches in flight: see metaWriter).
	DefaultMetadataInterval = time.Second
	// DefaultMetadataBatch is how many pending entries force a write
	// before the interval is up.
	DefaultMetadataBatch = 5000
	// DefaultRetries is how many times a file that failed for a passing
	// reason (a 5xx, throttling, a dropped connection) is tried again.
	DefaultRetries = 4
	// DefaultUpdateInterval spaces Updates: at most 20 a second.
	DefaultUpdateInterval = 50 * time.Millisecond
	// DefaultStaleUploadAge is how old an unfinished multipart upload
	// must be for the start of a job to abort it (see
	// backend.IncompleteCleaner).
	DefaultStaleUploadAge = 24 * time.Hour
)

// ErrWouldOverwrite is an item failure under the Fail policy: the file
// exists and was left alone.
var ErrWouldOverwrite = errors.New("already exists; not replaced")

// ErrChanged is an item failure for a source file that changed while it
// was read; nothing was stored.
var ErrChanged = errors.New("changed while it was being uploaded; nothing stored (try again)")

// Options tune a Queue. Zero values take the defaults.
type Options struct {
	Workers          int
	MetadataInterval time.Duration
	MetadataBatch    int
	Retries          int
	// RetryBase is the first back-off after a passing failure; it doubles
	// with each retry, with jitter. Default 500 ms.
	RetryBase      time.Duration
	UpdateInterval time.Duration
	StaleUploadAge time.Duration
	// Now is the clock for metadata times; tests may fix it.
	Now func() time.Time
	// clock times the jobs (Started, Finished, Active); tests move it.
	clock func() time.Time
	// walked, if set, is called as the walk of an upload's folder ends;
	// tests watch it.
	walked func()
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Workers, DefaultWorkers)
	def(&o.MetadataBatch, DefaultMetadataBatch)
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	}
	o.Retries = max(o.Retries, 0)
	defDur(&o.MetadataInterval, DefaultMetadataInterval)
	defDur(&o.RetryBase, 500*time.Millisecond)
	defDur(&o.UpdateInterval, DefaultUpdateInterval)
	defDur(&o.StaleUploadAge, DefaultStaleUploadAge)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.clock == nil {
		o.clock = time.Now
	}
	return o
}

// Queue runs transfer and delete jobs on a bounded pool of workers over
// one store, and keeps each repository's metadata file in step with what
// the jobs changed. Its methods are safe for concurrent use and never
// block on I/O, so a Bubble Tea Update may call them.
type Queue struct {
	store backend.Store
	opts  Options
	ctx   context.Context
	stop  context.CancelFunc
	tasks chan *task
	// Goroutines, stopped in this order by Close.
	drivers, writersWG, workers sync.WaitGroup

	mu      sync.Mutex
	jobs    map[JobID]*job
	order   []*job // submission order; cleared jobs removed
	nextID  JobID
	writers map[backend.RepoRef]*metaWriter
	notes   map[backend.RepoRef]string // see Totals.Note
	cleaned map[Affected]bool          // folders cleaned of leftovers: true if recursively
	// walks are the walks of folders Prepare started, until their jobs
	// take them (one per prepared spec, preparedWalks at most; those
	// never taken are stopped by Close).
	walks  map[walkKey]*walk
	closed bool

	subMu sync.Mutex // guards subs; taken after q.mu and any job's mu
	subs  map[*Subscription]struct{}

	// bigSlots bounds the large files moving at once.
	bigSlots chan struct{}
	// limit admits transfers under the adaptive limit and the memory
	// budget (see limiter).
	limit *limiter
	// bufs are the buffers of one-stream downloads.
	bufs copyBuffers

	busy  atomic.Int64  // producers running, tasks queued or running
	taken atomic.Int64  // tasks a worker has taken and not yet finished with
	seq   atomic.Uint64 // bumped on every change a Subscription may report
	moved atomic.Int64  // bytes moved by all jobs, for rates
}

// New starts a Queue over store. ctx bounds its life: when it ends, jobs
// are cancelled as by Close.
func New(ctx context.Context, store backend.Store, opts Options) *Queue {
	opts = opts.withDefaults()
	qctx, stop := context.WithCancel(ctx)
	q := &Queue{
		store:   store,
		opts:    opts,
		ctx:     qctx,
		stop:    stop,
		tasks:   make(chan *task, opts.Workers*2),
		jobs:    map[JobID]*job{},
		subs:    map[*Subscription]struct{}{},
		writers: map[backend.RepoRef]*metaWriter{},
		notes:   map[backend.RepoRef]string{},
		cleaned: map[Affected]bool{},
		walks:   map[walkKey]*walk{},

		bigSlots: make(chan struct{}, bigAtOnce),
		limit:    newLimiter(opts.Workers, DefaultMemory),
	}
	for range opts.Workers {
		q.workers.Go(q.worker)
	}
	return q
}

// Submit validates spec and queues it. It fails at once, queueing
// nothing, on a spec that can never run (a bad repository or path, a
// missing local path).
func (q *Queue) Submit(spec Spec) (JobID, error) {
	if err := checkSpec(spec); err != nil {
		return 0, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, fmt.Errorf("submit %s: %w: queue closed", spec.Kind, backend.ErrUnavailable)
	}
	q.nextID++
	j := newJob(q, q.nextID, spec)
	q.jobs[j.id] = j
	q.order = append(q.order, j)
	q.startLocked(j)
	return j.id, nil
}

// Cancel stops one job: its queued files are dropped, files in flight are
// aborted (leaving nothing half-written), and files already stored stay,
// with their metadata. Cancelling a finished job does nothing.
func (q *Queue) Cancel(id JobID) {
	q.mu.Lock()
	j := q.jobs[id]
	q.mu.Unlock()
	if j != nil {
		j.cancel()
	}
}

// CancelAll cancels every unfinished job.
func (q *Queue) CancelAll() {
	q.mu.Lock()
	jobs := append([]*job(nil), q.order...)
	q.mu.Unlock()
	for _, j := range jobs {
		j.cancel()
	}
}

// Retry runs a Failed or Cancelled job again. Files it already finished
// are not redone; the rest (failed, cancelled, never reached) are.
func (q *Queue) Retry(id JobID) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	j := q.jobs[id]
	if j == nil {
		return fmt.Errorf("retry job %d: %w", id, backend.ErrNotFound)
	}
	if q.closed {
		return fmt.Errorf("retry job %d: %w: queue closed", id, backend.ErrUnavailable)
	}
	if st := j.snapshotState(); st != Failed && st != Cancelled {
		return fmt.Errorf("retry job %d: %w: it is %s", id, backend.ErrInvalid, st)
	}
	j.reset()
	q.startLocked(j)
	return nil
}

// Decide answers the oldest file waiting in job id (State NeedsDecision).
func (q *Queue) Decide(id JobID, d Decision) error {
	q.mu.Lock()
	j := q.jobs[id]
	q.mu.Unlock()
	if j == nil {
		return fmt.Errorf("decide job %d: %w", id, backend.ErrNotFound)
	}
	switch d {
	case DecideCancel:
		j.cancel()
	case DecideOverwrite, DecideSkip:
		j.decideOne(d == DecideOverwrite)
	case DecideOverwriteAll, DecideSkipAll:
		p := Overwrite
		if d == DecideSkipAll {
			p = Skip
		}
		q.mu.Lock()
		jobs := append([]*job(nil), q.order...)
		q.mu.Unlock()
		for _, o := range jobs {
			o.decideAll(p)
		}
	default:
		return fmt.Errorf("%w decision %d", backend.ErrInvalid, d)
	}
	// A skip moves nothing and may leave nothing in flight: wake the
	// subscribers so that they see the answer and the next question.
	q.changed()
	return nil
}

// Jobs returns a snapshot of every job not cleared, in submission order.
func (q *Queue) Jobs() []Job {
	q.mu.Lock()
	jobs := append([]*job(nil), q.order...)
	q.mu.Unlock()
	out := make([]Job, len(jobs))
	for i, j := range jobs {
		out[i] = j.snapshot()
	}
	return out
}

// Job returns a snapshot of one job.
func (q *Queue) Job(id JobID) (Job, bool) {
	q.mu.Lock()
	j := q.jobs[id]
	q.mu.Unlock()
	if j == nil {
		return Job{}, false
	}
	return j.snapshot(), true
}

// ItemErrors returns every failure of job id's latest run.
func (q *Queue) ItemErrors(id JobID) []ItemError {
	q.mu.Lock()
	j := q.jobs[id]
	q.mu.Unlock()
	if j == nil {
		return nil
	}
	return j.itemErrors()
}

// ClearFinished forgets the jobs that are Done, Failed or Cancelled.
func (q *Queue) ClearFinished() {
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.order[:0]
	for _, j := range q.order {
		if j.snapshotState().Final() {
			delete(q.jobs, j.id)
			continue
		}
		kept = append(kept, j)
	}
	clear(q.order[len(kept):])
	q.order = kept
	q.seq.Add(1)
	q.changed()
}

// Wait blocks until every job has finished and every metadata update is
// written, or ctx ends. It is for the command line; a UI watches Totals.Idle.
func (q *Queue) Wait(ctx context.Context) error {
	sub := q.Subscribe()
	defer sub.Close()
	for {
		if q.idle() {
			return nil
		}
		if _, err := sub.Next(ctx); err != nil {
			return err
		}
	}
}

// Close cancels every unfinished job, writes the metadata of what was
// done, and stops the workers. The Queue cannot be used afterwards.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	walks := q.walks
	q.walks = nil
	q.mu.Unlock()
	for _, w := range walks { // prepared, never submitted
		w.stop()
		<-w.done
	}
	q.CancelAll()
	q.drivers.Wait() // cancelled tasks settle quickly; parked ones were dropped
	q.mu.Lock()
	for _, w := range q.writers {
		w.close() // writes what is pending first
	}
	q.mu.Unlock()
	q.writersWG.Wait()
	close(q.tasks)
	q.workers.Wait()
	q.stop()
	q.subMu.Lock()
	defer q.subMu.Unlock()
	for s := range q.subs {
		s.closeLocked()
	}
	return nil
}

// startLocked starts the driver of j's run. q.mu is held.
func (q *Queue) startLocked(j *job) {
	q.busyOne(j) // the driver's own share, until it has produced its tasks
	q.changed()
	q.drivers.Go(func() { q.drive(j) })
}

// idle reports whether nothing is queued, running or waiting to be written.
func (q *Queue) idle() bool {
	if q.busy.Load() > 0 {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range q.order {
		if !j.snapshotState().Final() {
			return false
		}
	}
	for _, w := range q.writers {
		if w.pending() {
			return false
		}
	}
	return true
}

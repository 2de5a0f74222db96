package transfer

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/coopterm/coop/backend"
)

// ErrClosed is what Subscription.Next returns once the subscription or
// its Queue is closed.
var ErrClosed = errors.New("transfer: subscription closed")

// rateWindow is how far back the queue's rate looks.
const rateWindow = 3 * time.Second

// Subscription delivers a Queue's changes, coalesced: however many jobs
// run and however fast, Next returns at most once per update interval
// (20 times a second by default), with everything that changed since its
// previous return. Nothing is dropped: failures and affected folders
// accumulate until Next takes them. A UI drains it with a re-armed
// command:
//
//	func waitProgress(sub *transfer.Subscription) tea.Cmd {
//		return func() tea.Msg {
//			u, err := sub.Next(ctx)
//			if err != nil {
//				return nil
//			}
//			return progressMsg(u) // Update handles it, then returns waitProgress(sub) again
//		}
//	}
type Subscription struct {
	q    *Queue
	wake chan struct{}
	done chan struct{}

	// Guarded by q.subMu.
	failures []ItemError
	affected map[Affected]struct{}
	order    []Affected
	closed   bool

	// Owned by the goroutine calling Next.
	lastSeq uint64
	last    time.Time
	samples []sample
}

type sample struct {
	at    time.Time
	moved int64
}

// Subscribe starts a subscription. Its first Update holds every job.
func (q *Queue) Subscribe() *Subscription {
	s := &Subscription{q: q, wake: make(chan struct{}, 1), done: make(chan struct{}), affected: map[Affected]struct{}{}}
	q.subMu.Lock()
	defer q.subMu.Unlock()
	if q.closed {
		s.closed = true
		close(s.done)
		return s
	}
	q.subs[s] = struct{}{}
	s.wake <- struct{}{}
	return s
}

// Close ends the subscription; a blocked Next returns ErrClosed.
func (s *Subscription) Close() {
	s.q.subMu.Lock()
	defer s.q.subMu.Unlock()
	delete(s.q.subs, s)
	s.closeLocked()
}

func (s *Subscription) closeLocked() {
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}

// Next waits until something changed and at least the update interval
// has passed since its previous return, then returns what changed. It
// returns ctx's error when ctx ends, and ErrClosed after Close. Call it
// from one goroutine at a time.
func (s *Subscription) Next(ctx context.Context) (Update, error) {
	q := s.q
	for {
		seq := q.seq.Load()
		q.subMu.Lock()
		closed, events := s.closed, len(s.failures)+len(s.order) > 0
		q.subMu.Unlock()
		if closed {
			return Update{}, ErrClosed
		}
		var wait time.Duration
		if seq != s.lastSeq || events {
			// The end of the work is shown at once, not an interval late.
			wait = time.Until(s.last.Add(q.opts.UpdateInterval))
			if wait <= 0 || q.idle() {
				return s.build(seq), nil
			}
		} else if q.busy.Load() > 0 {
			// Bytes move without waking anyone: while work is in
			// flight, look again after one interval.
			wait = q.opts.UpdateInterval
		}
		var timer *time.Timer
		var tick <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			tick = timer.C
		}
		var err error
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-s.done:
			err = ErrClosed
		case <-s.wake:
		case <-tick:
		}
		if timer != nil {
			timer.Stop()
		}
		if err != nil {
			return Update{}, err
		}
	}
}

// build collects the changes since s.lastSeq.
func (s *Subscription) build(seq uint64) Update {
	q := s.q
	var u Update
	// Idle is decided before the jobs are counted: states only move
	// forward, so an idle queue's snapshot shows every job finished, never
	// a job still running in an update that says the queue is idle.
	u.Totals.Idle = q.idle()
	q.mu.Lock()
	jobs := append([]*job(nil), q.order...)
	for _, n := range slices.Sorted(maps.Values(q.notes)) {
		u.Totals.Note = strings.TrimPrefix(u.Totals.Note+"; "+n, "; ")
	}
	q.mu.Unlock()
	var remaining int64
	for _, j := range jobs {
		st := j.snapshotState()
		if j.seq.Load() > s.lastSeq {
			u.Jobs = append(u.Jobs, j.snapshot())
		}
		switch st {
		case Queued:
			u.Totals.Queued++
		case Running:
			u.Totals.Running++
		case NeedsDecision:
			u.Totals.NeedsDecision++
		case Done:
			u.Totals.Done++
		case Failed:
			u.Totals.Failed++
		case Cancelled:
			u.Totals.Cancelled++
		}
		b, tb := j.bytes.Load(), j.totalBytes.Load()
		u.Totals.Bytes += b
		u.Totals.TotalBytes += tb
		u.Totals.Files += j.files.Load()
		u.Totals.TotalFiles += j.totalFiles.Load()
		if !st.Final() && tb > b {
			remaining += tb - b
		}
	}
	q.subMu.Lock()
	u.Failures, s.failures = s.failures, nil
	u.Affected, s.order = s.order, nil
	clear(s.affected)
	q.subMu.Unlock()

	now := time.Now()
	s.samples = append(s.samples, sample{now, q.moved.Load()})
	for len(s.samples) > 2 && now.Sub(s.samples[1].at) > rateWindow {
		s.samples = s.samples[1:]
	}
	if first := s.samples[0]; now.Sub(first.at) > 100*time.Millisecond {
		u.Totals.Rate = max(float64(s.samples[len(s.samples)-1].moved-first.moved)/now.Sub(first.at).Seconds(), 0)
	}
	if u.Totals.Rate > 0 && remaining > 0 {
		u.Totals.ETA = time.Duration(float64(remaining) / u.Totals.Rate * float64(time.Second))
	}
	s.lastSeq, s.last = seq, now
	u.At = now
	return u
}

// changed wakes every subscriber.
func (q *Queue) changed() {
	q.seq.Add(1)
	q.subMu.Lock()
	defer q.subMu.Unlock()
	for s := range q.subs {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// failure hands an item failure to every subscriber.
func (q *Queue) failure(ie ItemError) {
	q.subMu.Lock()
	for s := range q.subs {
		s.failures = append(s.failures, ie)
	}
	q.subMu.Unlock()
	q.changed()
}

// affect tells subscribers that the listings of folders changed in a
// repository.
func (q *Queue) affect(repo backend.RepoRef, folders map[string]struct{}) {
	if len(folders) == 0 {
		return
	}
	q.subMu.Lock()
	for s := range q.subs {
		for f := range folders {
			a := Affected{Repo: repo, Folder: f}
			if _, ok := s.affected[a]; !ok {
				s.affected[a] = struct{}{}
				s.order = append(s.order, a)
			}
		}
	}
	q.subMu.Unlock()
	q.changed()
}

package transfer

import (
	"context"
	"sync"
	"time"
)

// Adaptive concurrency. The queue starts with Options.Workers transfers
// at once (s5cmd's 256 by default: a job of a few hundred files ends
// before a lower start could grow, and a long network path needs them
// all in flight) and finds its own level below that: a throttle (503
// SlowDown, or any sign the store is unavailable) halves the limit, once
// per round of requests in flight; then each window of as many
// transfers as the limit that finishes with no throttling and a rate of
// completions at least as good as the window before grows it back by a
// quarter. So the queue fills a long network path from the start and
// backs off a store that says it is overloaded.
const minLimit = 4

// DefaultMemory bounds the bytes small files hold in memory while they
// move (an upload of up to 16 MiB is read whole to send its checksum
// with it; a download holds a copy buffer): a transfer waits for its
// share, but one always runs. Large files are bounded by bigAtOnce.
const DefaultMemory = 256 << 20

// limiter admits transfers under the adaptive limit and the memory
// budget.
type limiter struct {
	mu       sync.Mutex
	wake     chan struct{} // closed and replaced when room may have come
	limit    int
	lowest   int // the lowest limit so far
	max      int
	inFlight int
	bytes    int64 // held by transfers in flight
	budget   int64

	saturated bool          // the limit was reached in this window
	window    int           // successes since the limit last changed
	started   time.Time     // when the window began
	lastRate  float64       // completions per second of the last window
	throttles int           // throttles seen, ever
	cutAt     time.Time     // when the limit was last cut
	latency   time.Duration // moving average of a transfer's time
}

// ticket is one admitted transfer.
type ticket struct {
	start     time.Time
	bytes     int64
	throttles int // the limiter's count when it was admitted
}

func newLimiter(maxInFlight int, budget int64) *limiter {
	return &limiter{
		wake:    make(chan struct{}),
		limit:   maxInFlight,
		lowest:  maxInFlight,
		max:     maxInFlight,
		budget:  budget,
		started: time.Now(),
	}
}

// acquire waits for room for a transfer holding bytes, or for ctx.
func (l *limiter) acquire(ctx context.Context, bytes int64) (ticket, error) {
	for {
		l.mu.Lock()
		if l.inFlight < l.limit && (l.inFlight == 0 || l.bytes+bytes <= l.budget) {
			l.inFlight++
			l.bytes += bytes
			l.saturated = l.saturated || l.inFlight == l.limit
			t := ticket{start: time.Now(), bytes: bytes, throttles: l.throttles}
			l.mu.Unlock()
			return t, nil
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ticket{}, ctx.Err()
		}
	}
}

// done returns a ticket's room; a transfer that met no throttle while it
// ran counts toward growing the limit.
func (l *limiter) done(t ticket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inFlight--
	l.bytes -= t.bytes
	now := time.Now()
	took := now.Sub(t.start)
	if l.latency == 0 {
		l.latency = took
	} else {
		l.latency = (7*l.latency + took) / 8
	}
	if t.throttles == l.throttles {
		l.window++
		if l.window >= l.limit {
			rate := float64(l.window) / max(now.Sub(l.started).Seconds(), 1e-3)
			if l.saturated && l.limit < l.max && rate >= 0.95*l.lastRate {
				l.limit = min(l.max, l.limit+max(1, l.limit/4))
			}
			l.lastRate, l.window, l.started, l.saturated = rate, 0, now, false
		}
	}
	l.signal()
}

// throttled reports that the store asked to slow down: the limit is
// halved, once for all the transfers that were in flight together (a
// cut within two average transfer times of the last counts as the same).
func (l *limiter) throttled() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.throttles++
	now := time.Now()
	if !l.cutAt.IsZero() && now.Sub(l.cutAt) < max(100*time.Millisecond, 2*l.latency) {
		return
	}
	l.cutAt = now
	l.limit = max(minLimit, l.limit/2)
	l.lowest = min(l.lowest, l.limit)
	l.window, l.started, l.lastRate, l.saturated = 0, now, 0, false
}

// current is the limit in force.
func (l *limiter) current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}

// signal wakes the waiters; the caller holds l.mu.
func (l *limiter) signal() {
	close(l.wake)
	l.wake = make(chan struct{})
}

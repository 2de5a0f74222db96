package testservers

import (
	"slices"
	"sync"
	"time"
)

// Trace records when each request passing through one or more proxies
// started and ended, so that a test can count how many round trips a
// command waits for one after another, not only how many requests it
// makes. Share one Trace between the S3 and the DynamoDB proxy
// (FaultProxy.SetTrace) to count a command's whole path.
type Trace struct {
	mu    sync.Mutex
	spans []Span
}

// Span is one request as its client saw it, by the proxy's reckoning:
// from when it was sent (its headers' arrival, less the delay and any
// handshake) to when its answer arrived (the end of the answer's body,
// plus the delay).
type Span struct {
	Op         string
	Start, End time.Time
	// Delay is the one-way delay the request met.
	Delay time.Duration
	// Handshake is how long the request waited for its connection's
	// handshake: a round trip on a connection dialed as it was sent,
	// nothing on one reused or opened well ahead.
	Handshake time.Duration
}

func (t *Trace) add(s Span) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spans = append(t.spans, s)
}

// Reset forgets what was recorded.
func (t *Trace) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spans = nil
}

// Spans returns the recorded requests in the order they started.
func (t *Trace) Spans() []Span {
	t.mu.Lock()
	out := slices.Clone(t.spans)
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b Span) int { return a.Start.Compare(b.Start) })
	return out
}

// Ops returns the operations of the recorded requests, in the order they
// started.
func (t *Trace) Ops() []string {
	var ops []string
	for _, s := range t.Spans() {
		ops = append(ops, s.Op)
	}
	return ops
}

// Rounds returns the sequential round trips: the longest chain of
// requests each of which was sent after the answer to the one before it
// came back. Requests sent together overlap by a round trip, so behind a
// delay scheduling noise of up to one delay does not make them look
// sequential (a request is taken to follow another if it was sent no
// earlier than one delay before the other's answer came); with no delay
// the count is only as good as the timing of the machine.
func (t *Trace) Rounds() int { return rounds(t.Spans()) }

// RoundsBy is Rounds of the requests whose answers had arrived by at:
// the round trips a screen showing something at that time waited for,
// leaving out what started after (prefetches, later pages).
func (t *Trace) RoundsBy(at time.Time) int {
	var by []Span
	for _, s := range t.Spans() {
		if !s.End.After(at) {
			by = append(by, s)
		}
	}
	return rounds(by)
}

// RoundsFrom is Rounds of the requests sent at or after at: the round
// trips the end of a command waited for after some point (its last
// transfer, say).
func (t *Trace) RoundsFrom(at time.Time) int {
	var from []Span
	for _, s := range t.Spans() {
		if !s.Start.Before(at) {
			from = append(from, s)
		}
	}
	return rounds(from)
}

// RoundsOf is Rounds of some of a trace's spans (say, all but the
// requests a command makes in the background).
func RoundsOf(spans []Span) int {
	spans = slices.Clone(spans)
	slices.SortFunc(spans, func(a, b Span) int { return a.Start.Compare(b.Start) })
	return rounds(spans)
}

// rounds is Rounds of spans, sorted by start.
func rounds(spans []Span) int {
	byEnd := make([]int, len(spans))
	for i := range byEnd {
		byEnd[i] = i
	}
	followAt := func(i int) time.Time { return spans[i].End.Add(-spans[i].Delay) }
	slices.SortFunc(byEnd, func(a, b int) int { return followAt(a).Compare(followAt(b)) })
	depth := make([]int, len(spans))
	best, rounds, j := 0, 0, 0
	for i, s := range spans {
		// A span s can follow started before s (it ended a round trip
		// after it started, less one delay), so its depth is known.
		for j < len(byEnd) && !followAt(byEnd[j]).After(s.Start) {
			best = max(best, depth[byEnd[j]])
			j++
		}
		depth[i] = best + 1
		rounds = max(rounds, depth[i])
	}
	return rounds
}

package tui

import (
	"context"
	"slices"
	"testing"
	"time"
)

// A search's matches reach the browser in few messages: the first
// matches and the end of the walk go at once, the rest wait until a
// frame's time has passed since the last message and go together. The
// feed's timer is the test's, so nothing depends on the machine's speed.
func TestSearchFeedCoalesces(t *testing.T) {
	f := newSearchFeed(1, func() {})
	timers := make(chan chan time.Time, 1)
	f.after = func(d time.Duration) <-chan time.Time {
		if d <= 0 || d > f.every {
			t.Errorf("held for %v, want at most %v", d, f.every)
		}
		c := make(chan time.Time, 1)
		timers <- c
		return c
	}
	ctx := context.Background()
	next := func() <-chan searchMsg {
		out := make(chan searchMsg, 1)
		go func() { out <- f.next(ctx)().(searchMsg) }()
		return out
	}
	// held is the timer a message waits for; it fails if the message
	// went instead.
	held := func(out <-chan searchMsg) chan time.Time {
		t.Helper()
		select {
		case c := <-timers:
			return c
		case m := <-out:
			t.Fatalf("a message went at once: %+v", m)
			return nil
		}
	}
	hit := func(p string) []searchHit { return []searchHit{{path: p}} }
	paths := func(m searchMsg) (s []string) {
		for _, h := range m.hits {
			s = append(s, h.path)
		}
		return s
	}

	// The first message goes at once, even without matches.
	f.add(nil, 1000)
	if m := <-next(); m.scanned != 1000 || len(m.hits) != 0 || len(timers) != 0 {
		t.Fatalf("first message %+v, held %v", m, len(timers) != 0)
	}
	// The next one waits, until the first matches come: they go at once.
	f.add(nil, 1000)
	out := next()
	held(out)
	f.add(hit("a"), 1000)
	if m := <-out; m.scanned != 3000 || !slices.Equal(paths(m), []string{"a"}) {
		t.Fatalf("first matches: %+v", m)
	}
	// Later matches wait for the timer and go together.
	f.add(hit("b"), 1000)
	out = next()
	timer := held(out)
	f.add(hit("c"), 1000)
	timer <- time.Now()
	if m := <-out; m.scanned != 5000 || !slices.Equal(paths(m), []string{"b", "c"}) {
		t.Fatalf("held matches: %+v", m)
	}
	// The end of the walk goes at once, with what was held.
	f.add(hit("d"), 1000)
	out = next()
	held(out)
	f.finish(nil)
	if m := <-out; !m.done || m.scanned != 6000 || !slices.Equal(paths(m), []string{"d"}) {
		t.Fatalf("end: %+v", m)
	}
}

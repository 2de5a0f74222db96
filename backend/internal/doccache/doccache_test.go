package doccache

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type doc struct{ n int }

// fakeClock stands in for time.AfterFunc: timers fire when the test says.
type fakeClock struct {
	mu     sync.Mutex
	timers []*fakeTimer
}

type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (fc *fakeClock) afterFunc(d time.Duration, f func()) func() bool {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	t := &fakeTimer{d: d, f: f}
	fc.timers = append(fc.timers, t)
	return func() bool {
		fc.mu.Lock()
		defer fc.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// fire runs timer i as if its time had come, stopped or not: a stopped
// time.AfterFunc timer may already be running its function.
func (fc *fakeClock) fire(i int) {
	fc.mu.Lock()
	t := fc.timers[i]
	fc.mu.Unlock()
	t.f()
}

func newCache(t *testing.T) (*Cache[string, string, *doc], *fakeClock) {
	t.Helper()
	fc := &fakeClock{}
	return &Cache[string, string, *doc]{afterFunc: fc.afterFunc}, fc
}

func TestTakeHandsOverTheValueOnce(t *testing.T) {
	c, _ := newCache(t)
	d := &doc{1}
	c.Keep("repo", "v1", d)
	got, token, ok := c.Take("repo")
	if !ok || got != d || token != "v1" {
		t.Fatalf("Take = %v, %q, %v; want the kept document and v1", got, token, ok)
	}
	if _, _, ok := c.Take("repo"); ok {
		t.Error("a taken document was served again")
	}
}

func TestTakeOfAnotherKeyMissesAndEmpties(t *testing.T) {
	c, _ := newCache(t)
	c.Keep("a", "v1", &doc{1})
	if got, token, ok := c.Take("b"); ok || got != nil || token != "" {
		t.Errorf("Take(b) = %v, %q, %v; want a miss", got, token, ok)
	}
	if c.Holds("a") {
		t.Error("a miss left the document of another key in the cache")
	}
}

func TestKeepReplacesTheOlderVersion(t *testing.T) {
	c, _ := newCache(t)
	c.Keep("repo", "v1", &doc{1})
	c.Keep("repo", "v2", &doc{2})
	got, token, ok := c.Take("repo")
	if !ok || got.n != 2 || token != "v2" {
		t.Errorf("Take = %v, %q, %v; want the document of v2", got, token, ok)
	}
}

func TestIdleDocumentIsDropped(t *testing.T) {
	c, fc := newCache(t)
	c.Keep("repo", "v1", &doc{1})
	if len(fc.timers) != 1 || fc.timers[0].d != Idle {
		t.Fatalf("timers %+v, want one of %v", fc.timers, Idle)
	}
	fc.fire(0)
	if c.Holds("repo") {
		t.Error("the document outlived its idle time")
	}
	if _, _, ok := c.Take("repo"); ok {
		t.Error("an expired document was served")
	}
}

// The timer of a replaced document may fire late, as time.AfterFunc's
// Stop cannot always prevent; it must not drop the newer one, which gets
// its own full idle time.
func TestLateTimerSparesTheNewerDocument(t *testing.T) {
	c, fc := newCache(t)
	c.Keep("repo", "v1", &doc{1})
	c.Keep("repo", "v2", &doc{2})
	if !fc.timers[0].stopped {
		t.Error("the replaced document's timer was left running")
	}
	fc.fire(0)
	if !c.Holds("repo") {
		t.Fatal("a stale timer dropped the newer document")
	}
	fc.fire(1)
	if c.Holds("repo") {
		t.Error("the newer document outlived its own idle time")
	}
}

func TestTakeAndClearStopTheTimer(t *testing.T) {
	c, fc := newCache(t)
	c.Keep("repo", "v1", &doc{1})
	c.Take("repo")
	c.Keep("repo", "v2", &doc{2})
	c.Clear()
	for i, tm := range fc.timers {
		if !tm.stopped {
			t.Errorf("timer %d still running on an empty cache", i)
		}
	}
	if c.Holds("repo") {
		t.Error("Clear kept the document")
	}
}

// Under concurrent takers exactly one gets each kept document, so no two
// callers ever share it. Run with -race.
func TestConcurrentTakersNeverShare(t *testing.T) {
	c := &Cache[string, int, *doc]{}
	defer c.Clear()
	const rounds, takers = 200, 8
	var taken atomic.Int64
	for r := range rounds {
		c.Keep("repo", r, &doc{r})
		var wg sync.WaitGroup
		for range takers {
			wg.Go(func() {
				if d, token, ok := c.Take("repo"); ok {
					d.n = -1 // the taker's own now
					if token != r {
						t.Errorf("token %d, want %d", token, r)
					}
					taken.Add(1)
				}
				c.Holds("repo")
			})
		}
		wg.Wait()
	}
	if n := taken.Load(); n != rounds {
		t.Errorf("%d documents taken, want %d (one per Keep)", n, rounds)
	}
}

// With the real clock, a kept document goes away by itself, and keeping,
// taking and expiring may overlap. Run with -race.
func TestRealTimerDropsTheDocument(t *testing.T) {
	c := &Cache[string, int, *doc]{afterFunc: func(_ time.Duration, f func()) func() bool {
		return time.AfterFunc(time.Millisecond, f).Stop
	}}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 100 {
				c.Keep("repo", w*1000+i, &doc{i})
				c.Take("repo")
			}
		})
	}
	wg.Wait()
	c.Keep("repo", 1, &doc{1})
	for deadline := time.Now().Add(10 * time.Second); c.Holds("repo"); {
		if time.Now().After(deadline) {
			t.Fatal("the document was never dropped")
		}
		time.Sleep(time.Millisecond)
	}
}

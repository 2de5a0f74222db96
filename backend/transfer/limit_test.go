package transfer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coopterm/coop/internal/testservers"
)

// fill admits n transfers and finishes them all, as a saturated window.
func fill(t *testing.T, l *limiter, n int) {
	t.Helper()
	tks := make([]ticket, n)
	for i := range tks {
		tk, err := l.acquire(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		tks[i] = tk
	}
	for _, tk := range tks {
		l.done(tk)
	}
}

func TestLimiterGrowsHalvesAndGrowsBack(t *testing.T) {
	l := newLimiter(256, 1<<20)
	if got := l.current(); got != 256 {
		t.Fatalf("starts at %d, want the ceiling 256", got)
	}
	// Throttles halve it, once per burst.
	l.throttled()
	l.throttled()
	l.throttled()
	if got := l.current(); got != 128 {
		t.Errorf("after a burst of throttles: %d, want 128", got)
	}
	fill(t, l, l.current())
	if got := l.current(); got != 128+128/4 {
		t.Errorf("after a saturated window: %d, want %d", got, 128+128/4)
	}
	// A window that never reaches the limit does not grow it.
	before := l.current()
	for range before {
		fill(t, l, 1)
	}
	if got := l.current(); got != before {
		t.Errorf("an unsaturated window grew the limit %d → %d", before, got)
	}
	l.cutAt = time.Time{} // a new burst
	l.throttled()
	cut := l.current()
	if cut != before/2 {
		t.Errorf("after a second burst of throttles: %d, want %d", cut, before/2)
	}
	// Transfers in flight during a throttle do not count toward growing.
	tk, _ := l.acquire(context.Background(), 0)
	l.throttles++
	l.done(tk)
	if l.window != 0 {
		t.Errorf("a throttled transfer counted as a success")
	}
	for range 40 {
		fill(t, l, l.current())
	}
	if got := l.current(); got != 256 {
		t.Errorf("after 40 saturated windows: %d, want the ceiling 256", got)
	}
	// Never below the floor.
	for range 20 {
		l.cutAt = time.Time{}
		l.throttled()
	}
	if got := l.current(); got != minLimit {
		t.Errorf("after many throttles: %d, want the floor %d", got, minLimit)
	}
}

func TestLimiterMemoryBudget(t *testing.T) {
	l := newLimiter(64, 100)
	a, err := l.acquire(context.Background(), 80)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx, 30); err == nil {
		t.Fatal("a transfer past the budget was admitted")
	}
	got := make(chan error, 1)
	go func() {
		_, err := l.acquire(context.Background(), 30)
		got <- err
	}()
	l.done(a)
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	// Alone, a transfer larger than the budget still runs.
	l2 := newLimiter(64, 100)
	if _, err := l2.acquire(context.Background(), 500); err != nil {
		t.Fatal(err)
	}
}

// Against S3 answering SlowDown, the queue halves its transfers in
// flight, and grows them back once the store keeps up again.
func TestConcurrencyBacksOffUnderSlowDown(t *testing.T) {
	t.Parallel()
	e := newAWS(t)
	const workers = 32
	q := newQueue(t, e, Options{Workers: workers})
	if got := q.limit.current(); got != workers {
		t.Fatalf("starts at %d, want the ceiling %d", got, workers)
	}
	files := func(prefix string, n int) string {
		src := t.TempDir()
		fs := map[string][]byte{}
		for i := range n {
			fs[fmt.Sprintf("%s%03d.txt", prefix, i)] = content(prefix+fmt.Sprint(i), 100)
		}
		writeFiles(t, src, fs)
		return src
	}
	e.proxy.SetFaults(testservers.Fault{Op: "PutObject", Status: 503, Times: 60})
	j := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: files("a", 40), Remote: "slow", Policy: Fail})[0]
	wantState(t, q, j, Done)
	// Halved at least once: how many times depends on how the SDK's own
	// retries spread the SlowDowns over time (and the job's last files
	// may have grown it again).
	q.limit.mu.Lock()
	cut := q.limit.lowest
	q.limit.mu.Unlock()
	if cut > workers/2 || e.proxy.Injected() != 60 {
		t.Fatalf("after %d SlowDowns the limit is %d, want at most %d", e.proxy.Injected(), cut, workers/2)
	}
	e.proxy.SetFaults()
	j = run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: files("b", 400), Remote: "fast", Policy: Fail})[0]
	wantState(t, q, j, Done)
	if got := q.limit.current(); got <= cut {
		t.Errorf("once the store kept up the limit stayed at %d (cut to %d)", got, cut)
	} else {
		t.Logf("limit %d → cut to %d → grew back to %d", workers, cut, got)
	}
}

package transfer

import (
	"context"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// A job's rate is over its active time: the time it waited on an
// overwrite question with nothing else of it moving is left out, while
// the time its other files moved during the question counts. The clock
// is the test's, so the figures are exact.
func TestRateLeavesOutWaitingOnDecision(t *testing.T) {
	e := newLocal(t)
	gated := &gatedPut{Store: e.store, path: "d/b.txt", entered: make(chan struct{}), gate: make(chan struct{})}
	defer gated.open()
	e.store = gated
	clock := &fakeClock{at: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	src := t.TempDir()
	writeFiles(t, src, map[string][]byte{"d/a.txt": []byte("old")})
	q := newQueue(t, e, Options{clock: clock.now})
	wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: filepath.Join(src, "d"), Remote: "d", Policy: Fail})[0], Done)

	// a.txt clashes now; b.txt is new and held in PutObject.
	body := content("b", 3000)
	writeFiles(t, src, map[string][]byte{"d/a.txt": []byte("A2"), "d/b.txt": body})
	id, err := q.Submit(Spec{Kind: UploadTree, Repo: testRepo, Local: filepath.Join(src, "d"), Remote: "d", Policy: Ask})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-gated.entered:
	case <-time.After(2 * time.Minute):
		t.Fatal("b.txt never reached the store")
	}
	waitFor(t, q, id, func(j Job) bool { return j.State == NeedsDecision })

	// b.txt moves for 4 s while a.txt waits for its answer: counted.
	clock.advance(4 * time.Second)
	if j, _ := q.Job(id); j.Active != 4*time.Second {
		t.Fatalf("active %v while another file moved, want 4s", j.Active)
	}
	gated.open()
	waitFor(t, q, id, func(j Job) bool { return j.Files == 1 })
	// Now nothing moves: 100 s waiting on the question alone are left out.
	clock.advance(100 * time.Second)
	j, _ := q.Job(id)
	if j.State != NeedsDecision || j.Active != 4*time.Second {
		t.Fatalf("%s, active %v after waiting on the question alone, want 4s", j.State, j.Active)
	}
	if want := float64(len(body)) / 4; j.Rate != want {
		t.Fatalf("rate %.1f B/s, want %.1f (bytes over active time, not %.1f over the time since the start)", j.Rate, want, float64(len(body))/104)
	}

	// The answer starts the clock again; the last file takes 2 s.
	gated.hold("d/a.txt")
	if err := q.Decide(id, DecideOverwrite); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gated.entered:
	case <-time.After(2 * time.Minute):
		t.Fatal("a.txt never reached the store")
	}
	clock.advance(2 * time.Second)
	if j, _ := q.Job(id); j.Active != 6*time.Second {
		t.Fatalf("active %v while the answered file moves, want 6s", j.Active)
	}
	gated.open()
	ctx, cancel := contextTimeout(t)
	defer cancel()
	if err := q.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	j, _ = q.Job(id)
	wantState(t, q, j, Done)
	if j.Active != 6*time.Second || j.Finished.Sub(j.Started) != 106*time.Second {
		t.Fatalf("finished job: active %v of %v, want 6s of 106s", j.Active, j.Finished.Sub(j.Started))
	}
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

// gatedPut holds the writes of one path until open is called, telling
// entered when the first arrives.
type gatedPut struct {
	backend.Store
	mu      sync.Mutex
	path    string
	entered chan struct{}
	gate    chan struct{}
	opened  bool
}

// open lets the held path through.
func (g *gatedPut) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.opened {
		g.opened = true
		close(g.gate)
	}
}

// hold holds path from now on, with a new gate.
func (g *gatedPut) hold(path string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.path, g.opened = path, false
	g.entered, g.gate = make(chan struct{}), make(chan struct{})
}

func (g *gatedPut) PutObject(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	g.mu.Lock()
	held := p == g.path && !g.opened
	entered, gate := g.entered, g.gate
	if held {
		select {
		case <-entered:
		default:
			close(entered)
		}
	}
	g.mu.Unlock()
	if held {
		select {
		case <-gate:
		case <-ctx.Done():
			return backend.ObjectInfo{}, ctx.Err()
		}
	}
	return g.Store.PutObject(ctx, repo, p, r, size)
}

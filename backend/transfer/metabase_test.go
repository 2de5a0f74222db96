package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coopterm/coop/backend"
)

// The first upload into a repository that has objects but no metadata
// document writes a whole document: an entry for every object already
// there, read as repo repair reads them, besides the new one — and the
// queue says, while it reads them, what it is doing.
func TestFirstWriteRecordsExistingObjects(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := t.Context()
		for i := range 8 {
			p := fmt.Sprintf("old/%d.txt", i)
			if i == 7 {
				p = "top.csv"
			}
			body := []byte(strings.Repeat("x", i+1))
			if _, err := e.store.PutObject(ctx, testRepo, p, bytes.NewReader(body), int64(len(body))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.store.ReadObjectMetadata(ctx, testRepo, "top.csv"); !errors.Is(err, backend.ErrMetadataMissing) {
			t.Fatalf("the repository has a document already: %v", err)
		}
		src := t.TempDir()
		writeFiles(t, src, map[string][]byte{"new.txt": []byte("new")})
		// The existing files are read only once the note saying so was seen.
		gated := &gatedGets{Store: e.store, gate: make(chan struct{})}
		e.store = gated
		q := newQueue(t, e, Options{Workers: 4})
		notes := watchNotes(t, q, func(note string) {
			if strings.Contains(note, "recording the files already there") {
				gated.open()
			}
		})
		job := run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "new.txt"), Remote: "new.txt"})[0]
		gated.open() // for the checks below, whatever the queue did
		wantState(t, q, job, Done)
		objs := checkMetadata(t, e.store, testRepo)
		if len(objs) != 9 {
			t.Errorf("%d objects, want 9", len(objs))
		}
		if got := notes(); !strings.Contains(got, "recording the files already there") {
			t.Errorf("no progress note while the existing files were read: %q", got)
		}
	})
}

// gatedGets holds every read of an object until open is called.
type gatedGets struct {
	backend.Store
	gate chan struct{}
	once sync.Once
}

func (g *gatedGets) open() { g.once.Do(func() { close(g.gate) }) }

func (g *gatedGets) GetObject(ctx context.Context, repo backend.RepoRef, p string) (io.ReadCloser, backend.ObjectInfo, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, backend.ObjectInfo{}, ctx.Err()
	}
	return g.Store.GetObject(ctx, repo, p)
}

// watchNotes collects the notes of q's updates, telling seen of each; the
// function it returns gives them all once the job is over.
func watchNotes(t *testing.T, q *Queue, seen func(string)) func() string {
	sub := q.Subscribe()
	var (
		mu    sync.Mutex
		notes []string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			u, err := sub.Next(context.Background())
			if err != nil {
				return
			}
			if u.Totals.Note != "" {
				seen(u.Totals.Note)
				mu.Lock()
				notes = append(notes, u.Totals.Note)
				mu.Unlock()
			}
		}
	}()
	return func() string {
		sub.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(notes, "\n")
	}
}

// slowMeta makes every metadata write take at least d, as rewriting a
// document of millions of entries does, and records when each ran.
type slowMeta struct {
	backend.Store
	d     time.Duration
	mu    sync.Mutex
	spans [][2]time.Time // start, end
}

func (s *slowMeta) UpdateMetadata(ctx context.Context, repo backend.RepoRef, b *backend.MetadataBatch) (backend.MetadataResult, error) {
	start := time.Now()
	_ = backend.Sleep(ctx, s.d)
	res, err := s.Store.UpdateMetadata(ctx, repo, b)
	s.mu.Lock()
	s.spans = append(s.spans, [2]time.Time{start, time.Now()})
	s.mu.Unlock()
	return res, err
}

// Writes of a costly document are spaced by what they cost: after each
// write, the next waits at least four times as long as it took, so that
// rewriting takes at most a fifth of a long job's time — far fewer writes
// than the batch size alone would make — and the job still ends with the
// document complete (the end's one write is not paced).
func TestMetadataWritesArePacedByTheirCost(t *testing.T) {
	e := newLocal(t)
	slow := &slowMeta{Store: e.store, d: 40 * time.Millisecond}
	e.store = slow
	src := t.TempDir()
	const n, batch = 1500, 20
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("f%04d", i)] = []byte{byte(i)}
	}
	writeFiles(t, src, files)
	// One worker, so that the job lasts many write times and finished
	// files keep coming, with a short interval and a small batch that
	// pacing overrides (a write for every 20 files would take about half
	// the job's time here).
	q := newQueue(t, e, Options{Workers: 1, MetadataInterval: 10 * time.Millisecond, MetadataBatch: batch})
	start := time.Now()
	job := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "p", Policy: Overwrite})
	took := time.Since(start)
	wantState(t, q, job[0], Done)
	if objs := checkMetadata(t, slow, testRepo); len(objs) != n {
		t.Errorf("%d objects recorded, want %d", len(objs), n)
	}
	slow.mu.Lock()
	spans := slow.spans
	slow.mu.Unlock()
	var spent time.Duration
	for i, s := range spans {
		spent += s[1].Sub(s[0])
		if i+2 >= len(spans) {
			// The job's end writes at once, in one write.
			continue
		}
		if gap, cost := spans[i+1][0].Sub(s[1]), s[1].Sub(s[0]); gap < 4*cost {
			t.Errorf("write %d started %v after write %d ended, which took %v: want at least 4 times that", i+2, gap, i+1, cost)
		}
	}
	if len(spans) < 3 || len(spans) >= n/batch/2 {
		t.Errorf("%d writes for %d files, want more than 2 (paced, not all at the end) and far fewer than one per %d files", len(spans), n, batch)
	}
	t.Logf("%d writes, %v of %v", len(spans), spent, took)
}

// checkBeside holds each object's upload until the queue has asked
// whether the repository has a document, or until a generous timeout;
// asked says whether it had by then.
type checkBeside struct {
	backend.Store
	checked   chan struct{}
	once      sync.Once
	mu        sync.Mutex
	asked     []bool
	metaReads int
}

func (c *checkBeside) ReadObjectMetadata(ctx context.Context, repo backend.RepoRef, p string) (backend.ObjectMeta, error) {
	c.mu.Lock()
	c.metaReads++
	c.mu.Unlock()
	c.once.Do(func() { close(c.checked) })
	return c.Store.ReadObjectMetadata(ctx, repo, p)
}

func (c *checkBeside) PutObject(ctx context.Context, repo backend.RepoRef, p string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	asked := true
	select {
	case <-c.checked:
	case <-time.After(5 * time.Second):
		asked = false
	}
	c.mu.Lock()
	c.asked = append(c.asked, asked)
	c.mu.Unlock()
	return c.Store.PutObject(ctx, repo, p, r, size)
}

// The first write's question — has the repository a document? — is asked
// while the objects upload, not after them, so that it costs no round
// trip of its own; it is asked once per queue and repository, and the
// first write still records what was there before.
func TestDocumentCheckedBesideTheUpload(t *testing.T) {
	for _, withDoc := range []bool{true, false} {
		t.Run(fmt.Sprint("document=", withDoc), func(t *testing.T) {
			e := newLocal(t)
			ctx := t.Context()
			if withDoc { // recorded by an earlier upload
				dir := t.TempDir()
				writeFiles(t, dir, map[string][]byte{"old.txt": []byte("old")})
				q := newQueue(t, e, Options{})
				wantState(t, q, run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(dir, "old.txt"), Remote: "old.txt"})[0], Done)
			} else if _, err := e.store.PutObject(ctx, testRepo, "old.txt", strings.NewReader("old"), 3); err != nil {
				t.Fatal(err)
			}
			c := &checkBeside{Store: e.store, checked: make(chan struct{})}
			e.store = c
			src := t.TempDir()
			writeFiles(t, src, map[string][]byte{"a.txt": []byte("a"), "b.txt": []byte("b")})
			q := newQueue(t, e, Options{Workers: 2})
			jobs := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "new", Policy: Overwrite})
			wantState(t, q, jobs[0], Done)
			c.mu.Lock()
			asked, reads := c.asked, c.metaReads
			c.mu.Unlock()
			for i, a := range asked {
				if !a {
					t.Errorf("upload %d ran to its end before the document was checked", i+1)
				}
			}
			if reads != 1 {
				t.Errorf("%d metadata reads, want 1 (the check)", reads)
			}
			if objs := checkMetadata(t, e.store, testRepo); len(objs) != 3 {
				t.Errorf("%d objects recorded, want 3", len(objs))
			}
		})
	}
}

// A job ends with exactly one metadata write, which makes the document
// match the objects: the last file's change joins what waited, rather
// than following it in a write of its own.
func TestJobEndsWithOneWrite(t *testing.T) {
	e := newLocal(t)
	counted := &slowMeta{Store: e.store}
	e.store = counted
	// Writes wait for the job's end: a long interval and a large batch.
	q := newQueue(t, e, Options{Workers: 4, MetadataInterval: time.Hour, MetadataBatch: 1000})
	const jobs, files = 50, 4
	for i := range jobs {
		src := t.TempDir()
		fs := map[string][]byte{}
		for f := range files {
			fs[fmt.Sprintf("f%d.txt", f)] = []byte(fmt.Sprint(i, f))
		}
		writeFiles(t, src, fs)
		counted.mu.Lock()
		before := len(counted.spans)
		counted.mu.Unlock()
		wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: fmt.Sprintf("j%02d", i)})[0], Done)
		counted.mu.Lock()
		writes := len(counted.spans) - before
		counted.mu.Unlock()
		if writes != 1 {
			t.Errorf("job %d: %d metadata writes, want exactly 1", i+1, writes)
		}
	}
	if objs := checkMetadata(t, e.store, testRepo); len(objs) != jobs*files {
		t.Errorf("%d objects recorded, want %d", len(objs), jobs*files)
	}
}

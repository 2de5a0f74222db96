package transfer

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A decision wakes subscribers: skipping one parked file (which moves no
// bytes and leaves nothing in flight) must still produce an Update that
// asks about the next one, or a browser's dialog would never come back.
func TestDecideWakesSubscribers(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		writeFiles(t, src, map[string][]byte{"d/a.txt": []byte("a"), "d/b.txt": []byte("b")})
		q := newQueue(t, e, Options{})
		wantState(t, q, run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: filepath.Join(src, "d"), Remote: "d", Policy: Fail})[0], Done)
		// Other content, so that the files clash rather than match.
		writeFiles(t, src, map[string][]byte{"d/a.txt": []byte("A2"), "d/b.txt": []byte("B2")})

		sub := q.Subscribe()
		defer sub.Close()
		id, err := q.Submit(Spec{Kind: UploadTree, Repo: testRepo, Local: filepath.Join(src, "d"), Remote: "d", Policy: Ask})
		if err != nil {
			t.Fatal(err)
		}
		// A reader blocks in Next all along, as a browser's does.
		updates := make(chan Update, 100)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			defer close(updates)
			for {
				u, err := sub.Next(ctx)
				if err != nil {
					return
				}
				updates <- u
			}
		}()
		// settle takes Updates until none comes for a while, and returns
		// the job as the last one showed it.
		var last Job
		settle := func() Job {
			t.Helper()
			for {
				select {
				case u := <-updates:
					for _, j := range u.Jobs {
						if j.ID == id {
							last = j
						}
					}
				case <-time.After(time.Second):
					return last
				}
			}
		}
		first := settle()
		if first.State != NeedsDecision || first.Counting {
			t.Fatalf("job %s (counting %v), want a question", first.State, first.Counting)
		}
		for i, want := range []State{NeedsDecision, Done} {
			before := last
			if err := q.Decide(id, DecideSkip); err != nil {
				t.Fatal(err)
			}
			got := settle()
			if got.State != want || (want == NeedsDecision && got.Conflict == before.Conflict) {
				t.Fatalf("after skip %d the subscriber saw the job %s asking about %q (before: %q), want %s",
					i+1, got.State, got.Conflict, before.Conflict, want)
			}
		}
		if last.Skipped != 2 {
			t.Fatalf("%d skipped", last.Skipped)
		}
	})
}

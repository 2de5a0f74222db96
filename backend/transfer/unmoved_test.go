package transfer

import (
	"testing"
)

// Files skipped as identical to what is there count toward a job's
// progress but not as bytes moved: Unmoved holds them, so that rates and
// "transferred" totals leave them out; a finished job has no rate.
func TestIdenticalFilesAreNotMoved(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		files := map[string][]byte{"a.txt": []byte("alpha"), "b.txt": []byte("bravo!")}
		writeFiles(t, src, files)
		q := newQueue(t, e, Options{})
		first := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "up", Policy: Fail})[0]
		wantState(t, q, first, Done)
		if first.Unmoved != 0 || first.Bytes != 11 {
			t.Fatalf("first upload: %d bytes, %d unmoved", first.Bytes, first.Unmoved)
		}
		again := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "up", Policy: Fail})[0]
		wantState(t, q, again, Done)
		if again.Skipped != 2 || again.Bytes != 11 || again.Unmoved != 11 {
			t.Fatalf("identical upload: skipped %d, %d bytes, %d unmoved; want 2, 11, 11", again.Skipped, again.Bytes, again.Unmoved)
		}
		if again.Rate != 0 || again.ETA != 0 {
			t.Fatalf("finished job has rate %v, ETA %v", again.Rate, again.ETA)
		}
	})
}

package transfer

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/coopterm/coop/backend"
)

// A tree goes up, comes back identical, and is deleted again, part by
// part; after each step the metadata matches the objects exactly.
func TestTreeRoundTrip(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		files := map[string][]byte{
			"a.csv":              content("a", 1000),
			"empty.txt":          {},
			"sub/b.json":         []byte(`{"b": 1}`),
			"sub/deeper/c.bin":   content("c", 70_000),
			"sub/deeper/d.txt":   []byte("d"),
			"other/big.bin":      content("big", 40<<20+123), // multipart up, ranges down
			"unicode/é ü 名前.txt": []byte("names"),
		}
		writeFiles(t, src, files)
		q := newQueue(t, e, Options{Workers: 4})

		up := run(t, q, Spec{Kind: UploadTree, Repo: testRepo, Local: src, Remote: "in"})[0]
		wantState(t, q, up, Done)
		if up.Files != int64(len(files)) || up.TotalFiles != up.Files || up.Bytes != up.TotalBytes {
			t.Errorf("upload job counts: %+v", up)
		}
		objs := checkMetadata(t, e.store, testRepo)
		if len(objs) != len(files) {
			t.Fatalf("stored %d objects, want %d", len(objs), len(files))
		}

		dst := filepath.Join(t.TempDir(), "back")
		down := run(t, q, Spec{Kind: DownloadTree, Repo: testRepo, Local: dst, Remote: "in"})[0]
		wantState(t, q, down, Done)
		sameFiles(t, dst, files)

		one := filepath.Join(t.TempDir(), "one.bin")
		wantState(t, q, run(t, q, Spec{Kind: DownloadFile, Repo: testRepo, Local: one, Remote: "in/other/big.bin"})[0], Done)
		sameFiles(t, filepath.Dir(one), map[string][]byte{"one.bin": files["other/big.bin"]})

		del := run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: "in/sub"})[0]
		wantState(t, q, del, Done)
		if del.Files != 3 {
			t.Errorf("deleted %d files, want 3", del.Files)
		}
		left := checkMetadata(t, e.store, testRepo)
		if len(left) != len(files)-3 {
			t.Errorf("%d objects left, want %d", len(left), len(files)-3)
		}
		wantState(t, q, run(t, q, Spec{Kind: DeleteFile, Repo: testRepo, Remote: "in/a.csv"})[0], Done)
		checkMetadata(t, e.store, testRepo)
		wantState(t, q, run(t, q, Spec{Kind: DeleteTree, Repo: testRepo, Remote: ""})[0], Done)
		if left := checkMetadata(t, e.store, testRepo); len(left) != 0 {
			t.Errorf("objects left after deleting everything: %v", slicesOf(left))
		}
	})
}

// An existing object is never replaced unless the policy or a decision
// says so.
func TestOverwritePolicies(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		file := filepath.Join(src, "f.txt")
		writeFiles(t, src, map[string][]byte{"f.txt": []byte("first")})
		q := newQueue(t, e, Options{})
		wantState(t, q, run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: file, Remote: "f.txt", Policy: Fail})[0], Done)
		md, err := backend.LoadMetadata(t.Context(), e.store, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		first := md.Objects["f.txt"]

		writeFiles(t, src, map[string][]byte{"f.txt": []byte("second")})
		j := run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: file, Remote: "f.txt", Policy: Fail})[0]
		wantState(t, q, j, Failed)
		if !errors.Is(j.Err, ErrWouldOverwrite) {
			t.Errorf("Fail policy: err %v, want ErrWouldOverwrite", j.Err)
		}
		j = run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: file, Remote: "f.txt", Policy: Skip})[0]
		wantState(t, q, j, Done)
		if j.Skipped != 1 {
			t.Errorf("Skip policy: skipped %d", j.Skipped)
		}
		if got := checkMetadata(t, e.store, testRepo)["f.txt"]; string(got) != "first" {
			t.Fatalf("object replaced without leave: %q", got)
		}

		// Ask: the job waits for a decision, which the test gives.
		id, err := q.Submit(Spec{Kind: UploadFile, Repo: testRepo, Local: file, Remote: "f.txt", Policy: Ask})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, q, id, func(j Job) bool { return j.State == NeedsDecision })
		if j, _ := q.Job(id); j.Conflict != "f.txt" || j.ConflictWith != file {
			t.Errorf("conflict path %q, with %q", j.Conflict, j.ConflictWith)
		}
		if err := q.Decide(id, DecideOverwrite); err != nil {
			t.Fatal(err)
		}
		waitFor(t, q, id, func(j Job) bool { return j.State == Done })
		objs := checkMetadata(t, e.store, testRepo)
		if string(objs["f.txt"]) != "second" {
			t.Errorf("after DecideOverwrite: %q", objs["f.txt"])
		}
		md, err = backend.LoadMetadata(t.Context(), e.store, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		if now := md.Objects["f.txt"]; now.ID != first.ID || !now.CreatedAt.Equal(first.CreatedAt) || now.Checksum == first.Checksum {
			t.Errorf("replaced entry should keep id and creation time and change checksum: before %+v, after %+v", first, now)
		}

		// Downloads ask about local files the same way.
		dst := filepath.Join(t.TempDir(), "f.txt")
		writeFiles(t, filepath.Dir(dst), map[string][]byte{"f.txt": []byte("local")})
		j = run(t, q, Spec{Kind: DownloadFile, Repo: testRepo, Local: dst, Remote: "f.txt", Policy: Fail})[0]
		wantState(t, q, j, Failed)
		if b, _ := os.ReadFile(dst); string(b) != "local" {
			t.Errorf("local file replaced: %q", b)
		}
		id, _ = q.Submit(Spec{Kind: DownloadFile, Repo: testRepo, Local: dst, Remote: "f.txt", Policy: Ask})
		waitFor(t, q, id, func(j Job) bool { return j.State == NeedsDecision })
		if j, _ := q.Job(id); j.Conflict != dst || j.ConflictWith != "f.txt" {
			t.Errorf("download conflict path %q, with %q", j.Conflict, j.ConflictWith)
		}
		_ = q.Decide(id, DecideSkipAll)
		waitFor(t, q, id, func(j Job) bool { return j.State == Done && j.Skipped == 1 })
		wantState(t, q, run(t, q, Spec{Kind: DownloadFile, Repo: testRepo, Local: dst, Remote: "f.txt", Policy: Overwrite})[0], Done)
		if b, _ := os.ReadFile(dst); string(b) != "second" {
			t.Errorf("Overwrite download: %q", b)
		}
	})
}

func slicesOf(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		out = append(out, k)
	}
	return out
}

// waitFor polls job id until ok or a time-out.
func waitFor(t *testing.T, q *Queue, id JobID, ok func(Job) bool) Job {
	t.Helper()
	sub := q.Subscribe()
	defer sub.Close()
	for {
		j, found := q.Job(id)
		if !found {
			t.Fatalf("job %d gone", id)
		}
		if ok(j) {
			return j
		}
		ctx, cancel := contextTimeout(t)
		_, err := sub.Next(ctx)
		cancel()
		if err != nil {
			j, _ := q.Job(id)
			t.Fatalf("job %d never got there: %+v (%v)", id, j, q.ItemErrors(id))
		}
	}
}

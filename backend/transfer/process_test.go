package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/aws"
	"github.com/coopterm/coop/backend/local"
)

// childSpec is what a child process (this test binary, re-executed with
// childEnv set) does: open the store and run one job to the end.
type childSpec struct {
	Root    string     // local store root, or
	AWS     aws.Config // an AWS store
	Spec    Spec
	Workers int
	// FileLimit caps the size of any file the child writes (RLIMIT_FSIZE),
	// so that a write past it fails as on a full disk.
	FileLimit uint64
}

// childMain runs a childSpec; its exit code is 0 if the job is Done.
func childMain() int {
	var c childSpec
	if err := json.Unmarshal([]byte(os.Getenv(childEnv)), &c); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx := context.Background()
	if c.FileLimit > 0 {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: c.FileLimit, Max: c.FileLimit}); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 2
		}
	}
	var store backend.Store
	var err error
	if c.Root != "" {
		store, err = local.Open(c.Root)
	} else {
		store, err = aws.Open(ctx, c.AWS)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	q := New(ctx, store, Options{Workers: c.Workers})
	id, err := q.Submit(c.Spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	if err := q.Wait(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	j, _ := q.Job(id)
	_ = q.Close()
	if j.State != Done {
		fmt.Fprintf(os.Stderr, "child: job %s: %v %v\n", j.State, j.Err, q.ItemErrors(id))
		return 1
	}
	return 0
}

// startChild starts this test binary as a child running spec on e's store.
func startChild(t *testing.T, e *env, spec Spec) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	return startChildSpec(t, childSpec{Root: e.root, AWS: e.cfg, Spec: spec, Workers: 8})
}

// startChildSpec starts this test binary as a child running c.
func startChildSpec(t *testing.T, c childSpec) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// Two processes upload 300 different files each into one folder of one
// repository at the same time: the metadata ends with all 600, each with
// its right checksum, whichever process wrote last.
func TestTwoProcessesUploadIntoOneRepository(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		var cmds []*exec.Cmd
		var outs []*strings.Builder
		want := map[string][]byte{}
		for p := 1; p <= 2; p++ {
			dir := filepath.Join(t.TempDir(), fmt.Sprintf("p%d", p))
			files := map[string][]byte{}
			for i := range 300 {
				name := fmt.Sprintf("p%d-%03d.dat", p, i)
				files[name] = content(name, 100+i*7)
				want["shared/"+name] = files[name]
			}
			writeFiles(t, dir, files)
			cmd, out := startChild(t, e, Spec{Kind: UploadTree, Repo: testRepo, Local: dir, Remote: "shared", Policy: Fail})
			cmds, outs = append(cmds, cmd), append(outs, out)
		}
		for i, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("child %d: %v\n%s", i+1, err, outs[i])
			}
		}
		objs := checkMetadata(t, e.store, testRepo)
		md, err := backend.LoadMetadata(t.Context(), e.store, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		files := 0
		for p, m := range md.Objects {
			if m.Type == backend.TypeFile {
				files++
				if m.Checksum != sha(want[p]) {
					t.Errorf("%s: checksum %s, want %s", p, m.Checksum, sha(want[p]))
				}
			}
		}
		if files != 600 || len(objs) != 600 {
			t.Errorf("%d file entries and %d objects, want 600 of each", files, len(objs))
		}
	})
}

// kill -9 in the middle of an upload leaves no object under its final
// name and a readable metadata file; the next upload into that folder
// removes what the killed one left (a temporary file, an unfinished
// multipart upload).
func TestKilledUploadLeavesNothingHalfWritten(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		size := 128 << 20
		if e.name == "aws" {
			size = 40 << 20
			e.proxy.SetRate(8 << 20) // slow enough to catch in the act
		}
		writeFiles(t, src, map[string][]byte{"big.bin": content("big", size), "small.txt": []byte("small")})
		// A first, finished upload: its entry must survive the crash.
		q := newQueue(t, e, Options{})
		wantState(t, q, run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "small.txt"), Remote: "dir/small.txt"})[0], Done)

		// The child is killed once its upload has left something behind; a
		// child the load let finish before it was seen is run again under
		// another name (the finished copy stays, as any stored file would).
		remote := ""
		for attempt := 1; remote == ""; attempt++ {
			name := fmt.Sprintf("dir/big-%d.bin", attempt)
			cmd, out := startChild(t, e, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "big.bin"), Remote: name})
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			caught := eventuallyUnless(60*time.Second, exited, func() bool { return leftovers(t, e, "dir") > 0 })
			if caught {
				remote = name
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
					t.Fatal(err)
				}
			}
			if err := <-exited; !caught && (err != nil || attempt == 3) {
				t.Fatalf("the child's upload was not caught in the act (attempt %d, exit %v):\n%s", attempt, err, out)
			}
		}
		if e.proxy != nil {
			e.proxy.SetRate(0)
		}

		if _, err := e.store.StatObject(t.Context(), testRepo, remote); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("after kill -9: StatObject of the half-sent object: %v, want not found", err)
		}
		md, err := backend.LoadMetadata(t.Context(), e.store, testRepo)
		if err != nil {
			t.Fatalf("after kill -9 the metadata does not read: %v", err)
		}
		if _, ok := md.Objects["dir/small.txt"]; !ok {
			t.Error("after kill -9 the earlier entry is gone")
		}
		if n := leftovers(t, e, "dir"); n == 0 {
			t.Error("the killed upload left nothing to clean up; the test did not catch it in the act")
		}

		q2 := newQueue(t, e, Options{})
		wantState(t, q2, run(t, q2, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "big.bin"), Remote: remote})[0], Done)
		if n := leftovers(t, e, "dir"); n != 0 {
			t.Errorf("%d leftovers of the killed upload remain after the next one", n)
		}
		checkMetadata(t, e.store, testRepo)
	})
}

// eventuallyUnless polls ok until it holds or d passes, and gives up
// early once stop yields (the value is put back for the caller).
func eventuallyUnless(d time.Duration, stop chan error, ok func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return true
		}
		select {
		case err := <-stop:
			stop <- err
			return ok()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return false
}

// leftovers counts what unfinished uploads left in folder: temporary
// files (local) or multipart uploads (S3).
func leftovers(t *testing.T, e *env, folder string) int {
	t.Helper()
	if e.name == "local" {
		n := 0
		_ = filepath.WalkDir(filepath.Join(e.root, testRepo.AccountID, testRepo.RepositoryID, folder), func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(d.Name(), local.TempPrefix) {
				n++
			}
			return nil
		})
		return n
	}
	prefix := testRepo.AccountID + "/" + testRepo.RepositoryID + "/"
	if folder != "" {
		prefix += folder + "/"
	}
	out, err := servers.S3(t).Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &e.cfg.Bucket, Prefix: &prefix})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	return len(out.Uploads)
}

// A full disk (here: a file-size limit) fails the file being written with
// the system's reason, and leaves neither it nor a temporary file.
func TestFullDiskFailsCleanly(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		src := t.TempDir()
		writeFiles(t, src, map[string][]byte{"big.bin": content("big", 3<<20)})
		q := newQueue(t, e, Options{})
		wantState(t, q, run(t, q, Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "big.bin"), Remote: "big.bin"})[0], Done)

		dst := t.TempDir()
		cmd, out := startChildSpec(t, childSpec{Root: e.root, AWS: e.cfg, Workers: 2, FileLimit: 1 << 20,
			Spec: Spec{Kind: DownloadFile, Repo: testRepo, Local: filepath.Join(dst, "big.bin"), Remote: "big.bin"}})
		if err := cmd.Wait(); err == nil || !strings.Contains(out.String(), "file too large") {
			t.Errorf("download past the limit: %v\n%s", err, out)
		}
		if ents, _ := os.ReadDir(dst); len(ents) != 0 {
			t.Errorf("the failed download left %v", ents)
		}
		if e.name != "local" {
			return
		}
		cmd, out = startChildSpec(t, childSpec{Root: e.root, Workers: 2, FileLimit: 1 << 20,
			Spec: Spec{Kind: UploadFile, Repo: testRepo, Local: filepath.Join(src, "big.bin"), Remote: "again.bin"}})
		if err := cmd.Wait(); err == nil || !strings.Contains(out.String(), "file too large") {
			t.Errorf("upload past the limit: %v\n%s", err, out)
		}
		if _, err := e.store.StatObject(t.Context(), testRepo, "again.bin"); !errors.Is(err, backend.ErrNotFound) {
			t.Errorf("the failed upload is visible: %v", err)
		}
		if n := leftovers(t, e, ""); n != 0 {
			t.Errorf("the failed upload left %d temporary files", n)
		}
		checkMetadata(t, e.store, testRepo)
	})
}

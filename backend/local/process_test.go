package local_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/local"
)

// helperEnv makes the test binary act as another coop process: see
// TestMain and runHelper.
const helperEnv = "COOP_LOCAL_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := runHelper(mode, os.Getenv("COOP_LOCAL_TEST_ROOT")); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var helperRef = backend.RepoRef{AccountID: "acct", RepositoryID: "repo"}

// runHelper is the other process. Modes:
//   - "write:PREFIX:N": N metadata updates, each adding PREFIX-i.
//   - "hold-metadata": take the repository's metadata lock, print
//     "locked", keep it until stdin closes.
//   - "hold-catalog": open catalog.db read-write, print "locked", keep it
//     until stdin closes.
func runHelper(mode, root string) error {
	ctx := context.Background()
	waitStdin := func() { _, _ = bufio.NewReader(os.Stdin).ReadString('\n') }
	switch {
	case strings.HasPrefix(mode, "write:"):
		parts := strings.Split(mode, ":")
		n, _ := strconv.Atoi(parts[2])
		s, err := local.Open(root, local.WithLockTimeout(20*time.Second))
		if err != nil {
			return err
		}
		for i := range n {
			p := fmt.Sprintf("%s-%03d", parts[1], i)
			if err := s.UpdateObjectMetadata(ctx, helperRef, p, &backend.ObjectMeta{ID: p, Type: backend.TypeFile}); err != nil {
				return err
			}
		}
		return nil
	case mode == "hold-metadata":
		s, err := local.Open(root)
		if err != nil {
			return err
		}
		// The repository has no document yet, so the store asks for the
		// batch's base under the lock: hold it there.
		b := backend.NewMetadataBatch(time.Time{})
		b.SetBase(func(_ context.Context, emit func(backend.MetadataEntry) error) error {
			fmt.Println("locked")
			waitStdin()
			return emit(backend.MetadataEntry{Path: "from-helper", Meta: backend.ObjectMeta{ID: "helper", Type: backend.TypeFile}})
		})
		b.Delete("nothing")
		_, err = s.UpdateMetadata(ctx, helperRef, b)
		return err
	case mode == "hold-catalog":
		db, err := bolt.Open(filepath.Join(root, local.StateDir, local.CatalogFile), 0o644, &bolt.Options{Timeout: time.Second})
		if err != nil {
			return err
		}
		fmt.Println("locked")
		waitStdin()
		return db.Close()
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// helper starts the test binary as another process in mode on root.
// When wantLocked, it waits until the helper reports holding its lock;
// release (closing its stdin) lets it finish, and wait reaps it.
func helper(t *testing.T, root, mode string, wantLocked bool) (release func(), wait func() error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "COOP_LOCAL_TEST_ROOT="+root)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	if wantLocked {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || strings.TrimSpace(line) != "locked" {
			t.Fatalf("helper %s did not take its lock: %q %v", mode, line, err)
		}
	}
	return func() { stdin.Close() }, cmd.Wait
}

// The metadata lock is an flock, so it holds against other processes:
// while another process is inside UpdateMetadata, this one waits, and
// gives up with ErrLocked naming that process.
func TestMetadataLockAcrossProcesses(t *testing.T) {
	s := newStore(t)
	ref := newRef(t, s)
	ctx := t.Context()
	release, wait := helper(t, s.Root(), "hold-metadata", true)

	short, err := local.Open(s.Root(), local.WithLockTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	err = short.UpdateObjectMetadata(ctx, ref, "from-test", &backend.ObjectMeta{ID: "test"})
	if !errors.Is(err, backend.ErrLocked) {
		t.Fatalf("update while another process holds the lock: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "pid ") || strings.Contains(err.Error(), "this process") {
		t.Errorf("lock error does not name the other process: %v", err)
	}

	done := make(chan error, 1)
	go func() { // a patient writer waits for the helper and then succeeds
		done <- s.UpdateObjectMetadata(ctx, ref, "from-test", &backend.ObjectMeta{ID: "test"})
	}()
	select {
	case err := <-done:
		t.Fatalf("update finished while the other process held the lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	release()
	if err := wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m, err := backend.LoadMetadata(ctx, s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Objects["from-helper"]; !ok || len(m.Objects) != 2 {
		t.Errorf("objects after both processes wrote: %v", m.Objects)
	}
}

// Three processes writing metadata at once lose nothing.
func TestMetadataWritersInThreeProcesses(t *testing.T) {
	s := newStore(t, local.WithLockTimeout(20*time.Second)) // as patient as the helpers, on a loaded machine
	ref := newRef(t, s)
	const n = 25
	var waits []func() error
	for _, p := range []string{"one", "two"} {
		_, wait := helper(t, s.Root(), fmt.Sprintf("write:%s:%d", p, n), false)
		waits = append(waits, wait)
	}
	for i := range n {
		p := fmt.Sprintf("three-%03d", i)
		if err := s.UpdateObjectMetadata(t.Context(), ref, p, &backend.ObjectMeta{ID: p}); err != nil {
			t.Fatal(err)
		}
	}
	for _, wait := range waits {
		if err := wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	m, err := backend.LoadMetadata(t.Context(), s, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != 3*n {
		t.Errorf("%d of %d updates from three processes kept", len(m.Objects), 3*n)
	}
}

// A catalog held open for writing by another process makes reads wait
// and then fail with ErrLocked, naming the process and what to do.
func TestCatalogLockedByAnotherProcess(t *testing.T) {
	s := newStore(t)
	newRef(t, s)
	release, wait := helper(t, s.Root(), "hold-catalog", true)
	short, err := local.Open(s.Root(), local.WithLockTimeout(300*time.Millisecond), local.WithoutAdoption())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = short.FindAccount(t.Context(), "acct")
	if !errors.Is(err, backend.ErrLocked) {
		t.Fatalf("read while another process writes: %v, want ErrLocked", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("waited %v for a 300ms timeout", d)
	}
	msg := err.Error()
	if !strings.Contains(msg, "held by pid ") || !strings.Contains(msg, "retry") {
		t.Errorf("message does not name the holder and the remedy: %s", msg)
	}
	t.Log(msg)
	release()
	if err := wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	if _, err := short.FindAccount(t.Context(), "acct"); err != nil {
		t.Errorf("read after the other process let go: %v", err)
	}
}

package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/coopterm/coop/backend"
)

// repoLocks holds one in-process lock per repository. A lock is a channel
// with room for one token, so waiting for it can give up when ctx ends.
type repoLocks struct {
	mu sync.Mutex
	m  map[backend.RepoRef]chan struct{}
}

func newRepoLocks() *repoLocks { return &repoLocks{m: map[backend.RepoRef]chan struct{}{}} }

func (l *repoLocks) get(ref backend.RepoRef) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.m[ref]
	if !ok {
		ch = make(chan struct{}, 1)
		l.m[ref] = ch
	}
	return ch
}

// lockRepo takes the repository's metadata lock: first the Store's own
// (goroutines of this process queue there without polling), then an
// exclusive flock on {root}/.coop/locks/{account}.{repository}.lock, which
// other processes and other Stores honour. Waiting for another process
// gives up after the lock timeout with backend.ErrLocked.
func (s *Store) lockRepo(ctx context.Context, ref backend.RepoRef) (unlock func(), err error) {
	ch := s.locks.get(ref)
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-ch }
	path := filepath.Join(s.root, StateDir, LocksDir, ref.AccountID+"."+ref.RepositoryID+".lock")
	f, err := flockFile(ctx, path, s.opTimeout(ctx))
	if err != nil {
		release()
		return nil, err
	}
	return func() {
		f.Close() // closing the only descriptor releases the flock
		release()
	}, nil
}

// flockFile opens (creating if needed) the lock file at path and takes an
// exclusive flock on it, polling with a growing pause until timeout.
func flockFile(ctx context.Context, path string, timeout time.Duration) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for {
		busy, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !busy {
			return f, nil
		}
		if time.Now().After(deadline) {
			who := lockHolders(path)
			f.Close()
			if who != "" {
				who = " (held by " + who + ")"
			}
			return nil, fmt.Errorf("lock %s: %w%s: not released within %s; wait for that coop command to finish or stop it, then retry",
				path, backend.ErrLocked, who, timeout.Round(time.Millisecond))
		}
		if err := backend.Sleep(ctx, pause); err != nil {
			f.Close()
			return nil, err
		}
		pause = min(pause*2, 16*time.Millisecond)
	}
}

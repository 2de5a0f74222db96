package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/coopterm/coop/backend"
	"github.com/coopterm/coop/backend/transfer"
	"github.com/coopterm/coop/internal/humanize"
)

// writer stores and removes files for SFTP and scp through the transfer
// queue (backend/transfer), exactly as uploads and deletes from the
// browser and the command line go: the same checks, retries and batched
// metadata updates. Each session has its own queue over its own
// access-controlled store, so every write is checked and audited as the
// session's caller.
type writer struct {
	q        *transfer.Queue
	spoolDir string
	quota    *budget // the session's spool bytes
}

// sessionWorkers is how many files one SSH session's queue moves at once.
const sessionWorkers = 4

func newWriter(store backend.Store, spoolDir string, quota *budget) *writer {
	// The queue outlives a session's context on purpose: Close writes the
	// metadata of what was done after the session has ended.
	return &writer{q: transfer.New(context.Background(), store, transfer.Options{Workers: sessionWorkers}),
		spoolDir: spoolDir, quota: quota}
}

// Close finishes the metadata of what was written and stops the queue.
func (w *writer) Close() error { return w.q.Close() }

// putFile stores the complete local file under path and returns when it
// is stored. With replace false an object already there is left alone
// and the upload fails with transfer.ErrWouldOverwrite.
func (w *writer) putFile(ctx context.Context, repo backend.RepoRef, path, local string, replace bool) error {
	policy := transfer.Fail
	if replace {
		policy = transfer.Overwrite
	}
	return w.run(ctx, transfer.Spec{Kind: transfer.UploadFile, Repo: repo, Local: local, Remote: path, Policy: policy})
}

// put spools r (size bytes, which count against the session's spool
// budget) to a temporary file, then stores it, replacing an object there;
// a short stream stores nothing.
func (w *writer) put(ctx context.Context, repo backend.RepoRef, path string, r io.Reader, size int64) error {
	if !w.quota.take(size) {
		return fmt.Errorf("upload %s: %w: %s would take more than the %s of spool this session may hold (--max-spool)",
			path, errLimit, humanize.Bytes(size), humanize.Bytes(w.quota.limit))
	}
	defer w.quota.give(size)
	f, err := newSpoolFile(w.spoolDir)
	if err != nil {
		return err
	}
	defer func() {
		f.Close()
		_ = os.Remove(f.Name())
	}()
	n, err := io.Copy(f, io.LimitReader(r, size))
	if err == nil && n != size {
		err = fmt.Errorf("%w: %d of %d bytes arrived; nothing stored", io.ErrUnexpectedEOF, n, size)
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", path, err)
	}
	return w.putFile(ctx, repo, path, f.Name(), true)
}

// remove deletes the object at path.
func (w *writer) remove(ctx context.Context, repo backend.RepoRef, path string) error {
	return w.run(ctx, transfer.Spec{Kind: transfer.DeleteFile, Repo: repo, Remote: path})
}

// run submits one job and waits for it to end, returning its failure.
// If ctx ends first (the client left), the job is cancelled.
func (w *writer) run(ctx context.Context, spec transfer.Spec) error {
	sub := w.q.Subscribe()
	defer sub.Close()
	id, err := w.q.Submit(spec)
	if err != nil {
		return err
	}
	for {
		if j, ok := w.q.Job(id); ok && j.State.Final() {
			switch j.State {
			case transfer.Done:
				return nil
			case transfer.Cancelled:
				return fmt.Errorf("%s %s: cancelled", spec.Kind, spec.Remote)
			}
			if errs := w.q.ItemErrors(id); len(errs) > 0 {
				return errs[0].Err
			}
			if j.Err != nil {
				return j.Err
			}
			return fmt.Errorf("%s %s failed", spec.Kind, spec.Remote)
		}
		if _, err := sub.Next(ctx); err != nil {
			w.q.Cancel(id)
			if errors.Is(err, transfer.ErrClosed) {
				return fmt.Errorf("%s %s: the session ended", spec.Kind, spec.Remote)
			}
			return err
		}
	}
}

// spoolPrefix names the temporary files uploads are held in.
const spoolPrefix = "coop-upload-"

// newSpoolFile makes a temporary file, readable by its owner only, and
// locks it for as long as it is open.
func newSpoolFile(dir string) (*os.File, error) {
	for range 10 {
		f, err := os.CreateTemp(dir, spoolPrefix+"*")
		if err != nil {
			return nil, fmt.Errorf("spool upload: %w", err)
		}
		if err := lockSpool(f); err != nil {
			f.Close()
			_ = os.Remove(f.Name())
			return nil, fmt.Errorf("spool upload: lock %s: %w", f.Name(), err)
		}
		// A server starting up may have taken the new file for a leftover
		// between its creation and the lock; then make another.
		if a, err := f.Stat(); err == nil {
			if b, err := os.Stat(f.Name()); err == nil && os.SameFile(a, b) {
				return f, nil
			}
		}
		f.Close()
	}
	return nil, fmt.Errorf("spool upload: could not keep a spool file in %s", dir)
}

// CleanSpool removes the upload spool files in dir that no running server
// holds: those a server left when it stopped without cleaning up (a
// crash, a kill -9). Servers sharing dir keep theirs, locked.
func CleanSpool(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, nil
		}
		return 0, fmt.Errorf("spool folder: %w", err)
	}
	n := 0
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), spoolPrefix) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if abandoned(p) && os.Remove(p) == nil {
			n++
		}
	}
	return n, nil
}

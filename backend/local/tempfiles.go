package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/coopterm/coop/backend"
)

var (
	_ backend.ConditionalPutter = (*Store)(nil)
	_ backend.IncompleteCleaner = (*Store)(nil)
)

// commitTemp makes the finished temporary file f (at tmp) visible as dst:
// by a rename that replaces whatever is there, or, with noReplace, by a
// hard link that fails with backend.ErrObjectExists if dst exists. f stays
// open, and so locked, until the name is committed (except on Windows,
// which cannot rename an open file), so CleanIncomplete never removes a
// file about to be committed. f is closed and tmp removed in every case,
// unless tmp became dst.
func commitTemp(f *os.File, tmp, dst string, noReplace bool) error {
	closed := false
	closeF := func() error {
		if closed {
			return nil
		}
		closed = true
		return f.Close()
	}
	defer func() {
		_ = closeF()
		_ = os.Remove(tmp) // gone already if it was renamed
	}()
	if runtime.GOOS == "windows" {
		if err := closeF(); err != nil {
			return err
		}
	}
	if !noReplace {
		if err := os.Rename(tmp, dst); err != nil {
			return pathConflict(err)
		}
		return closeF()
	}
	err := os.Link(tmp, dst)
	switch {
	case err == nil:
		return closeF()
	case errors.Is(err, fs.ErrExist):
		if fi, serr := os.Lstat(dst); serr == nil && fi.IsDir() {
			return pathConflict(syscall.EISDIR)
		}
		return backend.ErrObjectExists
	case errors.Is(err, syscall.ENOTDIR):
		return pathConflict(err)
	}
	// No hard links on this file system: check, then rename. Another
	// writer can slip in between; this is the best such a system allows.
	if _, serr := os.Lstat(dst); serr == nil {
		return backend.ErrObjectExists
	}
	if err := os.Rename(tmp, dst); err != nil {
		return pathConflict(err)
	}
	return closeF()
}

// PutObjectIfAbsent is PutObject, except that it fails with
// backend.ErrObjectExists, storing nothing, when path already holds a file.
// The check and the write are one step (a hard link of the finished
// temporary file), so of two writers racing for a name exactly one wins.
func (s *Store) PutObjectIfAbsent(ctx context.Context, ref backend.RepoRef, path string, r io.Reader, size int64) (backend.ObjectInfo, error) {
	return s.putObject(ctx, ref, path, r, size, true)
}

// CleanIncomplete removes the temporary files in folder (and below it if
// recursive) that no live writer holds: files that a killed coop process
// (or a crash) left behind.
// Every writer keeps its temporary file locked until it is renamed into
// place, so a file that can be locked is abandoned, whatever its age;
// olderThan is not needed here and is ignored.
func (s *Store) CleanIncomplete(ctx context.Context, ref backend.RepoRef, folder string, recursive bool, _ time.Duration) (int, error) {
	folder, err := backend.CleanFolder(folder)
	if err != nil {
		return 0, err
	}
	abs, err := s.readPath(ref, folder, true)
	if err != nil {
		return 0, err
	}
	removed := 0
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() {
			if p != abs && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), TempPrefix) {
			return nil
		}
		if removeAbandoned(p) {
			removed++
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return removed, fmt.Errorf("clean %s %q: %w", ref, folder, err)
	}
	return removed, nil
}

// removeAbandoned removes the temporary file p if no one holds its lock.
func removeAbandoned(p string) bool {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	busy, err := tryLock(f)
	if err != nil || busy {
		return false
	}
	return os.Remove(p) == nil
}

package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
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

// dirOps are the file operations createTemp and commitTemp need: those
// of an os.Root (names inside a repository, links confined to it) or of
// the os package (paths, for the metadata file).
type dirOps interface {
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
	Stat(name string) (fs.FileInfo, error)
	Lstat(name string) (fs.FileInfo, error)
	Rename(oldname, newname string) error
	Link(oldname, newname string) error
	Remove(name string) error
}

// osOps are dirOps on plain paths.
type osOps struct{}

func (osOps) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
func (osOps) Stat(name string) (fs.FileInfo, error)  { return os.Stat(name) }
func (osOps) Lstat(name string) (fs.FileInfo, error) { return os.Lstat(name) }
func (osOps) Rename(oldname, newname string) error   { return os.Rename(oldname, newname) }
func (osOps) Link(oldname, newname string) error     { return os.Link(oldname, newname) }
func (osOps) Remove(name string) error               { return os.Remove(name) }

// createTemp makes a new temporary file in the folder dir; see
// createTempIn.
func createTemp(dir string) (*os.File, error) {
	f, _, err := createTempIn(osOps{}, dir)
	return f, err
}

// createTempIn makes a new temporary file in dir (a name for d), with the
// permissions a created file normally gets (0666 less the umask), and
// locks it: a temporary file nobody holds locked was left by a writer that
// died, and CleanIncomplete removes it. A cleaner can lock and remove the
// file in the moment between its creation and the lock; that is checked
// after locking, and another file made. It returns the file and its name
// for d.
func createTempIn(d dirOps, dir string) (*os.File, string, error) {
	for range 10 {
		name := filepath.Join(dir, tempName())
		f, err := d.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		// Without locks on this file system there is no cleaner to race
		// with (it cannot take a lock either), so a failure is no matter.
		locked := lockWait(f) == nil
		if !locked || still(d, f, name) {
			return f, name, nil
		}
		f.Close() // a cleaner took it
	}
	return nil, "", fmt.Errorf("create temporary file in %s: too many collisions", dir)
}

// still reports whether name is still the open file f.
func still(d dirOps, f *os.File, name string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := d.Stat(name)
	return err == nil && os.SameFile(a, b)
}

// commitTemp is commitTempIn on paths.
func commitTemp(f *os.File, tmp, dst string, noReplace bool) error {
	return commitTempIn(osOps{}, f, tmp, dst, noReplace)
}

// commitTempIn makes the finished temporary file f (named tmp in d)
// visible as dst: by a rename that replaces whatever is there, or, with
// noReplace, by a hard link that fails with backend.ErrObjectExists if
// dst exists. f stays open, and so locked, until the name is committed
// (except on Windows, which cannot rename an open file), so
// CleanIncomplete never removes a file about to be committed. f is closed
// and tmp removed in every case, unless tmp became dst.
func commitTempIn(d dirOps, f *os.File, tmp, dst string, noReplace bool) error {
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
		_ = d.Remove(tmp) // gone already if it was renamed
	}()
	if runtime.GOOS == "windows" {
		if err := closeF(); err != nil {
			return err
		}
	}
	if !noReplace {
		if err := d.Rename(tmp, dst); err != nil {
			return pathConflict(err)
		}
		return closeF()
	}
	err := d.Link(tmp, dst)
	switch {
	case err == nil:
		return closeF()
	case errors.Is(err, fs.ErrExist):
		if fi, serr := d.Lstat(dst); serr == nil && fi.IsDir() {
			return pathConflict(syscall.EISDIR)
		}
		return backend.ErrObjectExists
	case errors.Is(err, syscall.ENOTDIR):
		return pathConflict(err)
	}
	// No hard links on this file system: check, then rename. Another
	// writer can slip in between; this is the best such a system allows.
	if _, serr := d.Lstat(dst); serr == nil {
		return backend.ErrObjectExists
	}
	if err := d.Rename(tmp, dst); err != nil {
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
	if _, err := s.readPath(ref, folder, true); err != nil {
		return 0, err
	}
	root, err := s.repoRoot(ref)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, rootError("clean", ref, folder, err)
	}
	defer func() { _ = root.Close() }()
	start := path.Clean("./" + folder)
	removed := 0
	err = fs.WalkDir(root.FS(), start, func(p string, d fs.DirEntry, err error) error {
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
			if p != start && !recursive {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(d.Name(), TempPrefix) {
			return nil
		}
		if removeAbandoned(root, filepath.FromSlash(p)) {
			removed++
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return removed, rootError("clean", ref, folder, err)
	}
	return removed, nil
}

// removeAbandoned removes the temporary file name in root if no one holds
// its lock.
func removeAbandoned(root *os.Root, name string) bool {
	f, err := root.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	busy, err := tryLock(f)
	if err != nil || busy {
		return false
	}
	return root.Remove(name) == nil
}

package local

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/coopterm/coop/backend"
)

// objectPath validates ref and p for writing and returns p's place on
// disk; see resolve.
func (s *Store) objectPath(ref backend.RepoRef, p string, allowRoot bool) (string, error) {
	if err := backend.ValidatePath(p, allowRoot); err != nil {
		return "", err
	}
	return s.resolve(ref, p)
}

// readPath validates ref and p for reading, listing or deleting what is
// already there (names other tools wrote may hold control characters) and
// returns p's place on disk; see resolve.
func (s *Store) readPath(ref backend.RepoRef, p string, allowRoot bool) (string, error) {
	if err := backend.ValidateReadPath(p, allowRoot); err != nil {
		return "", err
	}
	return s.resolve(ref, p)
}

// resolve returns a validated p's place on disk. It fails before touching
// anything if the path uses a name reserved for temporary files or passes
// through a symlink that leads out of the storage root.
func (s *Store) resolve(ref backend.RepoRef, p string) (string, error) {
	if err := backend.ValidateRef(ref); err != nil {
		return "", err
	}
	if ref.AccountID == StateDir {
		return "", fmt.Errorf("%w account id %q: the store's own folder", backend.ErrInvalid, ref.AccountID)
	}
	if strings.HasPrefix(p, TempPrefix) || strings.Contains(p, "/"+TempPrefix) {
		return "", fmt.Errorf("%w path %q: names starting with %q are reserved", backend.ErrInvalid, p, TempPrefix)
	}
	if err := s.checkRoot(); err != nil {
		return "", err
	}
	abs := filepath.Join(s.repoDir(ref), filepath.FromSlash(p))
	if err := s.checkInside(abs); err != nil {
		return "", fmt.Errorf("%s %q: %w", ref, p, err)
	}
	return abs, nil
}

// checkInside lstats each existing component of abs below the root and
// fails if one is a symlink whose target is outside the root (or broken).
func (s *Store) checkInside(abs string) error {
	rel, ok := strings.CutPrefix(abs, s.root+string(filepath.Separator))
	if !ok {
		return fmt.Errorf("%w: %s is outside the storage root", backend.ErrInvalid, abs)
	}
	cur := s.root
	for seg := range strings.SplitSeq(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, seg)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil // nothing further exists; the caller reports it
		}
		if err != nil {
			return fmt.Errorf("%w: %w", backend.ErrUnavailable, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 && !s.insideRoot(cur) {
			return fmt.Errorf("%w: symlink %s leads out of the storage root (not followed)", backend.ErrInvalid, cur)
		}
	}
	return nil
}

// insideRoot reports whether the symlink at path resolves to a place
// inside the storage root.
func (s *Store) insideRoot(path string) bool {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	return real == s.root || strings.HasPrefix(real, s.root+string(filepath.Separator))
}

// tempName returns a fresh hidden name for a temporary file.
func tempName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return TempPrefix + hex.EncodeToString(b[:])
}

// createTemp makes a new temporary file in dir, with the permissions a
// created file normally gets (0666 less the umask), and locks it: a
// temporary file nobody holds locked was left by a writer that died, and
// CleanIncomplete removes it. A cleaner can lock and remove the file in
// the moment between its creation and the lock; that is checked after
// locking, and another file made.
func createTemp(dir string) (*os.File, error) {
	for range 10 {
		name := filepath.Join(dir, tempName())
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// Without locks on this file system there is no cleaner to race
		// with (it cannot take a lock either), so a failure is no matter.
		locked := lockWait(f) == nil
		if !locked || still(f, name) {
			return f, nil
		}
		f.Close() // a cleaner took it
	}
	return nil, fmt.Errorf("create temporary file in %s: too many collisions", dir)
}

// still reports whether name is still the open file f.
func still(f *os.File, name string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(name)
	return err == nil && os.SameFile(a, b)
}

// hiddenName reports whether a directory entry is never listed: temporary
// files, and the metadata file at the repository root.
func hiddenName(name string, atRoot bool) bool {
	return strings.HasPrefix(name, TempPrefix) || (atRoot && name == backend.MetadataFileName)
}

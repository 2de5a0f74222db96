package local

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/coopterm/coop/backend"
)

// Links in the object tree. A symbolic link inside a repository is
// followed when it leads, relative to where it is, to a place inside the
// same repository: it then lists and reads as what it points to (a link
// to a folder is not entered by walks, see backend.Entry.Link, so links
// cannot make a cycle that walks forever). Every other link — out of the
// repository (another repository, .coop, /etc), absolute, dangling or in
// a loop — lists as a link (backend.TypeLink) and is refused for reading
// and writing through it; the account and repository folders themselves
// must be real folders. The checks below give clear errors; the reads and
// writes themselves go through an os.Root of the repository (repoRoot),
// which resolves every path one component at a time beneath it, so a link
// swapped in between a check and an open is not followed either.

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
// through a link that is not followed.
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

// checkInside lstats each existing component of abs below the root: the
// account and repository folders must not be links, and a link inside the
// repository must be one that is followed (see above).
func (s *Store) checkInside(abs string) error {
	rel, ok := strings.CutPrefix(abs, s.root+string(filepath.Separator))
	if !ok {
		return fmt.Errorf("%w: %s is outside the storage root", backend.ErrInvalid, abs)
	}
	parts := strings.Split(rel, string(filepath.Separator))
	cur := s.root
	for i, seg := range parts {
		cur = filepath.Join(cur, seg)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil // nothing further exists; the caller reports it
		}
		if err != nil {
			return fmt.Errorf("%w: %w", backend.ErrUnavailable, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if i < 2 {
			return linkError(filepath.ToSlash(filepath.Join(parts[:i+1]...)), "the account and repository folders must be real folders")
		}
		repo := filepath.Join(s.root, parts[0], parts[1])
		if why := followable(repo, cur); why != "" {
			return linkError(filepath.ToSlash(filepath.Join(parts[2:i+1]...)), why)
		}
	}
	return nil
}

// followable says why the link at path (inside the repository folder repo)
// is not followed, or "" if it is.
func followable(repo, path string) string {
	target, err := os.Readlink(path)
	switch {
	case err != nil:
		return "it cannot be read"
	case filepath.IsAbs(target):
		return "it is absolute"
	}
	real, err := filepath.EvalSymlinks(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "it leads nowhere"
	case err != nil:
		return "it leads into a loop"
	}
	realRepo, err := filepath.EvalSymlinks(repo)
	if err != nil || (real != realRepo && !strings.HasPrefix(real, realRepo+string(filepath.Separator))) {
		return "it leads out of its repository"
	}
	return ""
}

// ErrLinkNotFollowed is wrapped (with backend.ErrInvalid) by every error
// about a link that is not followed.
var ErrLinkNotFollowed = errors.New("link not followed")

// linkError reports the link at p (relative to the repository) as not
// followed, naming neither the server's folders nor the link's target.
func linkError(p, why string) error {
	return fmt.Errorf("%w: %w: %s is a link, and %s", backend.ErrInvalid, ErrLinkNotFollowed, p, why)
}

// repoRoot opens ref's repository folder as an os.Root, checking that it
// is the real folder (not a link, nor swapped for one while opening).
func (s *Store) repoRoot(ref backend.RepoRef) (*os.Root, error) {
	dir := s.repoDir(ref)
	for _, p := range []string{s.accountDir(ref.AccountID), dir} {
		fi, err := os.Lstat(p)
		switch {
		case err != nil:
			return nil, err
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, linkError(strings.TrimPrefix(filepath.ToSlash(p), filepath.ToSlash(s.root)+"/"), "the account and repository folders must be real folders")
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	opened, err1 := root.Stat(".")
	now, err2 := os.Lstat(dir)
	if err1 != nil || err2 != nil || !os.SameFile(opened, now) {
		_ = root.Close()
		return nil, linkError(ref.String(), "the repository folder changed while it was being opened")
	}
	return root, nil
}

// rootError maps an error of an os.Root operation on p: a path that would
// leave the repository, or a loop of links, is a link not followed; a
// missing one is backend.ErrNotFound.
func rootError(op string, ref backend.RepoRef, p string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrLinkNotFollowed):
		return fmt.Errorf("%s %s %q: %w", op, ref, p, err)
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("%s %s %q: %w", op, ref, p, backend.ErrNotFound)
	case errors.Is(err, syscall.ELOOP) || strings.Contains(err.Error(), "path escapes"):
		return fmt.Errorf("%s %s %q: %w", op, ref, p, linkError(p, "it leads out of its repository or into a loop"))
	}
	return fmt.Errorf("%s %s %q: %w", op, ref, p, err)
}

// rootPath is p as an os.Root name ("." for the repository itself).
func rootPath(p string) string {
	if p == "" {
		return "."
	}
	return filepath.FromSlash(p)
}

// reserved is folder, unless p's own name is reserved for temporary
// files: then p, which resolve refuses.
func reserved(p, folder string) string {
	if strings.HasPrefix(path.Base(p), TempPrefix) {
		return p
	}
	return folder
}

// tempName returns a fresh hidden name for a temporary file.
func tempName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return TempPrefix + hex.EncodeToString(b[:])
}

// hiddenName reports whether a directory entry is never listed: temporary
// files, and the metadata file at the repository root.
func hiddenName(name string, atRoot bool) bool {
	return strings.HasPrefix(name, TempPrefix) || (atRoot && name == backend.MetadataFileName)
}

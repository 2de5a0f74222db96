package transfer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// Downloads are written to a temporary "part" file beside their target,
// named partPrefix + random + partSuffix, kept locked while it is written.
const (
	partPrefix = ".coop-download-"
	partSuffix = ".part"
)

// errLocalExists is what commit returns when it must not replace the
// target and the target exists.
var errLocalExists = errors.New("local file exists")

// partTries bounds the part files createPart makes before it gives up.
const partTries = 100

// partFile is a download being written.
type partFile struct {
	f       *os.File
	name    string
	renamed bool // committed: nothing left under name
}

// createPart creates and locks a new part file in dir. Between the
// create and the lock, a cleanParts of another job or process may take
// the new file for a leftover and remove it: a part file whose lock was
// taken first, or that is no longer under its name once locked, is
// dropped and another made, up to partTries times: clean-ups running
// without a pause (TestPartSurvivesConcurrentClean's two, at load) took
// ten in a row. (Where the file system has no locks, the part file is
// used unlocked.)
func createPart(dir string) (*partFile, error) {
	for range partTries {
		var b [8]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(dir, partPrefix+hex.EncodeToString(b[:])+partSuffix)
		f, err := createExcl(name)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if busy, err := tryLock(f); busy || (err == nil && !stillNamed(f, name)) {
			f.Close()
			continue
		}
		return &partFile{f: f, name: name}, nil
	}
	return nil, fmt.Errorf("create a temporary file in %s: too many collisions", dir)
}

// stillNamed reports whether name still refers to the open file f.
func stillNamed(f *os.File, name string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	ni, err := os.Stat(name)
	return err == nil && os.SameFile(fi, ni)
}

// discard closes and removes the part file (unless commit renamed it).
func (p *partFile) discard() {
	p.f.Close()
	if !p.renamed {
		_ = os.Remove(p.name)
	}
}

// commit gives the finished part file its final name dst: by rename, or
// with noReplace by a rename that fails with errLocalExists if dst exists
// (where the system has one; else a hard link, then removing the part
// name; else check-then-rename where links are not supported). The file
// stays open, so locked, until then, except on Windows.
func (p *partFile) commit(dst string, noReplace bool) error {
	defer p.discard() // removes nothing once renamed
	if runtime.GOOS == "windows" {
		p.f.Close()
	}
	if noReplace {
		if done, err := renameNoReplace(p.name, dst); done {
			if err == nil {
				p.renamed = true
				return nil
			}
			if errors.Is(err, errLocalExists) {
				return err
			}
			return fmt.Errorf("write %s: %w", dst, localError(err))
		}
		err := os.Link(p.name, dst)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, fs.ErrExist):
			return errLocalExists
		case errors.Is(err, syscall.ENOTDIR):
			return fmt.Errorf("write %s: %w", dst, err)
		}
		if _, serr := os.Lstat(dst); serr == nil {
			return errLocalExists
		}
	}
	if err := os.Rename(p.name, dst); err != nil {
		return fmt.Errorf("write %s: %w", dst, localError(err))
	}
	p.renamed = true
	return nil
}

// partWriter is a download's part file, made in dir at the first write
// (after the whole of a small file has arrived: see spool), so that a
// download that fails before has nothing to remove, and dir itself is
// made only when a file is to be written into it and missing.
type partWriter struct {
	dir  string
	part *partFile
}

// open makes the part file if it is not made yet.
func (w *partWriter) open() (*os.File, error) {
	if w.part != nil {
		return w.part.f, nil
	}
	part, err := createPart(w.dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(w.dir, 0o755); err == nil {
			part, err = createPart(w.dir)
		}
	}
	if err != nil {
		return nil, &localWriteError{err}
	}
	w.part = part
	return part.f, nil
}

// Write writes to the part file, making it first; failures are local.
func (w *partWriter) Write(p []byte) (int, error) {
	f, err := w.open()
	if err != nil {
		return 0, err
	}
	return fileWriter{f}.Write(p)
}

// commit gives the part file (made now, empty, if nothing was written)
// its final name: see partFile.commit.
func (w *partWriter) commit(dst string, noReplace bool) error {
	if _, err := w.open(); err != nil {
		return err
	}
	return w.part.commit(dst, noReplace)
}

// discard removes the part file, if one was made.
func (w *partWriter) discard() {
	if w.part != nil {
		w.part.discard()
	}
}

// cleanParts removes the part files in dir that no live download holds
// (a killed process left them) and reports how many it removed.
func cleanParts(dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, partPrefix) || !strings.HasSuffix(name, partSuffix) {
			continue
		}
		p := filepath.Join(dir, name)
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if busy, err := tryLock(f); err == nil && !busy && os.Remove(p) == nil {
			n++
		}
		f.Close()
	}
	return n
}
